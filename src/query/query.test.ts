/** @jest-environment node */
import YAML from 'yaml';
import {
  TESSERACT_SIMPLE_ABI,
  argumentLabel,
  checkCall,
  completeQuery,
  defaultQuery,
  normalizeQuery,
  findFunction,
  migrateQuery,
  parseArgument,
  parseCustomAbi,
  parseQuery,
  validateDeployment,
  validateSettings,
  newDeployment,
  parseRpcUrls,
  rpcUrlsKey,
  QUERY_SCHEMA_VERSION,
} from './index';

const TX = '0x' + 'ab'.repeat(32);

describe('parseQuery', () => {
  it('fills defaults for a bare query of a known kind', () => {
    const result = parseQuery({ refId: 'A', queryType: 'metrics' });
    expect(result).toEqual({ ok: true, query: { ...defaultQuery('metrics'), refId: 'A' } });
  });

  it('rejects non-objects and unknown kinds with a message naming the kinds', () => {
    expect(parseQuery('nope')).toEqual({ ok: false, errors: ['Query must be a JSON object'] });
    const unknown = parseQuery({ refId: 'A', queryType: 'logs' });
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.errors[0]).toMatch(/Unknown query kind "logs": expected one of health, events/);
  });

  it('names each bad field', () => {
    const result = parseQuery({ refId: 'A', queryType: 'events', txIds: ['0x12'], originRollup: '0xzz', limit: 0 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      'tx_id "0x12" must be 0x followed by 64 hex digits (bytes32)',
      'Origin rollup must be 0x followed by 40 hex digits',
      'Limit must be a whole number from 1 to 50000',
    ]);
  });

  it('accepts template variables only when asked to', () => {
    const raw = { refId: 'A', queryType: 'transaction', txIds: ['$tx_id'] };
    expect(parseQuery(raw, { allowTemplateVariables: true }).ok).toBe(true);
    expect(parseQuery(raw).ok).toBe(false);
    expect(parseQuery({ ...raw, txIds: [TX] }).ok).toBe(true);
  });

  it('rejects an unknown metric and an empty metric list', () => {
    const unknown = parseQuery({ refId: 'A', queryType: 'metrics', metrics: ['latency'] });
    expect(!unknown.ok && unknown.errors[0]).toMatch(/metric "latency" is unknown/);
    const empty = parseQuery({ refId: 'A', queryType: 'metrics', metrics: [] });
    expect(!empty.ok && empty.errors).toEqual(['Metrics: pick at least one metric']);
  });

  it('rejects a mixed-case address with a wrong checksum and accepts the right one', () => {
    const good = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    const bad = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD';
    expect(parseQuery({ refId: 'A', queryType: 'events', targetRollup: good }).ok).toBe(true);
    const result = parseQuery({ refId: 'A', queryType: 'events', targetRollup: bad });
    expect(!result.ok && result.errors[0]).toBe(`Target rollup has a wrong checksum (expected ${good})`);
  });
});

describe('normalizeQuery', () => {
  it('completes a saved query exactly as parseQuery does', () => {
    const saved = { refId: 'B', queryType: 'events', event: 'TransactionFailed' };
    const parsed = parseQuery(saved);
    expect(parsed.ok && parsed.query).toEqual(normalizeQuery(saved));
    expect(normalizeQuery(saved)).toEqual({ ...defaultQuery('events', 'B'), eventNames: ['TransactionFailed'] });
  });

  it('gives a query of an unknown kind the default kind, where parseQuery rejects it', () => {
    const saved = { refId: 'C', schemaVersion: QUERY_SCHEMA_VERSION, queryType: 'logs', deployments: ['optimism'] };
    expect(normalizeQuery(saved)).toEqual({ ...defaultQuery('metrics', 'C'), deployments: ['optimism'] });
    expect(completeQuery(saved)).toBeUndefined();
    expect(parseQuery(saved).ok).toBe(false);
  });
});

