/**
 * Fault and abuse suite: the built executable, through the host harness, watching two anvil chains
 * (Simple and Buffer variants with simulator history) through fault-injecting proxies. Every answer
 * is held against the chain (which is first checked against the simulator ledger): exact counts or a
 * clear downstream error, never a wrong number. Every output is grepped for the RPC URLs' secret.
 */
import http from 'node:http';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Interface } from 'ethers';
import { startDevnet, type Deployment, type Devnet } from '../../devnet/devnet';
import { summarizeLedger } from '../../devnet/ledger';
import { JsonRpc } from '../../devnet/rpc';
import { runSimulation, type SimulationResult } from '../../devnet/simulator';
import { TESSERACT_SIMPLE_ABI } from '../../src/query';
import { TesseractContract } from '../../src/backend/tesseract/contract';
import {
  alertingHeaders,
  PluginHost,
  type QueryInput,
  type QueryResult,
  type SettingsInput,
} from '../../harness/plugin-host';
import {
  chainCounts,
  logBlocks,
  monitorSettings,
  secretUrl,
  valueFor,
  type LifecycleCounts,
  type MonitoredDeployment,
} from '../../harness/monitor';
import {
  fewestGetLogs,
  startRpcProxy,
  waitFor,
  type Fault,
  type RangeLimit,
  type RpcProxy,
} from '../../harness/rpc-proxy';
import { dashboardRequests, panelQueries } from '../../harness/workload';

const SECRET = 'SECRET-MARKER-4f1c9e';
const HISTORY_DAYS = 2;
const HISTORY_EVENTS = 700;
const COUNTED = ['buffered', 'ready', 'failed'] as const;

interface Endpoints {
  deployment: Deployment;
  primary: RpcProxy;
  fallback: RpcProxy;
}

let devnet: Devnet;
let history: SimulationResult;
let endpoints: Endpoints[];
let host: PluginHost;
/** Everything the backend said, for the secret grep. */
const outputs: string[] = [];
/** case → outcome, printed at the end for the closing note. */
const outcomes: Array<{ name: string; outcome: string }> = [];
let uidCounter = 0;

function note(name: string, outcome: string): void {
  outcomes.push({ name, outcome });
}

