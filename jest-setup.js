// Jest setup provided by Grafana scaffolding; it patches DOM globals, so only jsdom suites load it
// (suites with a `@jest-environment node` docblock test backend code without a DOM).
if (typeof window !== 'undefined') {
  require('./.config/jest-setup');
}
