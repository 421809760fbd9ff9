// Shared jest settings for every workspace. Each package's jest.config.js spreads this.
// Tests are ESM TypeScript, transformed by swc (no type-check here: `npm run lint`
// type-checks with tsc), run under `node --experimental-vm-modules`.
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** @type {import('jest').Config} */
export const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  // Source imports say './x.js' (NodeNext); in tests the file is './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  globalSetup: `${here}global-setup.js`,
  reporters: ['default', `${here}summary-reporter.js`],
  testTimeout: 60_000,
  // Two cores: one worker per test file keeps Kafka, Postgres and the tests from
  // starving each other.
  maxWorkers: 1,
  // A leaked handle (an exporter's timer, a socket a library keeps) must not hang CI
  // after every test has finished; the suites close what they open, this is the net.
  forceExit: true,
};

/** Unit-only run: the `*.spec.ts` files beside the code, no services needed. */
export const unit = { ...base, testMatch: ['<rootDir>/src/**/*.spec.ts'], globalSetup: undefined };