/** JSON of anything the harness returns (decoded frames hold BigInt time values). */
function serialize(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function allProxies(): RpcProxy[] {
  return endpoints.flatMap((e) => [e.primary, e.fallback]);
}

function historyRange(): { fromMs: number; toMs: number } {
  const first = Math.min(...history.entries.map((e) => e.blockTime));
  return { fromMs: (first - 3600) * 1000, toMs: Date.now() + 3_600_000 };
}

/** Settings for a fresh backend instance (new uid: cold index). */
function freshSettings(
  options: { urls?: (e: Endpoints) => string[]; confirmations?: number; maxBlockRange?: number; only?: string[] } = {}
): SettingsInput {
  const monitored: MonitoredDeployment[] = endpoints
    .filter((e) => !options.only || options.only.includes(e.deployment.name))
    .map((e) => ({
      deployment: e.deployment,
      urls: options.urls ? options.urls(e) : [secretUrl(e.primary, SECRET), secretUrl(e.fallback, SECRET)],
      overrides: {
        ...(options.confirmations === undefined ? {} : { confirmations: options.confirmations }),
        ...(options.maxBlockRange === undefined ? {} : { maxBlockRange: options.maxBlockRange }),
      },
    }));
  return monitorSettings(`faults-${++uidCounter}`, monitored);
}

async function query(settings: SettingsInput, queries: QueryInput[], headers?: Record<string, string>) {
  const results = await host.queryData({ settings, queries, headers });
  outputs.push(serialize(results));
  return results;
}

function countQueries(range = historyRange()): QueryInput[] {
  return COUNTED.map((metric) => ({
    refId: metric,
    json: { queryType: 'metrics', deployments: [], metrics: [metric], mode: 'window', bucketSeconds: 0 },
    timeRange: range,
  }));
}

type Answer = { counts: Record<string, LifecycleCounts> } | { error: QueryResult };

/**
 * The lifecycle counts of every deployment, or the failure: a failed query, or a deployment left out
 * of the frames with a notice naming it (the others answered).
 */
async function counts(settings: SettingsInput, names = endpoints.map((e) => e.deployment.name)): Promise<Answer> {
  const results = await query(settings, countQueries());
  const failed = Object.values(results).find((r) => r.status !== 200 || r.error);
  if (failed) {
    return { error: failed };
  }
  const answer: Record<string, LifecycleCounts> = {};
  for (const name of names) {
    answer[name] = { buffered: 0, ready: 0, failed: 0 };
    for (const metric of COUNTED) {
      const result = results[metric];
      const notice = noticesOf(result).find((text) => text.startsWith(`${name}:`));
      if (notice) {
        return { error: { ...result, status: 502, errorSource: 'downstream', error: notice } };
      }
      answer[name][metric] = valueFor(result, name) ?? 0;
    }
  }
  return { counts: answer };
}

function noticesOf(result: QueryResult): string[] {
  return result.frames.flatMap((frame) => (frame.meta?.notices ?? []).map((notice) => notice.text));
}

async function truth(names = endpoints.map((e) => e.deployment.name)): Promise<Record<string, LifecycleCounts>> {
  const result: Record<string, LifecycleCounts> = {};
  for (const e of endpoints.filter((x) => names.includes(x.deployment.name))) {
    result[e.deployment.name] = await chainCounts(e.deployment);
  }
  return result;
}

async function expectExact(settings: SettingsInput, names?: string[]): Promise<void> {
  const answer = await counts(settings, names);
  if ('error' in answer) {
    throw new Error(`expected exact counts, got error: ${answer.error.error}`);
  }
  expect(answer.counts).toEqual(await truth(names));
}

/** Exact counts, or a clear downstream error (for the query, or a notice for the deployment); never a wrong number. */
async function expectExactOrDownstreamError(settings: SettingsInput): Promise<'exact' | 'error'> {
  const answer = await counts(settings);
  if ('error' in answer) {
    expect(answer.error.errorSource).toBe('downstream');
    expect(answer.error.error.length).toBeGreaterThan(10);
    return 'error';
  }
  expect(answer.counts).toEqual(await truth());
  return 'exact';
}

function setFault(proxies: RpcProxy[], fault: Fault): void {
  for (const proxy of proxies) {
    proxy.setFault(fault);
  }
}

function resetAll(): void {
  for (const proxy of allProxies()) {
    proxy.setFault({ kind: 'none' });
    proxy.setRangeLimit(null);
    proxy.resetCounts();
  }
}

function expectAlive(): void {
  expect(host.exit).toBeUndefined();
}

beforeAll(async () => {
  const now = Math.floor(Date.now() / 1000);
  devnet = await startDevnet({
    chains: [
      { name: 'optimism', chainId: 31010, abi: 'simple', build: 'solidity' },
      { name: 'arbitrum', chainId: 31020, abi: 'buffer', build: 'solidity' },
    ],
    genesisTimestamp: now - HISTORY_DAYS * 86_400 - 600,
  });
  history = await runSimulation({
    deployments: devnet.deployments,
    seed: 8,
    fast: { days: HISTORY_DAYS, events: HISTORY_EVENTS },
  });
  endpoints = [];
  for (const deployment of devnet.deployments) {
    endpoints.push({
      deployment,
      primary: await startRpcProxy(deployment.rpcUrl),
      fallback: await startRpcProxy(deployment.rpcUrl),
    });
  }
  host = await PluginHost.start();
}, 600_000);

afterAll(async () => {
  if (host) {
    outputs.push(host.stderrLines.join('\n'));
    await host.kill();
  }
  await Promise.all((endpoints ?? []).flatMap((e) => [e.primary.close(), e.fallback.close()]));
  await devnet?.stop();
  if (outcomes.length > 0) {
    const width = Math.max(...outcomes.map((o) => o.name.length));
    console.log(`case → outcome\n${outcomes.map((o) => `${o.name.padEnd(width)}  ${o.outcome}`).join('\n')}`);
  }
});

afterEach(() => {
  resetAll();
});

describe('chain truth', () => {
  it('the chain holds what the simulator ledger says, and a clean backend reports it exactly', async () => {
    for (const e of endpoints) {
      const ledger = summarizeLedger(history.entries, { deployment: e.deployment.name });
      const chain = await chainCounts(e.deployment);
      expect(chain).toEqual({ buffered: ledger.buffered, ready: ledger.ready, failed: ledger.failed });
      expect(chain.buffered).toBeGreaterThan(50);
    }
    await expectExact(freshSettings());
    note('baseline (no fault)', 'exact counts vs ledger');
  });
});

describe('provider range limits: the backend splits and still counts exactly', () => {
  // Limits sized to this history (hundreds of logs over ~100 blocks) so that each one really bites.
  const limits: Array<{ name: string; limit: RangeLimit }> = [
    {
      name: 'Infura -32005 more than N results (+ suggested range)',
      limit: { shape: 'infura-results', maxResults: 40 },
    },
    { name: 'Infura -32602 block range too large', limit: { shape: 'infura-range', maxSpan: 8 } },
    { name: '-32602 exceed maximum block range: N', limit: { shape: 'max-block-range', maxSpan: 10 } },
    {
      name: 'Alchemy 2K-range / 10K-logs (+ suggested range)',
      limit: { shape: 'alchemy', maxSpan: 6, maxResults: 30 },
    },
    { name: 'QuickNode "limited to a 10000 range"', limit: { shape: 'quicknode', maxSpan: 12 } },
    { name: 'QuickNode free tier "limited to a 5 range"', limit: { shape: 'quicknode', maxSpan: 5 } },
    {
      name: 'Alchemy wording naming a range it refuses again',
      limit: { shape: 'misnamed-range', maxSpan: 3, namedSpan: 40 },
    },
  ];
  it.each(limits)('$name: within 2x the fewest eth_getLogs the limit allows', async ({ name, limit }) => {
    for (const proxy of allProxies()) {
      proxy.setRangeLimit(limit);
    }
    await expectExact(freshSettings());
    const rejected = allProxies().reduce((sum, p) => sum + p.counts().rangeRejections, 0);
    expect(rejected).toBeGreaterThan(0);
    const getLogs = allProxies().reduce((sum, p) => sum + p.count('eth_getLogs'), 0);
    let minimum = 0;
    for (const { deployment } of endpoints) {
      const topic0s = TesseractContract.fromSettings(deployment.abi).events.topic0s;
      const blocks = await logBlocks(deployment.rpcUrl, deployment.contract, topic0s);
      const head = Number(await new JsonRpc(deployment.rpcUrl).call<string>('eth_blockNumber'));
      minimum += fewestGetLogs(limit, blocks, deployment.deployBlock, head, 10_000);
    }
    note(name, `exact counts; ${rejected} refused eth_getLogs, ${getLogs} eth_getLogs in all (fewest: ${minimum})`);
    expect(getLogs).toBeLessThanOrEqual(2 * minimum);
  });
});

describe('transport faults', () => {
  it('a dead deployment reports up=0 with the cause while the other answers; the backend recovers on its own', async () => {
    const [dead, alive] = endpoints;
    const settings = freshSettings();
    await expectExact(settings);
    setFault([dead.primary, dead.fallback], { kind: 'down' });

    const health = await host.checkHealth(settings);
    outputs.push(serialize(health));
    expect(health.status).not.toBe('OK');
    expect(health.message).toContain(dead.deployment.name);
    expect(health.message).toMatch(/unreachable|ECONNREFUSED|refused/i);

    const up = await query(settings, [
      { refId: 'up', json: { queryType: 'health', format: 'value', field: 'up', deployments: [] } },
    ]);
    expect(up.up.status).toBe(200);
    expect(valueFor(up.up, dead.deployment.name)).toBe(0);
    expect(valueFor(up.up, alive.deployment.name)).toBe(1);
    const table = await query(settings, [
      { refId: 'table', json: { queryType: 'health', format: 'table', deployments: [] } },
    ]);
    expect(serialize(table.table.frames)).toMatch(/unreachable|refused/i);

    const during = await expectExactOrDownstreamError(settings);
    expectAlive();

    setFault([dead.primary, dead.fallback], { kind: 'none' });
    await waitFor(
      async () => {
        const answer = await counts(settings);
        return !('error' in answer);
      },
      'queries to succeed again after the RPC came back',
      90_000,
      1000
    );
    await expectExact(settings);
    const healthAfter = await host.checkHealth(settings);
    outputs.push(serialize(healthAfter));
    expect(healthAfter.status).toBe('OK');
    note(
      'down (connection refused, all URLs of one deployment)',
      `health ERROR + up=0 with cause, other up=1; counts while down: ${during}; recovered by itself`
    );
  });

  it('connection resets on the primary: the fallback answers with exact counts', async () => {
    const settings = freshSettings();
    setFault(
      endpoints.map((e) => e.primary),
      { kind: 'reset' }
    );
    await expectExact(settings);
    expect(endpoints.every((e) => e.fallback.count('eth_getLogs') > 0)).toBe(true);
    note('reset (primary)', 'fallback took over; exact counts');
  });

  it('a slow RPC (2 s per request) only makes answers slower', async () => {
    const settings = freshSettings();
    setFault(allProxies(), { kind: 'slow', delayMs: 2000 });
    const started = Date.now();
    await expectExact(settings);
    expect(Date.now() - started).toBeGreaterThan(2000);
    note('slow 2 s (all URLs)', 'exact counts, slower');
  });

  it('a primary that never answers times out and the fallback takes over', async () => {
    const settings = freshSettings();
    // Longer than the pool's 30 s request timeout (src/backend/chain/rpc.ts): only a timeout ends the wait.
    setFault(
      endpoints.map((e) => e.primary),
      { kind: 'slow', delayMs: 120_000 }
    );
    const started = Date.now();
    await expectExact(settings);
    const elapsed = Date.now() - started;
    for (const e of endpoints) {
      expect(e.fallback.count('eth_getLogs')).toBeGreaterThan(0);
      expect(e.primary.count('eth_getLogs')).toBe(0);
    }
    note('primary never answers (timeout)', `fallback took over after ${(elapsed / 1000).toFixed(0)} s; exact counts`);
  });

  it.each([
    { label: 'with Retry-After', fault: { kind: 'rate_limited', retryAfterSeconds: 3 } as Fault },
    { label: 'without Retry-After', fault: { kind: 'rate_limited' } as Fault },
  ])(
    'HTTP 429 $label on the primary: the fallback takes over, the primary is retried later',
    async ({ label, fault }) => {
      const settings = freshSettings();
      setFault(
        endpoints.map((e) => e.primary),
        fault
      );
      await expectExact(settings);
      for (const e of endpoints) {
        expect(e.primary.counts().faulted).toBeGreaterThan(0);
        expect(e.fallback.count('eth_getLogs')).toBeGreaterThan(0);
      }
      setFault(
        endpoints.map((e) => e.primary),
        { kind: 'none' }
      );
      for (const e of endpoints) {
        e.primary.resetCounts();
      }
      // Once its cool-down is over the primary is preferred again.
      await waitFor(
        async () => {
          await query(settings, [
            { refId: 'up', json: { queryType: 'health', format: 'value', field: 'up', deployments: [] } },
          ]);
          return endpoints.every((e) => e.primary.total() > 0);
        },
        'the primary to be used again',
        60_000,
        1000
      );
      await expectExact(settings);
      note(`429 ${label} (primary)`, 'fallback took over; exact counts; primary used again after its cool-down');
    }
  );

  it.each([
    { label: 'truncated JSON', fault: { kind: 'truncated' } as Fault },
    { label: 'invalid JSON (HTML page)', fault: { kind: 'invalid_json' } as Fault },
  ])('$label from the primary: the fallback answers; from every URL: a downstream error', async ({ label, fault }) => {
    setFault(
      endpoints.map((e) => e.primary),
      fault
    );
    await expectExact(freshSettings());
    setFault(allProxies(), fault);
    const settings = freshSettings();
    const answer = await counts(settings);
    expect('error' in answer).toBe(true);
    if ('error' in answer) {
      expect(answer.error.errorSource).toBe('downstream');
      expect(answer.error.error).toMatch(/JSON|invalid|malformed/i);
    }
    expectAlive();
    note(`${label}`, 'primary only: fallback, exact counts; all URLs: downstream error naming invalid JSON');
  });

  it('a URL serving the wrong chain id is not used: the fallback answers; alone, health says which chain it serves', async () => {
    setFault(
      endpoints.map((e) => e.primary),
      { kind: 'wrong_chain', chainId: 1 }
    );
    await expectExact(freshSettings());
    for (const e of endpoints) {
      expect(e.primary.count('eth_getLogs')).toBe(0);
    }
    const onlyWrong = freshSettings({ urls: (e) => [secretUrl(e.primary, SECRET)] });
    const health = await host.checkHealth(onlyWrong);
    outputs.push(serialize(health));
    expect(health.status).not.toBe('OK');
    expect(health.message).toMatch(/chain id/i);
    const up = await query(onlyWrong, [
      { refId: 'up', json: { queryType: 'health', format: 'value', field: 'up', deployments: [] } },
    ]);
    for (const e of endpoints) {
      expect(valueFor(up.up, e.deployment.name)).toBe(0);
    }
    const answer = await counts(onlyWrong);
    expect('error' in answer && answer.error.errorSource === 'downstream').toBe(true);
    note('wrong chain id', 'URL skipped, fallback exact; alone: health ERROR "chain id", up=0, downstream query error');
  });

  it('a flapping RPC (no fallback) gives exact counts or downstream errors, then exact counts when stable', async () => {
    const settings = freshSettings({ urls: (e) => [secretUrl(e.primary, SECRET)] });
    setFault(
      endpoints.map((e) => e.primary),
      { kind: 'flapping', upMs: 2000, downMs: 2000 }
    );
    const seen = { exact: 0, error: 0 };
    for (let i = 0; i < 8; i++) {
      seen[await expectExactOrDownstreamError(settings)]++;
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    setFault(
      endpoints.map((e) => e.primary),
      { kind: 'none' }
    );
    await waitFor(async () => !('error' in (await counts(settings))), 'stable answers', 60_000, 1000);
    await expectExact(settings);
    expectAlive();
    note(
      'flapping (2 s up / 2 s down)',
      `${seen.exact} exact, ${seen.error} downstream errors, never wrong; exact once stable`
    );
  });
});

describe('concurrency, reorgs and restarts', () => {
  it('50 concurrent dashboard refreshes cost one backfill per deployment and all answer the same', async () => {
    const settings = freshSettings();
    const names = endpoints.map((e) => e.deployment.name);
    const txId = history.entries.find((entry) => entry.action === 'resolve' && entry.txId)!.txId!;
    const panels = dashboardRequests({ deployments: names, txId });
    const { fromMs, toMs } = historyRange();
    // One refresh: every panel of the provisioned dashboard at once, plus the lifecycle counts.
    const refresh = async () => {
      const [answer, ...panelResults] = await Promise.all([
        counts(settings),
        ...panels.map((panel) => query(settings, panelQueries(panel, fromMs, toMs))),
      ]);
      const failed = panelResults.flatMap((results) => Object.values(results).filter((r) => r.status !== 200));
      return { answer, failed: failed.map((r) => r.error) };
    };
    const refreshes = await Promise.all(Array.from({ length: 50 }, refresh));
    const expected = await truth();
    for (const { answer, failed } of refreshes) {
      expect(failed).toEqual([]);
      expect(answer).toEqual({ counts: expected });
    }
    for (const e of endpoints) {
      // The history fits one eth_getLogs per deployment: one fetch, shared by all 50 refreshes.
      expect(e.primary.count('eth_getLogs') + e.fallback.count('eth_getLogs')).toBe(1);
    }
    note(
      '50 concurrent full-dashboard refreshes (cold)',
      `${50 * (panels.length + 1)} QueryData calls all answered, counts exact; 1 eth_getLogs per deployment (single flight)`
    );
  });

  it('a reorg (snapshot, revert, different tail) leaves no phantom events', async () => {
    const target = endpoints[0];
    const rpc = new JsonRpc(target.deployment.rpcUrl);
    const settings = freshSettings({ confirmations: 12, only: [target.deployment.name] });
    await expectExact(settings, [target.deployment.name]);
    const snapshot = await rpc.call<string>('evm_snapshot');
    await bufferTransactions(target.deployment, 3, 'a');
    await outlastSyncCoalescing();
    await expectExact(settings, [target.deployment.name]);
    const before = await chainCounts(target.deployment);

    await rpc.call('evm_revert', [snapshot]);
    await bufferTransactions(target.deployment, 1, 'b');
    for (let i = 0; i < 3; i++) {
      await rpc.call('evm_mine');
    }
    const after = await chainCounts(target.deployment);
    expect(after.buffered).toBe(before.buffered - 2);
    await outlastSyncCoalescing();
    await expectExact(settings, [target.deployment.name]);
    note(
      'reorg (revert 3 blocks with 3 events, re-mine 1 event + 3 empty)',
      'counts follow the new chain: no phantom events'
    );
  });

  it('a backend killed in the middle of a backfill gives exact counts after its restart', async () => {
    const settings = freshSettings({ urls: (e) => [secretUrl(e.primary, SECRET)] });
    for (const e of endpoints) {
      e.primary.setRangeLimit({ shape: 'quicknode', maxSpan: 5 });
      e.primary.setFault({ kind: 'slow', delayMs: 150 });
    }
    const pending = counts(settings).catch((error: Error) => error);
    await waitFor(() => endpoints[0].primary.count('eth_getLogs') >= 4, 'the backfill to be under way', 60_000, 20);
    const killedAfter = endpoints.reduce((sum, e) => sum + e.primary.count('eth_getLogs'), 0);
    outputs.push(host.stderrLines.join('\n'));
    await host.kill();
    await pending;
    host = await PluginHost.start();
    for (const e of endpoints) {
      e.primary.setFault({ kind: 'none' });
    }
    await expectExact(settings);
    const total = endpoints.reduce((sum, e) => sum + e.primary.count('eth_getLogs'), 0);
    expect(total).toBeGreaterThan(killedAfter);
    note(
      'backend SIGKILLed mid-backfill, restarted',
      `killed after ${killedAfter} eth_getLogs; exact counts after restart`
    );
  });
});

/**
 * Panels of one refresh share a sync: a query within 1 s of the last sync is answered from it
 * (instance.ts MIN_SYNC_INTERVAL_MS). Wait that out after changing the chain.
 */
function outlastSyncCoalescing(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1100));
}

