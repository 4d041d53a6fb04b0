/** @jest-environment node */
import { AbiCoder, Interface } from 'ethers';
import { RpcError } from './chain';
import { createDataSource, TesseractDataSource } from './instance';
import { createLogger, QueryError, type DataQuery, type InstanceSettings, type RequestContext } from './grafana';
import { forEachDeployment, toQueryError, type HandlerContext } from './handlers/common';
import type { Deployment } from './tesseract/deployment';
import { asRevert, ContractRevert } from './tesseract/revert';

const lines: string[] = [];
const logger = createLogger({ write: (line) => lines.push(line) });
const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

function settings(deployments: unknown[], secure: Record<string, string> = {}): InstanceSettings {
  return {
    uid: 'u',
    orgId: 1,
    name: 'T',
    url: '',
    jsonData: { deployments },
    secureJsonData: secure,
    lastUpdatedMS: 1,
  };
}
const deployment = (name: string, extra: Record<string, unknown> = {}) => ({
  id: `id-${name}`,
  name,
  chainId: 10,
  contract: CONTRACT,
  abi: 'simple',
  startBlock: 0,
  confirmations: 2,
  maxBlockRange: 1000,
  ...extra,
});
const ctx = { logger, fromAlert: false, headers: {}, orgId: 1, signal: new AbortController().signal } as RequestContext;
const dataQuery = (json: unknown): DataQuery => ({
  refId: 'A',
  queryType: '',
  timeRange: { fromMs: 0, toMs: 1000 },
  intervalMs: 1000,
  maxDataPoints: 100,
  json,
});

async function rejection(promise: Promise<unknown>): Promise<QueryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(QueryError);
    return error as QueryError;
  }
  throw new Error('expected a rejection');
}

describe('data source settings and query validation', () => {
  const ds = createDataSource(
    settings([deployment('optimism'), deployment('broken', { contract: '0x12' })], {
      'rpcUrls.id-optimism': 'http://127.0.0.1:1/key-secret',
      'rpcUrls.id-broken': 'http://127.0.0.1:1',
    }),
    logger
  ) as TesseractDataSource;
  afterAll(() => ds.dispose());

  it('builds usable deployments with chain labels and sets misconfigured ones aside with the reason', () => {
    expect(ds.deployments.map((d) => d.labels)).toEqual([{ chain: 'optimism', chain_id: '10', contract: CONTRACT }]);
    expect(lines.join('\n')).toMatch(/Deployment not usable.*"chain":"broken".*Contract address must be 0x/);
    expect(lines.join('\n')).not.toContain('key-secret');
  });

  it('answers invalid queries, unknown and misconfigured deployments with a 400 from the plugin', async () => {
    const invalid = await rejection(ds.query(dataQuery({ queryType: 'metrics', metrics: [], mode: 'sideways' }), ctx));
    expect([invalid.status, invalid.source]).toEqual([400, 'plugin']);
    expect(invalid.message).toBe(
      'Invalid query: Metrics: pick at least one metric; Mode must be "timeseries" or "window"'
    );
    const unknown = await rejection(ds.query(dataQuery({ queryType: 'health', deployments: ['zksync'] }), ctx));
    expect(unknown.message).toBe('Unknown deployment "zksync" (configured: optimism, broken)');
    const broken = await rejection(ds.query(dataQuery({ queryType: 'health', deployments: ['broken'] }), ctx));
    expect(broken.message).toMatch(/^Deployment "broken" is misconfigured: Contract address must be/);
    const event = await rejection(ds.query(dataQuery({ queryType: 'events', eventNames: ['EmergencyPause'] }), ctx));
    expect(event.message).toBe(
      'eventNames: EmergencyPause is not an event of the selected ABIs (events: TransactionBuffered, TransactionReady, TransactionFailed)'
    );
    const kind = await rejection(ds.query(dataQuery({ queryType: 'prices' }), ctx));
    expect(kind.message).toMatch(/Unknown query kind "prices"/);
  });

  it('takes the query kind from the DataQuery when the JSON lacks it, and multi-value variables as lists', async () => {
    const error = await rejection(
      ds.query({ ...dataQuery({ deployments: ['{optimism,zksync}'] }), queryType: 'health' }, ctx)
    );
    expect(error.message).toBe('Unknown deployment "zksync" (configured: optimism, broken)');
  });

  it('serves only the variables resource, with clear errors for bad bodies', async () => {
    const missing = await rejection(
      ds.callResource({ path: 'secrets', method: 'GET', url: '', body: Buffer.alloc(0), headers: {} }, ctx)
    );
    expect([missing.status, missing.message]).toEqual([404, 'no resource at "secrets": available: variables']);
    const bad = await rejection(
      ds.callResource({ path: 'variables', method: 'POST', url: '', body: Buffer.from('{'), headers: {} }, ctx)
    );
    expect(bad.status).toBe(400);
    const names = await ds.callResource(
      { path: '/variables', method: 'POST', url: '', body: Buffer.from('{"variable":"deployments"}'), headers: {} },
      ctx
    );
    expect(names).toEqual({ status: 200, body: [{ text: 'optimism', value: 'optimism' }] });
  });

  it('reports settings without deployments in CheckHealth and queries', async () => {
    const empty = createDataSource(settings([]), logger);
    expect((await empty.checkHealth(ctx)).message).toMatch(/No deployments configured/);
    expect((await rejection(empty.query(dataQuery({ queryType: 'health' }), ctx))).message).toMatch(
      /No deployments configured/
    );
    const duplicate = createDataSource(settings([deployment('a'), deployment('a')]), logger);
    expect((await duplicate.checkHealth(ctx)).message).toMatch(/Deployment name "a" is used twice/);
  });
});

