import { readFileSync } from 'node:fs';
import { errorCodes, HeraldError } from './errors.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `(HERALD_ERR_[A-Z_]+)` \| (.*) \| (yes|no) \| (.*) \|$/gm)].map((m) => [
    m[1]!,
    { retriable: m[3] === 'yes', fix: m[4]! },
  ]),
);

describe('error registry', () => {
  it('docs/errors.md lists exactly the codes of the registry, with the same retriable flag and fix', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(errorCodes).sort());
    for (const [code, spec] of Object.entries(errorCodes)) {
      expect({
        code,
        retriable: documented.get(code)?.retriable,
        fix: documented.get(code)?.fix,
      }).toEqual({
        code,
        retriable: spec.retriable,
        fix: spec.fix.replace(/\|/g, '\\|'),
      });
    }
  });

  it('codes follow HERALD_ERR_<AREA>_<PROBLEM> and messages fill their placeholders', () => {
    for (const code of Object.keys(errorCodes) as (keyof typeof errorCodes)[]) {
      expect(code).toMatch(/^HERALD_ERR_[A-Z]+_[A-Z_]+$/);
      const err = new HeraldError(code, ['ALPHA', 'BETA', 'GAMMA']);
      expect(err.message.startsWith(`${code}: `)).toBe(true);
      expect(err.message).not.toContain('%s');
      expect(err.retriable).toBe(errorCodes[code].retriable);
    }
  });
});
