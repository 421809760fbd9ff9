// Appends this jest run's counts to $TEST_SUMMARY_FILE (one JSON line per package),
// so scripts/test.sh can print one total for the whole monorepo at the end, and
// name each failed test there: CI keeps only the tail of a long log, and a count
// alone does not say which test to look at.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

// The first lines of a failure message (an expectation's "Expected: … Received: …"),
// without colours, on one line.
const firstLines = (text) =>
  stripVTControlCharacters(String(text ?? ''))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('●'))
    .slice(0, 3)
    .join(' | ')
    .slice(0, 400);

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.TEST_SUMMARY_FILE;
    if (!file) return;
    const failures = [];
    for (const suite of results.testResults) {
      const where = relative(process.cwd(), suite.testFilePath);
      // A suite that could not run (a failed beforeAll import, a syntax error) has no
      // failed test of its own, only the suite's message.
      if (suite.testExecError || (suite.failureMessage && suite.numFailingTests === 0)) {
        failures.push({
          where,
          test: '(the suite)',
          why: firstLines(suite.testExecError?.message ?? suite.failureMessage),
        });
      }
      for (const test of suite.testResults) {
        if (test.status !== 'failed') continue;
        failures.push({ where, test: test.fullName, why: firstLines(test.failureMessages[0]) });
      }
    }
    const line = {
      cwd: process.cwd(),
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      failures,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}
