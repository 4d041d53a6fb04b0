process.env.TZ = 'UTC';

const base = require('./jest.config');

// Browser tests: editors and app pages rendered with the real @grafana/ui in Debian's Chromium, once per
// Grafana version under tests/compat; globalSetup installs those versions' packages when missing.
module.exports = {
  ...base,
  testEnvironment: 'node',
  setupFilesAfterEnv: [],
  globalSetup: '<rootDir>/tests/browser/harness/compat.ts',
  testMatch: ['<rootDir>/tests/browser/**/*.test.ts'],
  testTimeout: 180000,
};
