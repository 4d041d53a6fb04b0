import { defineConfig } from 'eslint/config';
import baseConfig from './.config/eslint.config.mjs';

/**
 * The layers and the only direction their imports may take (tests beside the code may import more).
 * `src/backend/grafana` (the SDK) and `src/backend/chain` (RPC) import nothing of ours; `tesseract`
 * imports `chain` and the query model; handlers import the SDK, `tesseract`, `chain` and the query model;
 * `src/backend/instance.ts` and `main.ts` wire them. The browser code never imports the backend.
 */
const LAYERS = [
  {
    files: ['src/query/**/*.{ts,tsx}'],
    forbidden: '^\\.\\./(?!\\.\\./contracts/[^/]+\\.json$)',
    says: "src/query imports nothing of ours but the contracts' ABI builds",
  },
  { files: ['src/backend/grafana/**/*.{ts,tsx}'], forbidden: '^\\.\\./', says: 'the SDK imports nothing of ours' },
  {
    files: ['src/backend/chain/**/*.{ts,tsx}'],
    forbidden: '^\\.\\./',
    says: 'chain knows nothing of Grafana, Tesseract or the query model',
  },
  {
    files: ['src/backend/tesseract/**/*.{ts,tsx}'],
    forbidden: '^\\.\\./(grafana|handlers|datasource|main)(/|$)|^\\.\\./\\.\\./(?!query(/|$))',
    says: 'tesseract imports only chain, heap and the query model',
  },
  {
    files: ['src/backend/handlers/**/*.{ts,tsx}'],
    forbidden: '^\\.\\./(datasource|main)(/|$)|^\\.\\./\\.\\./(?!query(/|$))',
    says: 'handlers import the SDK, tesseract, chain and the query model',
  },
  {
    files: ['src/alerting/**/*.{ts,tsx}'],
    forbidden: '^\\.\\./(?!query(/|$))',
    says: 'src/alerting imports only the query model',
  },
  {
    files: ['src/datasource/**/*.{ts,tsx}', 'src/app/**/*.{ts,tsx}'],
    forbidden: '^(\\.\\./)+backend(/|$)',
    says: 'the browser code never imports the backend',
  },
];

// Keeps the base config's own restriction (moment) beside the layer rule, which replaces it in these files.
const layerRules = LAYERS.map(({ files, forbidden, says }) => ({
  files,
  ignores: ['**/*.test.{ts,tsx}'],
  rules: {
    'no-restricted-imports': [
      'error',
      { paths: ['moment'], patterns: [{ regex: forbidden, message: `Layer rule: ${says}.` }] },
    ],
  },
}));

export default defineConfig([
  {
    ignores: [
      '**/logs',
      '**/*.log',
      '**/npm-debug.log*',
      '**/yarn-debug.log*',
      '**/yarn-error.log*',
      '**/.pnpm-debug.log*',
      '**/node_modules/',
      '.yarn/cache',
      '.yarn/unplugged',
      '.yarn/build-state.yml',
      '.yarn/install-state.gz',
      '**/.pnp.*',
      '**/pids',
      '**/*.pid',
      '**/*.seed',
      '**/*.pid.lock',
      '**/lib-cov',
      '**/coverage',
      '**/dist/',
      '**/artifacts/',
      '**/work/',
      '**/ci/',
      'test-results/',
      'playwright-report/',
      'blob-report/',
      'playwright/.cache/',
      'playwright/.auth/',
      '**/.idea',
      '**/.eslintcache',
      '.config/',
      '.build/',
      '.cache/',
      'devnet/.state/',
      'bench/results/',
      'docs/screenshots/',
    ],
  },
  ...baseConfig,
  {
    // The scaffold only lints src/; the backend tooling, devnet, bench and tests are TypeScript too.
    files: ['**/*.{ts,tsx}'],
  },
  ...layerRules,
]);
