/** @jest-environment node */
// Fuzz run over the query model's validation: random JSON from a fixed-seed PRNG, biased towards
// the model's own keys and values so that deep paths are reached. Whatever comes in, validation
// must answer (never throw), explain every refusal, and only accept what it accepts again.
import {
  ABI_VARIANTS,
  HEALTH_FIELD_NAMES,
  METRIC_NAMES,
  QUERY_TYPES,
  VARIABLE_KINDS,
  TESSERACT_SIMPLE_ABI,
  defaultQuery,
  newDeployment,
  parseQuery,
  validateDeployment,
  validateSettings,
  type DeploymentSettings,
  type QueryResult,
  type TesseractQuery,
} from '../../src/query';

const SEED = 0x7e55e2ac;
const QUERY_CASES = 6000;
const DEPLOYMENT_CASES = 3000;
const SETTINGS_CASES = 1000;

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TX_ID = '0x' + 'ab'.repeat(32);
const ADDRESS = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

const QUERY_KEYS = [
  'queryType',
  'refId',
  'deployments',
  'format',
  'field',
  'eventNames',
  'txIds',
  'originRollup',
  'targetRollup',
  'reasonContains',
  'limit',
  'metrics',
  'mode',
  'bucketSeconds',
  'functionName',
  'args',
  'block',
  'variable',
  'schemaVersion',
  'hide',
  'datasource',
  'deployment',
  'metric',
  'event',
  'txId',
  'reduce',
  'url',
  ...PROTOTYPE_KEYS,
];

const DEPLOYMENT_KEYS = [
  'id',
  'name',
  'chainId',
  'contract',
  'abi',
  'customAbi',
  'startBlock',
  'confirmations',
  'maxBlockRange',
  'operator',
  ...PROTOTYPE_KEYS,
];

const INTERESTING_STRINGS = [
  '',
  ' ',
  'A',
  'latest',
  'pending',
  '12',
  '-1',
  '0x',
  '0x12',
  TX_ID,
  TX_ID.toUpperCase(),
  ADDRESS,
  ADDRESS.toLowerCase(),
  ADDRESS.slice(0, -1) + 'D',
  '$tx_id',
  '${chain}',
  '[[deployment]]',
  'table',
  'value',
  'timeseries',
  'window',
  'transaction_count',
  'buffer_transaction',
  'simple',
  'buffer',
  'custom',
  '[]',
  '{}',
  JSON.stringify(TESSERACT_SIMPLE_ABI),
  '[{"type":"event","name":"TransactionBuffered"}]',
  'not json',
  'optimism',
  'arbitrum-one',
  'a b',
  'http://169.254.169.254/latest/meta-data',
  '\u0000',
  '😀',
  'x'.repeat(300),
  ...QUERY_TYPES.map((t) => t.value),
  ...HEALTH_FIELD_NAMES,
  ...METRIC_NAMES,
  ...VARIABLE_KINDS.map((k) => k.value),
  ...ABI_VARIANTS.map((v) => v.value),
  ...PROTOTYPE_KEYS,
];

const INTERESTING_NUMBERS = [
  0,
  1,
  -1,
  2,
  0.5,
  1e21,
  -1e21,
  Number.MAX_SAFE_INTEGER,
  2 ** 53 + 2,
  50000,
  50001,
  10000,
  31 * 24 * 3600,
  1e-7,
];

class JsonFuzzer {
  constructor(readonly random: () => number) {}

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  string(): string {
    if (this.random() < 0.8) {
      return this.pick(INTERESTING_STRINGS);
    }
    const length = this.int(12);
    let text = '';
    for (let i = 0; i < length; i++) {
      text += String.fromCharCode(this.random() < 0.9 ? 32 + this.int(95) : this.int(0xffff));
    }
    return text;
  }

  number(): number {
    return this.random() < 0.6 ? this.pick(INTERESTING_NUMBERS) : (this.random() - 0.5) * 10 ** this.int(12);
  }

  value(depth: number, keys: readonly string[]): Json {
    const roll = this.int(depth >= 3 ? 4 : 7);
    switch (roll) {
      case 0:
        return null;
      case 1:
        return this.random() < 0.5;
      case 2:
        return this.number();
      case 3:
        return this.string();
      case 4:
      case 5: {
        const length = this.int(5);
        return Array.from({ length }, () => (this.random() < 0.6 ? this.string() : this.value(depth + 1, keys)));
      }
      default:
        return this.object(depth + 1, keys);
    }
  }

  object(depth: number, keys: readonly string[]): { [key: string]: Json } {
    const entries: Array<[string, Json]> = [];
    const size = this.int(8);
    for (let i = 0; i < size; i++) {
      const key = keys.length > 0 && this.random() < 0.85 ? this.pick(keys) : this.string();
      entries.push([key, this.value(depth, keys)]);
    }
    // JSON.parse makes every key an own property, `__proto__` included: build the input the same way.
    return JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }

  /** A valid object with 1..3 keys replaced by random values (or deleted). */
  mutate<T extends object>(valid: T, keys: readonly string[]): Record<string, Json> {
    const mutated = JSON.parse(JSON.stringify(valid)) as Record<string, Json>;
    const changes = 1 + this.int(3);
    for (let i = 0; i < changes; i++) {
      const key = this.pick(keys);
      if (this.random() < 0.15) {
        delete mutated[key];
      } else {
        // Mostly the model's own words, alone or in a list: they reach the deepest checks.
        const roll = this.random();
        mutated[key] =
          roll < 0.4
            ? this.string()
            : roll < 0.6
              ? Array.from({ length: 1 + this.int(3) }, () => this.string())
              : this.value(1, keys);
      }
    }
    return mutated;
  }
}

