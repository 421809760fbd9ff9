/**
 * Conformance report: every CEL conformance file through Herald's CEL environment,
 * pass/fail per file, the core and overall pass rates, and how the failures compare
 * with the known-failures list.
 *
 * Run: npm run conformance -w @herald/rules        (add --failures to list each failure)
 */
import { celEnvironment } from '../src/cel/cel-environment.js';
import { KNOWN_FAILURES } from './known-failures.js';
import { runConformance, summarize } from './run-conformance.js';

const results = runConformance(celEnvironment);
const files = summarize(results);
const pct = (passed: number, total: number): string =>
  total === 0 ? '   -  ' : `${((100 * passed) / total).toFixed(1).padStart(5)}%`;

console.log('file                  group   pass  fail  out of scope   pass rate (in scope)');
for (const f of files) {
  console.log(
    `${f.file.padEnd(21)} ${(f.core ? 'core' : 'other').padEnd(6)} ${String(f.passed).padStart(5)} ${String(f.failed).padStart(5)} ${String(f.outOfScope).padStart(13)}   ${pct(f.passed, f.passed + f.failed)}`,
  );
}
const total = (core: boolean | undefined): [number, number] => {
  const chosen = files.filter((f) => core === undefined || f.core === core);
  const passed = chosen.reduce((n, f) => n + f.passed, 0);
  return [passed, passed + chosen.reduce((n, f) => n + f.failed, 0)];
};
for (const [label, core] of [
  ['core', true],
  ['other', false],
  ['all', undefined],
] as const) {
  const [passed, inScope] = total(core);
  console.log(`${label.padEnd(6)} ${passed}/${inScope} in scope pass = ${pct(passed, inScope)}`);
}

const failing = results.filter((r) => r.status === 'fail');
const unexpected = failing.filter((r) => !(r.id in KNOWN_FAILURES));
const fixed = Object.keys(KNOWN_FAILURES).filter((id) => !failing.some((r) => r.id === id));
console.log(
  `known failures ${Object.keys(KNOWN_FAILURES).length}, new failures ${unexpected.length}, now passing ${fixed.length}`,
);
for (const r of unexpected) console.log(`  NEW FAILURE ${r.id}: ${r.detail}`);
for (const id of fixed)
  console.log(`  NOW PASSING ${id} (remove it from conformance/known-failures.ts)`);
if (process.argv.includes('--failures')) {
  for (const r of failing) console.log(`  ${r.id}: ${r.detail}`);
}