/** Buffers `n` fresh transactions on the Simple deployment, one block each. */
async function bufferTransactions(deployment: Deployment, n: number, tag: string): Promise<void> {
  const rpc = new JsonRpc(deployment.rpcUrl);
  const iface = new Interface(TESSERACT_SIMPLE_ABI as never);
  for (let i = 0; i < n; i++) {
    const latest = await rpc.call<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
    const txId = `0x${Buffer.from(`reorg-${tag}-${i}-${Date.now()}`).toString('hex').padEnd(64, '0').slice(0, 64)}`;
    const data = iface.encodeFunctionData('buffer_transaction', [
      txId,
      '0x' + '11'.repeat(20),
      '0x' + '22'.repeat(20),
      '0x1234',
      '0x' + '0'.repeat(64),
      // Must not be in the past when mined; the chain clock may run ahead of the wall clock.
      Math.max(Number(latest.timestamp), Math.floor(Date.now() / 1000)) + 3600,
    ]);
    const request = { from: deployment.operator, to: deployment.contract, data, gas: '0x7a120' };
    // A dry run first, so that a refusal fails with the contract's reason.
    await rpc.call('eth_call', [request, 'pending']);
    const hash = await rpc.call<string>('eth_sendTransaction', [request]);
    // Fast history leaves automine off: mine the block explicitly.
    await rpc.call('evm_mine');
    const receipt = await rpc.call<{ status: string }>('eth_getTransactionReceipt', [hash]);
    expect(receipt.status).toBe('0x1');
  }
}