function expectExplainedRefusal(errors: unknown): void {
  expect(Array.isArray(errors)).toBe(true);
  const list = errors as unknown[];
  expect(list.length).toBeGreaterThan(0);
  for (const error of list) {
    expect(typeof error).toBe('string');
    expect((error as string).trim().length).toBeGreaterThan(0);
  }
}

/** What an accepted query must be: a well-formed member of the union, whatever came in. */
function expectWellFormed(query: TesseractQuery): void {
  expect(QUERY_TYPES.map((t) => t.value)).toContain(query.queryType);
  expect(typeof query.refId).toBe('string');
  expect(Array.isArray(query.deployments) && query.deployments.every((d) => typeof d === 'string')).toBe(true);
  switch (query.queryType) {
    case 'health':
      expect(HEALTH_FIELD_NAMES).toContain(query.field);
      break;
    case 'metrics':
      expect(query.metrics.length).toBeGreaterThan(0);
      for (const metric of query.metrics) {
        expect(METRIC_NAMES).toContain(metric);
      }
      break;
    case 'variables':
      expect(VARIABLE_KINDS.map((k) => k.value)).toContain(query.variable);
      break;
    default:
      break;
  }
}

function parseWithoutThrowing(raw: unknown, allowTemplateVariables: boolean): QueryResult {
  let result: QueryResult | undefined;
  expect(() => {
    result = parseQuery(raw, { allowTemplateVariables });
  }).not.toThrow();
  return result!;
}

describe('query model fuzz (fixed seed)', () => {
  it(`parseQuery answers ${QUERY_CASES} random queries: explains refusals, accepted ones re-validate`, () => {
    const fuzz = new JsonFuzzer(prng(SEED));
    const validQueries = QUERY_TYPES.map((t) => defaultQuery(t.value));
    let accepted = 0;
    for (let i = 0; i < QUERY_CASES; i++) {
      const raw: unknown = i % 3 === 0 ? fuzz.value(0, QUERY_KEYS) : fuzz.mutate(fuzz.pick(validQueries), QUERY_KEYS);
      const allowTemplateVariables = i % 2 === 0;
      const result = parseWithoutThrowing(raw, allowTemplateVariables);
      if (!result.ok) {
        expectExplainedRefusal(result.errors);
        continue;
      }
      accepted++;
      expectWellFormed(result.query);
      // Accepted again as is, and after the JSON round trip of saving it in a dashboard.
      const again = parseWithoutThrowing(result.query, allowTemplateVariables);
      expect(again).toEqual({ ok: true, query: result.query });
      const saved = parseWithoutThrowing(JSON.parse(JSON.stringify(result.query)), allowTemplateVariables);
      expect(saved).toEqual({ ok: true, query: JSON.parse(JSON.stringify(result.query)) });
    }
    // The run only means something if both branches were exercised a lot.
    expect(accepted).toBeGreaterThan(QUERY_CASES / 20);
    expect(accepted).toBeLessThan(QUERY_CASES - QUERY_CASES / 20);
  });

  it(`validateDeployment answers ${DEPLOYMENT_CASES} random deployments: messages per field, accepted ones re-validate`, () => {
    const fuzz = new JsonFuzzer(prng(SEED + 1));
    const valid: DeploymentSettings = { ...newDeployment('d1'), name: 'optimism', chainId: 10, contract: ADDRESS };
    expect(validateDeployment(valid, ['http://127.0.0.1:8545'])).toEqual({});
    let accepted = 0;
    for (let i = 0; i < DEPLOYMENT_CASES; i++) {
      const raw = i % 3 === 0 ? fuzz.object(0, DEPLOYMENT_KEYS) : fuzz.mutate(valid, DEPLOYMENT_KEYS);
      const urls = i % 2 === 0 ? undefined : Array.from({ length: fuzz.int(3) }, () => fuzz.string());
      let errors: Record<string, unknown> | undefined;
      expect(() => {
        errors = validateDeployment(raw as unknown as DeploymentSettings, urls);
      }).not.toThrow();
      for (const [field, message] of Object.entries(errors!)) {
        expect(DEPLOYMENT_KEYS.concat('rpcUrls')).toContain(field);
        expect(typeof message).toBe('string');
        expect((message as string).length).toBeGreaterThan(0);
      }
      if (Object.keys(errors!).length === 0) {
        accepted++;
        const deployment = raw as unknown as DeploymentSettings;
        expect(typeof deployment.name).toBe('string');
        expect(Number.isInteger(deployment.chainId) && deployment.chainId > 0).toBe(true);
        expect(validateDeployment(JSON.parse(JSON.stringify(deployment)), urls)).toEqual({});
      }
    }
    expect(accepted).toBeGreaterThan(DEPLOYMENT_CASES / 20);
  });

  it(`validateSettings answers ${SETTINGS_CASES} random jsonData values with messages`, () => {
    const fuzz = new JsonFuzzer(prng(SEED + 2));
    const valid = { ...newDeployment('d1'), name: 'optimism', chainId: 10, contract: ADDRESS };
    for (let i = 0; i < SETTINGS_CASES; i++) {
      const deployments = Array.from({ length: fuzz.int(4) }, () =>
        fuzz.random() < 0.5 ? fuzz.mutate(valid, DEPLOYMENT_KEYS) : fuzz.value(1, DEPLOYMENT_KEYS)
      );
      const jsonData: unknown = i % 4 === 0 ? fuzz.value(0, ['deployments']) : { deployments };
      let result: ReturnType<typeof validateSettings> | undefined;
      expect(() => {
        result = validateSettings(jsonData);
      }).not.toThrow();
      expect(Array.isArray(result!.settings.deployments)).toBe(true);
      for (const error of result!.errors) {
        expect(typeof error === 'string' && error.length > 0).toBe(true);
      }
    }
  });
});