describe('migrateQuery', () => {
  it('turns version 1 single values into lists and reduce into window mode', () => {
    const migrated = migrateQuery({ refId: 'A', deployment: 'optimism', metric: 'failed', reduce: true });
    expect(migrated).toEqual({
      refId: 'A',
      queryType: 'metrics',
      deployments: ['optimism'],
      metrics: ['failed'],
      mode: 'window',
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
    const parsed = parseQuery({ refId: 'B', queryType: 'transaction', txId: TX });
    expect(parsed.ok && parsed.query).toMatchObject({ queryType: 'transaction', txIds: [TX] });
  });

  it('leaves current queries alone', () => {
    const current = { ...defaultQuery('events'), eventNames: ['TransactionFailed'] };
    expect(migrateQuery(current as unknown as Record<string, unknown>)).toBe(current);
  });
});

describe('call arguments', () => {
  const bufferTransaction = findFunction(TESSERACT_SIMPLE_ABI, 'buffer_transaction')!;
  const [txId, , , payload, , timestamp] = bufferTransaction.inputs!;

  it('converts valid text by ABI type', () => {
    expect(parseArgument(txId, TX)).toEqual({ ok: true, value: TX });
    expect(parseArgument(timestamp, '42')).toEqual({ ok: true, value: 42n });
    expect(parseArgument(payload, '0xdead')).toEqual({ ok: true, value: '0xdead' });
    expect(parseArgument({ name: 'flag', type: 'bool' }, 'true')).toEqual({ ok: true, value: true });
    expect(parseArgument({ name: 'n', type: 'uint8' }, '256')).toEqual({ ok: false, error: 'is out of range' });
  });

  it('types the arguments of a view function', () => {
    const check = checkCall({ functionName: 'get_transaction_state', args: [TX] }, TESSERACT_SIMPLE_ABI);
    expect(check).toEqual({ ok: true, fn: findFunction(TESSERACT_SIMPLE_ABI, 'get_transaction_state'), values: [TX] });
  });

  it('names each argument by the label the editor shows beside it', () => {
    const [state] = findFunction(TESSERACT_SIMPLE_ABI, 'get_transaction_state')!.inputs!;
    expect(argumentLabel(state, 0)).toBe('tx_id (bytes32)');
    expect(argumentLabel({ name: '', type: 'uint8' }, 1)).toBe('argument 2 (uint8)');
    expect(checkCall({ functionName: 'get_transaction_state', args: ['0x1'] }, TESSERACT_SIMPLE_ABI)).toEqual({
      ok: false,
      function: undefined,
      args: ['tx_id (bytes32) must be 0x followed by 64 hex digits'],
      messages: ['tx_id (bytes32) must be 0x followed by 64 hex digits'],
    });
    expect(checkCall({ functionName: 'get_transaction_state', args: [] }, TESSERACT_SIMPLE_ABI)).toMatchObject({
      ok: false,
      messages: ['tx_id (bytes32) is required'],
    });
  });

  it('rejects functions that are not views, and extra arguments', () => {
    const notView = checkCall({ functionName: 'buffer_transaction', args: [] }, TESSERACT_SIMPLE_ABI);
    expect(notView).toMatchObject({ ok: false, args: [] });
    expect(!notView.ok && notView.function).toMatch(
      /^"buffer_transaction" is not a view function of this ABI \(views: .*transaction_count/
    );
    expect(checkCall({ functionName: 'transaction_count', args: ['1'] }, TESSERACT_SIMPLE_ABI)).toEqual({
      ok: false,
      function: 'transaction_count takes 0 argument(s), 1 given',
      args: [],
      messages: ['transaction_count takes 0 argument(s), 1 given'],
    });
  });

  it('accepts template variables only before interpolation', () => {
    const call = { functionName: 'get_transaction_state', args: ['$tx'] };
    expect(checkCall(call, TESSERACT_SIMPLE_ABI, { allowTemplateVariables: true })).toMatchObject({
      ok: true,
      values: ['$tx'],
    });
    expect(checkCall(call, TESSERACT_SIMPLE_ABI)).toMatchObject({
      ok: false,
      messages: ['tx_id (bytes32) must be 0x followed by 64 hex digits'],
    });
  });
});

describe('custom ABI', () => {
  it('accepts the Simple ABI, raw or wrapped in a build artifact', () => {
    expect(parseCustomAbi(JSON.stringify(TESSERACT_SIMPLE_ABI)).ok).toBe(true);
    expect(parseCustomAbi(JSON.stringify({ abi: TESSERACT_SIMPLE_ABI })).ok).toBe(true);
  });

  it('explains what is wrong', () => {
    expect(parseCustomAbi('{')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Custom ABI is not valid JSON/),
    });
    expect(parseCustomAbi('{}')).toEqual({ ok: false, error: 'Custom ABI must be a JSON array of ABI items' });
    const withoutFailed = TESSERACT_SIMPLE_ABI.filter((item) => item.name !== 'TransactionFailed');
    expect(parseCustomAbi(JSON.stringify(withoutFailed))).toEqual({
      ok: false,
      error: 'Custom ABI lacks the Tesseract event(s) TransactionFailed',
    });
  });
});

describe('deployment settings', () => {
  it('reports each invalid field', () => {
    const deployment = { ...newDeployment('d1'), name: 'bad name', chainId: 0, contract: '0x1', maxBlockRange: 0 };
    expect(validateDeployment(deployment, ['ftp://x'])).toEqual({
      name: expect.stringMatching(/^Name is required/),
      chainId: 'Chain id must be a positive whole number',
      contract: 'Contract address must be 0x followed by 40 hex digits',
      maxBlockRange: 'Max block range must be a positive whole number',
      rpcUrls: 'RPC URLs must start with http:// or https://',
    });
  });

  it('accepts a complete deployment', () => {
    const deployment = {
      ...newDeployment('d1'),
      name: 'optimism',
      chainId: 10,
      contract: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    };
    expect(validateDeployment(deployment, ['http://127.0.0.1:8545'])).toEqual({});
  });

  it('fills every documented default into a minimal provisioned deployment (name, chain id, contract, RPC URL)', () => {
    const provisioned = YAML.parse(`
datasources:
  - name: Minimal
    type: tesseract-monitor-datasource
    jsonData:
      deployments:
        - name: optimism
          chainId: 10
          contract: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    secureJsonData:
      rpcUrls.optimism: https://rpc.example
`).datasources[0];
    const { settings, errors } = validateSettings(provisioned.jsonData);
    expect(errors).toEqual([]);
    expect(settings.deployments).toEqual([
      {
        id: 'optimism',
        name: 'optimism',
        chainId: 10,
        contract: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
        abi: 'simple',
        startBlock: 0,
        confirmations: 5,
        maxBlockRange: 10000,
      },
    ]);
    const [deployment] = settings.deployments;
    const rpcUrls = parseRpcUrls(provisioned.secureJsonData[rpcUrlsKey(deployment.id)]);
    expect(validateDeployment(deployment, rpcUrls)).toEqual({});
    // Present values are kept (and judged), null counts as left out; no operator means owner().
    const explicit = { ...deployment, id: 'd1', confirmations: 0, startBlock: null, maxBlockRange: 'wide' };
    const [kept] = validateSettings({ deployments: [explicit] }).settings.deployments;
    expect(kept).toEqual({ ...deployment, id: 'd1', confirmations: 0, startBlock: 0, maxBlockRange: 'wide' });
    expect(validateDeployment(kept)).toEqual({ maxBlockRange: 'Max block range must be a positive whole number' });
    expect(kept.operator).toBeUndefined();
  });

  it('flags duplicate names and missing deployments', () => {
    const a = { ...newDeployment('a'), name: 'x' };
    expect(validateSettings({ deployments: [a, { ...a, id: 'b' }] }).errors).toEqual([
      'Deployment name "x" is used twice',
    ]);
    expect(validateSettings({}).errors).toEqual(['No deployments configured: add one in the data source settings']);
  });
});
