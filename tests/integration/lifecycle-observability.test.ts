/**
 * The guide's logs and Prometheus series through the real executable against the devnet's three deployments:
 * history before the first sync is not logged, every later lifecycle event is one hclog info line with the
 * guide's fields (held against the simulator's ledger), a 10k-event burst is bounded with a summary of what
 * was left out, and CollectMetrics' series equal the chain's totals. RPC URLs carry a secret that must never
 * reach the log.
 */
import { runSimulation, summarizeLedger, JsonRpc, type LedgerEntry } from '../../devnet';
import type { Deployment } from '../../devnet/devnet';
import { rpcUrlsKey, TESSERACT_BUFFER_ABI, TESSERACT_SIMPLE_ABI } from '../../src/query';
import { Interface } from 'ethers';
import { PluginHost, type HclogLine, type SettingsInput } from '../../harness/plugin-host';
import { bufferNewTransaction, monitorSettings } from '../../harness/monitor';
import { histogramSeries, parseExposition, type PromFamily } from '../support/prometheus';
import { startRpcProxy, type RpcProxy } from '../../harness/rpc-proxy';
import { startSimulatedDevnet, type SimulatedDevnet } from './datasource-support';
import { startSyntheticChain } from '../../bench/synthetic-chain';

const SECRET = 'sk_live_lifecycle_logs_77';
const CONFIRMATIONS = 2;
const UID = 'tesseract-obs';
const LIFECYCLE_MESSAGES = new Set(['Transaction buffered', 'Transaction ready', 'Transaction failed']);
const SUMMARY = 'Tesseract events not logged: log rate limit';
const SYNTHETIC_CONTRACT = '0x00000000000000000000000000000000000c0ffe';
const LIFECYCLE_EVENTS = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed'];

let sim: SimulatedDevnet;
let host: PluginHost;
let settings: SettingsInput;
const entries: LedgerEntry[] = [];
const proxies: RpcProxy[] = [];

beforeAll(async () => {
  sim = await startSimulatedDevnet({ events: 300, days: 1, seed: 21 });
  entries.push(...sim.entries);
  const monitored = [];
  for (const deployment of sim.devnet.deployments) {
    const proxy = await startRpcProxy(deployment.rpcUrl);
    proxies.push(proxy);
    monitored.push({ deployment, urls: [`${proxy.url}/v1/${SECRET}`], overrides: { confirmations: CONFIRMATIONS } });
  }
  settings = monitorSettings(UID, monitored);
  host = await PluginHost.start();
}, 170_000);

afterAll(async () => {
  await host?.kill();
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await sim?.devnet.stop();
});

/** A query over every deployment: waits for each index to sync (and so for its lifecycle lines). */
async function syncAll(): Promise<void> {
  const now = Date.now();
  const results = await host.queryData({
    settings,
    queries: [
      {
        refId: 'A',
        timeRange: { fromMs: now - 3600_000, toMs: now },
        json: { queryType: 'metrics', metrics: ['buffered'], mode: 'window' },
      },
    ],
  });
  expect(results.A.error).toBe('');
}

/** Buries the last blocks `confirmations` deep on every chain. */
async function confirmAll(): Promise<void> {
  for (const deployment of sim.devnet.deployments) {
    const rpc = new JsonRpc(deployment.rpcUrl);
    for (let i = 0; i < CONFIRMATIONS; i++) {
      await rpc.call('evm_mine', []);
    }
  }
}

async function simulate(seed: number, events: number, deployments: readonly Deployment[]): Promise<LedgerEntry[]> {
  const result = await runSimulation({ deployments, seed, fast: { days: 0.05, events } });
  entries.push(...result.entries);
  return result.entries;
}

const lifecycleLines = (lines: HclogLine[]) => lines.filter((l) => LIFECYCLE_MESSAGES.has(l['@message']));

/** The ledger's logged lifecycle events, as the log lines should name them. */
function ledgerEvents(from: readonly LedgerEntry[], deployment?: string) {
  return from
    .filter((entry) => !deployment || entry.deployment === deployment)
    .flatMap((entry) =>
      entry.events
        .filter((event) => LIFECYCLE_EVENTS.includes(event.name))
        .map((event) => ({
          chain: entry.deployment,
          event: event.name,
          tx_id: String(event.args.tx_id),
          block: entry.blockNumber,
          tx_hash: entry.txHash,
          reason: event.name === 'TransactionFailed' ? String(event.args.reason) : undefined,
        }))
    );
}

const asLogged = (line: HclogLine) => ({
  chain: line.chain,
  event: line.event,
  tx_id: line.tx_id,
  block: line.block,
  tx_hash: line.tx_hash,
  reason: line.reason,
});
const byPosition = (a: { block: unknown; tx_hash: unknown; event: unknown }, b: typeof a) =>
  `${a.block}`.padStart(9, '0') + a.tx_hash + a.event < `${b.block}`.padStart(9, '0') + b.tx_hash + b.event ? -1 : 1;

async function scrape(): Promise<Map<string, PromFamily>> {
  return parseExposition(await host.collectMetrics());
}

