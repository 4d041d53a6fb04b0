// force timezone to UTC to allow tests to work regardless of local timezone
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

// Unit tests: pure logic and React components (jsdom). Integration and browser
// suites have their own configs because they need anvil, the built backend or Chromium.
module.exports = {
  ...base,
  testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}', '<rootDir>/tests/unit/**/*.test.{ts,tsx}'],
  transform: {
    ...base.transform,
    // d3-color (a @grafana/ui dependency) ships only .mjs
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
  transformIgnorePatterns: [base.transformIgnorePatterns[0]],
};
