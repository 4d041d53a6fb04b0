process.env.TZ = 'UTC';

const base = require('./jest.config');

// Integration tests: real anvil chains and the built backend executable, run one file at a time.
module.exports = {
  ...base,
  testEnvironment: 'node',
  setupFilesAfterEnv: [],
  testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
  testTimeout: 180000,
};