describe('errors', () => {
  it('maps chain errors to downstream statuses and reverts to their reason', () => {
    const mapped = (error: unknown) => toQueryError(error) as QueryError;
    expect(mapped(new RpcError('rate_limited', 'RPC #1: rate limited (HTTP 429)')).status).toBe(429);
    expect(mapped(new RpcError('timeout', 'RPC #1: no answer within 30000 ms')).status).toBe(504);
    expect([mapped(new RpcError('unreachable', 'x')).status, mapped(new RpcError('unreachable', 'x')).source]).toEqual([
      502,
      'downstream',
    ]);
    expect(mapped(new ContractRevert('f', 'nope')).message).toBe('f reverted: nope');
    const bug = new TypeError('bug');
    expect(toQueryError(bug)).toBe(bug);
  });

  it('reads revert reasons from node messages, leaving other RPC errors alone', () => {
    const revert = asRevert(
      'buffer_transaction',
      new RpcError('rpc_error', 'RPC #1: eth_call failed: execution reverted: Transaction already exists (code 3)')
    );
    expect(revert).toEqual(new ContractRevert('buffer_transaction', 'Transaction already exists'));
    expect(
      (
        asRevert(
          'f',
          new RpcError('rpc_error', 'RPC #2: eth_call failed: execution reverted (code 3)')
        ) as ContractRevert
      ).reason
    ).toBe('reverted without a reason');
    const data = new Interface(['error RateLimited(uint256 retryIn)']).encodeErrorResult('RateLimited', [12]);
    const custom = new RpcError('rpc_error', 'RPC #1: eth_call failed: execution reverted (code 3)', { code: 3, data });
    expect(
      (asRevert('f', custom, new Interface(['error RateLimited(uint256 retryIn)'])) as ContractRevert).reason
    ).toBe('RateLimited(12)');
    const stringData = '0x08c379a0' + AbiCoder.defaultAbiCoder().encode(['string'], ['Contract is paused']).slice(2);
    const bare = new RpcError('rpc_error', 'RPC #1: eth_call failed: reverted (code 3)', { code: 3, data: stringData });
    expect((asRevert('f', bare) as ContractRevert).reason).toBe('Contract is paused');
    const other = new RpcError('rpc_error', 'RPC #1: eth_call failed: header not found (code -32000)');
    expect(asRevert('f', other)).toBe(other);
    const down = new RpcError('unreachable', 'RPC #1: unreachable (connection refused)');
    expect(asRevert('f', down)).toBe(down);
  });

  it('answers the deployments that work and notes the failing ones; fails only when all fail', async () => {
    const fake = (name: string) =>
      ({ name, outage: () => undefined, keptFromSeconds: () => undefined }) as unknown as Deployment;
    const handler = { deployments: [fake('a'), fake('b')], logger } as unknown as HandlerContext;
    const partial = await forEachDeployment(handler, async (d) => {
      if (d.name === 'b') {
        throw new RpcError('timeout', 'RPC #1: no answer within 10 ms');
      }
      return d.name;
    });
    expect(partial.results.map((r) => r.value)).toEqual(['a']);
    expect(partial.notices).toEqual([{ severity: 'warning', text: 'b: no data: RPC #1: no answer within 10 ms' }]);
    const all = await rejection(
      forEachDeployment({ ...handler, deployments: [fake('b')] }, async () => {
        throw new RpcError('timeout', 'RPC #1: no answer within 10 ms');
      })
    );
    expect([all.message, all.status, all.source]).toEqual(['b: RPC #1: no answer within 10 ms', 504, 'downstream']);
  });
});