function sampleOf(families: Map<string, PromFamily>, name: string, chain: string): number | undefined {
  return families.get(name)?.samples.find((s) => s.labels.chain === chain)?.value;
}

async function transactionCount(deployment: Deployment): Promise<number> {
  const iface = new Interface((deployment.abi === 'simple' ? TESSERACT_SIMPLE_ABI : TESSERACT_BUFFER_ABI) as never);
  const data = iface.encodeFunctionData('transaction_count', []);
  const answer = await new JsonRpc(deployment.rpcUrl).call<string>('eth_call', [
    { to: deployment.contract, data },
    'latest',
  ]);
  return Number(BigInt(answer));
}

/** The scrape's series for each deployment against the ledger (every transaction since deployment). */
async function expectSeriesMatchLedger(families: Map<string, PromFamily>): Promise<void> {
  for (const deployment of sim.devnet.deployments) {
    const truth = summarizeLedger(entries, { deployment: deployment.name });
    const labels = families
      .get('tesseract_transactions_buffered_total')!
      .samples.find((s) => s.labels.chain === deployment.name)!.labels;
    expect(labels).toEqual({
      chain: deployment.name,
      chain_id: String(deployment.chainId),
      contract: deployment.contract,
      datasource_uid: UID,
      org_id: '1',
    });
    expect(sampleOf(families, 'tesseract_transactions_buffered_total', deployment.name)).toBe(truth.buffered);
    expect(sampleOf(families, 'tesseract_transactions_ready_total', deployment.name)).toBe(truth.ready);
    expect(sampleOf(families, 'tesseract_transactions_failed_total', deployment.name)).toBe(truth.failed);
    expect(sampleOf(families, 'tesseract_transaction_count', deployment.name)).toBe(await transactionCount(deployment));
    const histogram = histogramSeries(families.get('tesseract_resolution_time_seconds')!).find(
      (h) => h.labels.chain === deployment.name
    )!;
    expect(histogram.labels).toEqual(labels);
    expect(histogram.count).toBe(truth.resolutionTimes.length);
    expect(histogram.sum).toBe(truth.resolutionTimes.reduce((sum, r) => sum + r.seconds, 0));
    expect(histogram.buckets[histogram.buckets.length - 1]).toEqual({ le: Infinity, count: histogram.count });
    for (const bucket of histogram.buckets.filter((b) => b.le !== Infinity)) {
      expect(bucket.count).toBe(truth.resolutionTimes.filter((r) => r.seconds <= bucket.le).length);
    }
  }
}

