import { KNOWN_FAILURES } from '../../conformance/known-failures.js';
import { runConformance, summarize } from '../../conformance/run-conformance.js';
import { celEnvironment } from './cel-environment.js';

/**
 * The CEL conformance data through Herald's CEL environment (the report with per-file
 * figures: `npm run conformance -w @herald/rules`). The floors are the counts measured
 * when the list of known failures was last updated; raise them with the list.
 */
const CORE_PASS_FLOOR = 1096;
const ALL_PASS_FLOOR = 1515;

const results = runConformance(celEnvironment);

describe('CEL conformance', () => {
  it('passes at least the recorded number of cases', () => {
    const files = summarize(results);
    const passed = (core?: boolean): number =>
      files.filter((f) => core === undefined || f.core === core).reduce((n, f) => n + f.passed, 0);
    expect(passed(true)).toBeGreaterThanOrEqual(CORE_PASS_FLOOR);
    expect(passed()).toBeGreaterThanOrEqual(ALL_PASS_FLOOR);
  });

  it('fails no case beyond the known failures', () => {
    const unexpected = results
      .filter((r) => r.status === 'fail' && !(r.id in KNOWN_FAILURES))
      .map((r) => `${r.id}: ${r.detail}`);
    expect(unexpected).toEqual([]);
  });

  it('passes no known failure (remove it from conformance/known-failures.ts)', () => {
    const failing = new Set(results.filter((r) => r.status === 'fail').map((r) => r.id));
    const nowPassing = Object.keys(KNOWN_FAILURES).filter((id) => !failing.has(id));
    expect(nowPassing).toEqual([]);
  });
});
