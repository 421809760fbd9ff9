import { base } from '../../tooling/jest/jest.base.js';

// No local stack here: rendering needs only helm, built once by the global setup.
export default {
  ...base,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 120_000,
};