describe('bad input: a precise message, no crash', () => {
  const rangeNow = () => ({ fromMs: Date.now() - 3_600_000, toMs: Date.now() });

  async function one(json: unknown, extra: Partial<QueryInput> = {}, settings = freshSettings()): Promise<QueryResult> {
    const results = await query(settings, [{ refId: 'Q', json, timeRange: rangeNow(), ...extra }]);
    expectAlive();
    return results.Q;
  }

  it('malformed query JSON', async () => {
    const result = await one(Buffer.from('{"queryType": "metrics", "metrics": [', 'utf8'));
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.error).toMatch(/JSON/i);
    note('malformed query JSON', `${result.status}: ${result.error}`);
  });

  it('unknown query kind', async () => {
    const result = await one({ queryType: 'logs' });
    expect(result.error).toMatch(/Unknown query kind "logs"/);
    note('unknown query kind', `${result.status}: ${result.error}`);
  });

  it('bad tx_id', async () => {
    const result = await one({ queryType: 'transaction', txIds: ['0x1234'] });
    expect(result.error).toContain('tx_id "0x1234" must be 0x followed by 64 hex digits');
    note('bad tx_id', `${result.status}: ${result.error}`);
  });

  it('bad address', async () => {
    const result = await one({ queryType: 'events', originRollup: '0xnot-an-address' });
    expect(result.error).toContain('Origin rollup must be 0x followed by 40 hex digits');
    note('bad address', `${result.status}: ${result.error}`);
  });

  it.each([
    { label: 'not JSON', customAbi: '{not json', message: /Custom ABI is not valid JSON/ },
    {
      label: 'lacking the events',
      customAbi: JSON.stringify([{ type: 'function', name: 'x', inputs: [], outputs: [], stateMutability: 'view' }]),
      message: /Custom ABI lacks the Tesseract event\(s\) TransactionBuffered, TransactionReady, TransactionFailed/,
    },
  ])('custom ABI $label', async ({ label, customAbi, message }) => {
    const e = endpoints[0];
    const settings = monitorSettings(`faults-${++uidCounter}`, [
      { deployment: e.deployment, urls: [secretUrl(e.primary, SECRET)], overrides: { abi: 'custom', customAbi } },
    ]);
    const result = await one({ queryType: 'metrics', metrics: ['buffered'], mode: 'window' }, {}, settings);
    expect(result.error).toMatch(message);
    const health = await host.checkHealth(settings);
    outputs.push(serialize(health));
    expect(health.status).toBe('ERROR');
    expect(health.message).toMatch(message);
    note(`custom ABI ${label}`, `query ${result.status}: ${result.error}; health ERROR`);
  });

  it('a view function the ABI lacks, and one that reverts', async () => {
    const missing = await one({ queryType: 'call', functionName: 'does_not_exist', deployments: ['optimism'] });
    expect(missing.error).toMatch(/does_not_exist/);
    note('view function missing', `${missing.status}: ${missing.error}`);
    // A custom ABI declaring paused() on TesseractSimple, which has no such function: the call reverts.
    const e = endpoints[0];
    const customAbi = JSON.stringify([
      ...TESSERACT_SIMPLE_ABI,
      { type: 'function', name: 'paused', inputs: [], outputs: [{ name: '', type: 'bool' }], stateMutability: 'view' },
    ]);
    const settings = monitorSettings(`faults-${++uidCounter}`, [
      { deployment: e.deployment, urls: [secretUrl(e.primary, SECRET)], overrides: { abi: 'custom', customAbi } },
    ]);
    const reverted = await one({ queryType: 'call', functionName: 'paused', deployments: [] }, {}, settings);
    expect(`${reverted.error} ${serialize(reverted.frames)}`).toMatch(/paused/);
    expect(`${reverted.error} ${serialize(reverted.frames)}`).toMatch(/revert|no data/i);
    note('view function reverting', `${reverted.status}: ${reverted.error || 'frame carries the revert'}`);
  });

  it('absurd time ranges: from > to, 1970, 100 years', async () => {
    const settings = freshSettings();
    const now = Date.now();
    const window = { queryType: 'metrics', metrics: ['buffered'], mode: 'window', deployments: [] };
    const backwards = await one(window, { timeRange: { fromMs: now, toMs: now - 86_400_000 } }, settings);
    expect(backwards.status).toBe(400);
    expect(backwards.error).toMatch(/^Invalid time range: from \(.*\) is after to \(.*\)$/);
    const epoch = await one(window, { timeRange: { fromMs: 0, toMs: 1000 } }, settings);
    expect(epoch.status).toBe(200);
    for (const e of endpoints) {
      expect([0, null]).toContain(valueFor(epoch, e.deployment.name));
    }
    const century = await one(
      window,
      { timeRange: { fromMs: now - 100 * 365 * 86_400_000, toMs: now + 3_600_000 } },
      settings
    );
    expect(century.status).toBe(200);
    const expected = await truth();
    for (const e of endpoints) {
      expect(valueFor(century, e.deployment.name)).toBe(expected[e.deployment.name].buffered);
    }
    const series = await one(
      { queryType: 'metrics', metrics: ['buffered'], mode: 'timeseries', deployments: [] },
      { timeRange: { fromMs: now - 100 * 365 * 86_400_000, toMs: now }, intervalMs: 1, maxDataPoints: 1_000_000_000 },
      settings
    );
    expect(series.status === 200 || /bucket|points|interval/i.test(series.error)).toBe(true);
    note('time range from > to', `${backwards.status}: ${backwards.error}`);
    note('time range 1970', 'zero counts, 200');
    note('time range 100 years', 'exact totals, 200');
    note(
      '100 years at 1 ms interval, maxDataPoints 1e9',
      series.status === 200 ? `200, ${series.bytes} bytes of frames` : `${series.status}: ${series.error}`
    );
  });

  it('a 10 MB request', async () => {
    const result = await one({ queryType: 'events', reasonContains: 'x'.repeat(10 * 1024 * 1024), limit: 10 });
    expect(result.status === 200 || result.error.length > 0).toBe(true);
    expect(result.error.length).toBeLessThan(2000);
    note(
      '10 MB request',
      result.status === 200 ? '200, answered (no match)' : `${result.status}: ${result.error.slice(0, 120)}`
    );
  });

  it('a resource path that does not exist', async () => {
    const response = await host.callResource(freshSettings(), 'no/such/resource');
    outputs.push(response.body.toString('utf8'));
    expect(response.status).toBe(404);
    expect(response.body.toString('utf8')).toMatch(/no\/such\/resource|not found|unknown/i);
    expectAlive();
    note('resource path that does not exist', `${response.status}: ${response.body.toString('utf8').slice(0, 120)}`);
  });
});