describe('lifecycle logs and Prometheus series', () => {
  let before: Map<string, PromFamily>;

  it('logs no history: one line per deployment says from which block events are logged', async () => {
    await confirmAll();
    await syncAll();
    expect(lifecycleLines(host.logs)).toEqual([]);
    for (const deployment of sim.devnet.deployments) {
      const line = await host.waitForLog(
        (l) => l['@message'] === 'Lifecycle events are logged from here on' && l.chain === deployment.name
      );
      expect(line).toMatchObject({ '@level': 'info', datasource_uid: UID, history_to_block: expect.any(Number) });
    }
    before = await scrape();
    await expectSeriesMatchLedger(before);
  }, 60_000);

  it("logs each new event once, at info, with the guide's fields, once it is confirmed", async () => {
    const driven = await simulate(22, 60, sim.devnet.deployments);
    const expected = ledgerEvents(driven);
    expect(expected.some((e) => e.event === 'TransactionFailed')).toBe(true);
    // Synced before the last blocks are buried: only events `confirmations` deep are logged yet.
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the 1 s the head is reused for
    await syncAll();
    const heads = new Map<string, number>();
    for (const deployment of sim.devnet.deployments) {
      heads.set(deployment.name, Number(await new JsonRpc(deployment.rpcUrl).call<string>('eth_blockNumber', [])));
    }
    const deepEnough = expected.filter((e) => e.block <= heads.get(e.chain)! - CONFIRMATIONS);
    expect(deepEnough.length).toBeLessThan(expected.length);
    expect(lifecycleLines(host.logs).map(asLogged).sort(byPosition)).toEqual(deepEnough.sort(byPosition));
    await confirmAll();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await syncAll();
    const lines = lifecycleLines(host.logs);
    expect(lines.map(asLogged).sort(byPosition)).toEqual(expected.sort(byPosition));
    for (const line of lines) {
      const deployment = sim.devnet.deployments.find((d) => d.name === line.chain)!;
      expect(line).toMatchObject({
        '@level': 'info',
        datasource_uid: UID,
        org_id: 1,
        chain_id: String(deployment.chainId),
        contract: deployment.contract,
        origin: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
        target: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
        log_index: expect.any(Number),
        block_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }
    expect(host.logs.filter((l) => l['@message'] === SUMMARY)).toEqual([]);
    const after = await scrape();
    await expectSeriesMatchLedger(after);
    for (const name of ['tesseract_transactions_buffered_total', 'tesseract_transactions_ready_total']) {
      for (const deployment of sim.devnet.deployments) {
        expect(sampleOf(after, name, deployment.name)!).toBeGreaterThanOrEqual(
          sampleOf(before, name, deployment.name)!
        );
      }
    }
  }, 120_000);

  it('neither logs nor counts an event whose block is reorged away before it is confirmed', async () => {
    const optimism = sim.devnet.deployments.find((d) => d.name === 'optimism')!;
    const chain = new JsonRpc(optimism.rpcUrl);
    const truth = summarizeLedger(entries, { deployment: 'optimism' });
    const indexed = sampleOf(await scrape(), 'tesseract_indexed_events', 'optimism')!;
    const snapshot = await chain.call<string>('evm_snapshot');
    const txId = await bufferNewTransaction(optimism);
    await chain.call('evm_mine'); // one block deep: still unconfirmed
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await syncAll();
    const families = await scrape();
    // Indexed (the unconfirmed tail), not counted.
    expect(sampleOf(families, 'tesseract_indexed_events', 'optimism')).toBe(indexed + 1);
    expect(sampleOf(families, 'tesseract_transactions_buffered_total', 'optimism')).toBe(truth.buffered);
    await chain.call('evm_revert', [snapshot]);
    for (let i = 0; i < CONFIRMATIONS + 1; i++) {
      await chain.call('evm_mine');
    }
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await syncAll();
    expect(host.logs.filter((l) => l.tx_id === txId)).toEqual([]);
    const after = await scrape();
    expect(sampleOf(after, 'tesseract_indexed_events', 'optimism')).toBe(indexed);
    await expectSeriesMatchLedger(after);
  }, 60_000);

  it('bounds a burst of 10k events: at most 100 lines, failures first, and one summary of the rest', async () => {
    // The bench's synthetic node (anvil takes minutes for 10k events): 100 logs a block, 4 blocks of history,
    // then 100 new blocks at once. Per 4 logs: Buffered+Ready of one tx, Buffered+Failed of the next.
    const chain = await startSyntheticChain({
      chainId: 31_999,
      contract: SYNTHETIC_CONTRACT,
      logs: 10_400,
      blocks: 104,
      startTime: 1_700_000_000,
      head: 4,
    });
    try {
      const burstSettings: SettingsInput = {
        uid: 'tesseract-burst',
        jsonData: {
          deployments: [
            {
              id: 'synthetic',
              name: 'synthetic',
              chainId: 31_999,
              contract: SYNTHETIC_CONTRACT,
              abi: 'simple',
              startBlock: 0,
              confirmations: 0,
              maxBlockRange: 10_000,
            },
          ],
        },
        secureJsonData: { [rpcUrlsKey('synthetic')]: `${chain.url}/v1/${SECRET}` },
        lastUpdatedMS: 1,
      };
      const sync = async () => {
        const now = Date.now();
        const results = await host.queryData({
          settings: burstSettings,
          queries: [{ refId: 'A', timeRange: { fromMs: now - 60_000, toMs: now }, json: { queryType: 'events' } }],
        });
        expect(results.A.error).toBe('');
      };
      await sync();
      const linesBefore = host.logs.length;
      chain.setHead(104);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the 1 s the head is reused for
      await sync();
      const newLines = host.logs.slice(linesBefore).filter((l) => l.chain === 'synthetic');
      const logged = lifecycleLines(newLines);
      // The budget is the process's (100 lines, 10 a second): the earlier tests' lines took part of it.
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.length).toBeLessThanOrEqual(100);
      expect(logged.every((l) => l['@message'] === 'Transaction failed' && l.reason === 'Transaction expired')).toBe(
        true
      );
      expect(new Set(logged.map((l) => l.tx_id)).size).toBe(logged.length);
      expect(newLines.filter((l) => l['@message'] === SUMMARY)).toEqual([
        expect.objectContaining({
          '@level': 'warn',
          suppressed: 10_000 - logged.length,
          suppressed_buffered: 5_000,
          suppressed_ready: 2_500,
          suppressed_failed: 2_500 - logged.length,
          suppressed_other: 0,
          from_block: 5,
          to_block: 104,
        }),
      ]);
      const families = await scrape();
      // Both data sources' deployments are exported: CollectMetrics names no data source.
      expect(sampleOf(families, 'tesseract_transactions_buffered_total', 'synthetic')).toBe(5_200);
      expect(sampleOf(families, 'tesseract_transactions_ready_total', 'synthetic')).toBe(2_600);
      expect(sampleOf(families, 'tesseract_transactions_failed_total', 'synthetic')).toBe(2_600);
      expect(sampleOf(families, 'tesseract_transactions_buffered_total', 'optimism')).toBe(
        summarizeLedger(entries, { deployment: 'optimism' }).buffered
      );
      const histogram = histogramSeries(families.get('tesseract_resolution_time_seconds')!).find(
        (h) => h.labels.chain === 'synthetic'
      )!;
      // Each Ready is in its Buffered's block: 2,600 resolutions of 0 s.
      expect(histogram).toMatchObject({ count: 2_600, sum: 0 });
      expect(histogram.buckets.every((bucket) => bucket.count === 2_600)).toBe(true);
      expect(host.stderrLines.join('\n')).not.toContain(SECRET);
    } finally {
      await chain.close();
    }
  }, 120_000);
});
