process.env.TZ = 'UTC';

const base = require('./jest.config');

// Browser tests: editors and app pages rendered with the real @grafana/ui in Debian's Chromium.
module.exports = {
  ...base,
  testEnvironment: 'node',
  setupFilesAfterEnv: [],
  testMatch: ['<rootDir>/tests/browser/**/*.test.ts'],
  testTimeout: 180000,
};