describe('security', () => {
  it('the gRPC server listens on 127.0.0.1 only', () => {
    expect(host.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const inodes = new Set(
      readdirSync(`/proc/${host.pid}/fd`).flatMap((fd) => {
        try {
          const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${host.pid}/fd/${fd}`));
          return match ? [match[1]] : [];
        } catch {
          return [];
        }
      })
    );
    const listening: string[] = [];
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const columns = line.trim().split(/\s+/);
        if (columns.length > 9 && columns[3] === '0A' && inodes.has(columns[9])) {
          listening.push(columns[1]);
        }
      }
    }
    expect(listening.length).toBeGreaterThan(0);
    for (const local of listening) {
      // 0100007F is 127.0.0.1 in /proc's little-endian hex
      expect(local.split(':')[0]).toBe('0100007F');
    }
    note('gRPC bind address', `listening sockets: ${listening.join(', ')} (127.0.0.1 only)`);
  });

  it('no query, ABI or resource path makes the backend call a URL that is not configured', async () => {
    let canaryHits = 0;
    const canary = http.createServer((req, res) => {
      canaryHits++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    const canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}/`;
    try {
      const settings = freshSettings();
      const smuggled = { url: canaryUrl, rpcUrl: canaryUrl, rpcUrls: [canaryUrl], endpoint: canaryUrl };
      await query(settings, [
        {
          refId: 'A',
          json: { queryType: 'metrics', metrics: ['buffered'], mode: 'window', deployments: [canaryUrl], ...smuggled },
        },
        { refId: 'B', json: { queryType: 'health', deployments: [], ...smuggled } },
        {
          refId: 'C',
          json: {
            queryType: 'call',
            functionName: 'transaction_count',
            args: [canaryUrl],
            block: 'latest',
            ...smuggled,
          },
        },
        { refId: 'D', json: { queryType: 'events', reasonContains: canaryUrl, ...smuggled } },
        { refId: 'E', json: { queryType: 'variables', variable: 'txIds', ...smuggled } },
        { refId: 'F', json: { queryType: 'transaction', txIds: ['0x' + 'ab'.repeat(32)], ...smuggled } },
      ]);
      const customAbi = JSON.stringify([
        ...TESSERACT_SIMPLE_ABI,
        { type: 'function', name: canaryUrl, inputs: [], outputs: [] },
      ]);
      const e = endpoints[0];
      const abiSettings = monitorSettings(`faults-${++uidCounter}`, [
        { deployment: e.deployment, urls: [secretUrl(e.primary, SECRET)], overrides: { abi: 'custom', customAbi } },
      ]);
      await query(abiSettings, [{ refId: 'A', json: { queryType: 'health', deployments: [] } }]);
      for (const path of [
        canaryUrl,
        `variables?url=${encodeURIComponent(canaryUrl)}`,
        `proxy/${canaryUrl}`,
        '../../../etc/passwd',
      ]) {
        const response = await host.callResource(settings, path, { body: smuggled });
        outputs.push(response.body.toString('utf8'));
      }
      expect(canaryHits).toBe(0);
      // And the RPC proxies only ever saw the configured URLs' paths.
      for (const proxy of allProxies()) {
        for (const request of proxy.requests()) {
          expect(request.path).toBe(`/v3/${SECRET}?apikey=${SECRET}`);
        }
      }
      note('URL smuggled in query JSON, custom ABI, resource paths', 'canary server got 0 requests');
    } finally {
      await new Promise<void>((resolve) => canary.close(() => resolve()));
    }
  });

  it('the secret in the RPC URLs appears in no frame, error, health message, resource body, metric or log', async () => {
    // A few more outputs that tend to carry URLs: health details, metrics, the variables resource.
    const settings = freshSettings();
    setFault(
      endpoints.map((e) => e.primary),
      { kind: 'down' }
    );
    outputs.push(serialize(await host.checkHealth(settings)));
    outputs.push(serialize(await query(settings, countQueries(), alertingHeaders())));
    outputs.push(serialize(await host.checkHealth(freshSettings({ urls: (e) => [secretUrl(e.primary, SECRET)] }))));
    outputs.push(
      (await host.callResource(settings, 'variables', { body: { variable: 'deployments' } })).body.toString('utf8')
    );
    outputs.push(await host.collectMetrics());
    outputs.push(host.stderrLines.join('\n'));
    const everything = outputs.join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    const hits = everything.split(SECRET).length - 1;
    expect(hits).toBe(0);
    note(
      'secret marker in RPC URLs (path + apikey)',
      `0 hits in ${(everything.length / 1e6).toFixed(1)} MB of frames, errors, health, resources, metrics, logs`
    );
  });
});
