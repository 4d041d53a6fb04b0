/** @jest-environment node */
/**
 * The layer rules of eslint.config.mjs (`no-restricted-imports` per layer) refuse the imports that go against
 * the layers' direction and let the allowed ones through. `npm run lint` applies them to the real tree.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Linter } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..');

/** [file the import is written in, import, allowed]. */
const CASES: Array<[string, string, boolean]> = [
  ['src/query/probe.ts', './types', true],
  ['src/query/probe.ts', '../backend/chain', false],
  ['src/query/probe.ts', '../datasource/types', false],
  ['src/query/probe.ts', '../../contracts/TesseractSimple.vyper.json', true],
  ['src/query/probe.ts', '../../contracts/other.ts', false],
  ['src/backend/grafana/probe.ts', './frames', true],
  ['src/backend/grafana/probe.ts', '@grpc/grpc-js', true],
  ['src/backend/grafana/probe.ts', '../chain', false],
  ['src/backend/grafana/probe.ts', '../../query', false],
  ['src/backend/chain/probe.ts', './rpc', true],
  ['src/backend/chain/probe.ts', '../grafana', false],
  ['src/backend/chain/probe.ts', '../tesseract/contract', false],
  ['src/backend/chain/probe.ts', '../../query', false],
  ['src/backend/chain/probe.ts', 'moment', false],
  ['src/backend/tesseract/probe.ts', '../chain', true],
  ['src/backend/tesseract/probe.ts', '../heap', true],
  ['src/backend/tesseract/probe.ts', '../../query', true],
  ['src/backend/tesseract/probe.ts', '../grafana', false],
  ['src/backend/tesseract/probe.ts', '../handlers/common', false],
  ['src/backend/tesseract/probe.ts', '../datasource', false],
  ['src/backend/tesseract/probe.ts', '../../datasource/types', false],
  ['src/backend/tesseract/probe.ts', '../../../devnet/prng', false],
  // Tests beside the code may use test helpers.
  ['src/backend/tesseract/probe.test.ts', '../../../devnet/prng', true],
  ['src/backend/handlers/probe.ts', '../grafana', true],
  ['src/backend/handlers/probe.ts', '../tesseract/deployment', true],
  ['src/backend/handlers/probe.ts', '../chain', true],
  ['src/backend/handlers/probe.ts', '../../query', true],
  ['src/backend/handlers/probe.ts', '../datasource', false],
  ['src/backend/handlers/probe.ts', '../../app/constants', false],
  ['src/alerting/probe.ts', '../query', true],
  ['src/alerting/probe.ts', '../app/api', false],
  ['src/datasource/components/probe.tsx', '../../query', true],
  ['src/datasource/components/probe.tsx', '../../backend/chain', false],
  ['src/app/pages/probe.tsx', '../../backend/grafana', false],
];

/**
 * The `no-restricted-imports` setting ESLint computes for each file from eslint.config.mjs. In a child
 * process: ESLint loads the config with a dynamic import(), which jest's module sandbox does not run.
 */
function restrictionsFor(files: string[]): Record<string, Linter.RuleEntry> {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint();
      const out = {};
      for (const file of ${JSON.stringify(files)}) {
        out[file] = (await eslint.calculateConfigForFile(file)).rules['no-restricted-imports'];
      }
      process.stdout.write('\\n' + JSON.stringify(out));
    })();`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`eslint config: ${run.stderr}`);
  }
  // The last line: a plugin of the base config prints a deprecation notice on stdout.
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

describe('layer import rules', () => {
  let restrictions: Record<string, Linter.RuleEntry>;
  beforeAll(() => {
    restrictions = restrictionsFor([...new Set(CASES.map(([file]) => file))]);
  }, 60_000);

  it.each(CASES)('%s: import from %s allowed = %s', (file, specifier, allowed) => {
    const messages = new Linter().verify(`import probe from '${specifier}';\nexport default probe;\n`, {
      languageOptions: { sourceType: 'module' },
      rules: { 'no-restricted-imports': restrictions[file] },
    });
    expect(messages.map((message) => message.ruleId)).toEqual(allowed ? [] : ['no-restricted-imports']);
  });
});
