/**
 * The persisted log index through the built executable: a restart answers from the stored index (no
 * eth_getLogs for indexed blocks), a damaged file is detected, reported and re-synced, a reorg while the
 * process was down is caught by hash, and a settings change re-indexes that deployment only. Every count is
 * checked against the chain itself.
 */
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JsonRpc } from '../../devnet';
import type { PluginHost, SettingsInput } from '../../harness/plugin-host';
import { bufferNewTransaction, chainCounts, logBlocks, monitorSettings, valueFor } from '../../harness/monitor';
import type { RpcProxy } from '../../harness/rpc-proxy';
import { INDEX_STORE_POSTGRES_URL_KEY } from '../../src/query';
import { simulatedDevnetSuite, suitePostgres } from './datasource-support';

const suite = simulatedDevnetSuite({ events: 600, days: 0.5, seed: 16 });
const { start, proxyFor } = suite;
const storeDir = () => suite.tempDir('index-store-test-');

/** optimism and arbitrum, each behind its own proxy, kept in `dir`. */
function settingsFor(uid: string, dir: string, urls: Record<string, string>, startBlocks: Record<string, number> = {}) {
  const settings = monitorSettings(
    uid,
    ['optimism', 'arbitrum'].map((name) => ({
      deployment: suite.sim.devnet.deployments.find((d) => d.name === name)!,
      urls: [urls[name]],
      overrides: startBlocks[name] === undefined ? {} : { startBlock: startBlocks[name] },
    }))
  );
  return { ...settings, jsonData: { ...(settings.jsonData as object), indexStore: { directory: dir } } };
}

const timeRange = () => ({ fromMs: 0, toMs: Date.now() + 86400_000 });

/** buffered, ready and failed per deployment, as the data source answers them. */
async function counts(host: PluginHost, settings: SettingsInput): Promise<Record<string, number[]>> {
  await new Promise((resolve) => setTimeout(resolve, 1100)); // past the shared-sync interval
  const answers: Record<string, number[]> = {};
  for (const metric of ['buffered', 'ready', 'failed']) {
    const result = (
      await host.queryData({
        settings,
        queries: [
          { refId: 'A', timeRange: timeRange(), json: { queryType: 'metrics', metrics: [metric], mode: 'window' } },
        ],
      })
    ).A;
    expect(result.error).toBe('');
    for (const chain of ['optimism', 'arbitrum']) {
      (answers[chain] ??= []).push(valueFor(result, chain) as number);
    }
  }
  return answers;
}

async function truth(): Promise<Record<string, number[]>> {
  const answers: Record<string, number[]> = {};
  for (const chain of ['optimism', 'arbitrum']) {
    const c = await chainCounts(suite.sim.devnet.deployments.find((d) => d.name === chain)!);
    answers[chain] = [c.buffered, c.ready, c.failed];
  }
  return answers;
}

const indexFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.idx'));

describe('a persisted index', () => {
  let dir: string;
  let settings: SettingsInput;
  let op: RpcProxy;
  let arb: RpcProxy;

  beforeAll(async () => {
    dir = storeDir();
    op = await proxyFor('optimism');
    arb = await proxyFor('arbitrum');
    settings = settingsFor('store-restart', dir, { optimism: op.url, arbitrum: arb.url });
  });

  const getLogs = () => op.count('eth_getLogs') + arb.count('eth_getLogs');
  const reset = () => [op, arb].forEach((proxy) => proxy.resetCounts());

  it('answers after a restart (even a kill -9) without eth_getLogs for the indexed blocks', async () => {
    const first = await start();
    expect(await counts(first, settings)).toEqual(await truth());
    expect(getLogs()).toBeGreaterThan(0);
    expect(indexFiles(dir)).toHaveLength(2);
    await first.kill();

    reset();
    const second = await start();
    expect(await counts(second, settings)).toEqual(await truth());
    expect(getLogs()).toBe(0);
    const loaded = await second.waitForLog((line) => line['@message'] === 'Log index loaded from the index store');
    expect(loaded.records).toBeGreaterThan(0);

    // New blocks cost only themselves.
    await bufferNewTransaction(suite.sim.devnet.deployments[0]);
    reset();
    expect(await counts(second, settings)).toEqual(await truth());
    expect(op.count('eth_getLogs')).toBe(1);
    await second.kill();
  });

  it('detects a truncated file and a flipped bit, says so, and re-syncs only what was lost, exactly', async () => {
    const [file] = indexFiles(dir)
      .map((name) => path.join(dir, name))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    truncateSync(file, statSync(file).size - 5);
    reset();
    const afterTruncate = await start();
    // The health query says it before any log query has loaded the store (a column and a notice), for the
    // dashboard's health panels.
    const table = (
      await afterTruncate.queryData({
        settings,
        queries: [
          { refId: 'A', json: { queryType: 'health', format: 'table' }, timeRange: { fromMs: 0, toMs: Date.now() } },
        ],
      })
    ).A.frames[0];
    const warnings = table.fields.find((field) => field.name === 'index_store_warning')!.values as Array<string | null>;
    expect(warnings.filter((warning) => warning !== null)).toEqual([
      expect.stringMatching(/index store: .*torn or damaged entry/),
    ]);
    expect(table.meta?.notices?.map((notice) => notice.text)).toEqual([expect.stringMatching(/torn or damaged entry/)]);
    expect(await counts(afterTruncate, settings)).toEqual(await truth());
    expect(getLogs()).toBeGreaterThan(0);
    const warned = await afterTruncate.waitForLog((line) => line['@message'].startsWith('Stored log index discarded'));
    expect(String(warned.warning)).toMatch(/torn or damaged entry/);
    const health = await afterTruncate.checkHealth(settings);
    expect(JSON.stringify(health.details)).toMatch(/index store: .*torn or damaged entry/);
    await afterTruncate.kill();

    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x10;
    writeFileSync(file, bytes);
    reset();
    const afterFlip = await start();
    expect(await counts(afterFlip, settings)).toEqual(await truth());
    const flipped = await afterFlip.waitForLog((line) => line['@message'].startsWith('Stored log index discarded'));
    expect(String(flipped.warning)).toMatch(/checksum does not match/);
    await afterFlip.kill();
  });

  it('catches a reorg that happened while it was down, by hash', async () => {
    const optimism = suite.sim.devnet.deployments[0];
    const chain = new JsonRpc(optimism.rpcUrl);
    const snapshot = await chain.call<string>('evm_snapshot');
    await bufferNewTransaction(optimism);
    const before = await start();
    expect(await counts(before, settings)).toEqual(await truth());
    await before.kill();

    await chain.call('evm_revert', [snapshot]);
    for (let i = 0; i < 3; i++) {
      await chain.call('evm_mine');
    }
    const after = await start();
    expect(await counts(after, settings)).toEqual(await truth());
    await after.kill();
  });

  it('re-indexes only the deployment whose settings changed', async () => {
    const arbitrumStart = (settings.jsonData as { deployments: Array<{ startBlock: number }> }).deployments[1]
      .startBlock;
    // An earlier start block: the same events, but another deployment identity.
    const changed = settingsFor(
      'store-restart',
      dir,
      { optimism: op.url, arbitrum: arb.url },
      { arbitrum: arbitrumStart - 1 }
    );
    reset();
    const host = await start();
    expect(await counts(host, changed)).toEqual(await truth());
    expect(op.count('eth_getLogs')).toBe(0);
    expect(arb.count('eth_getLogs')).toBeGreaterThan(0);
    await host.kill();
  });
});

describe('a persisted index behind nodes that send no blockTimestamp', () => {
  it('restarts without asking for the block times of the indexed history', async () => {
    const dir = storeDir();
    const proxies = { optimism: await proxyFor('optimism'), arbitrum: await proxyFor('arbitrum') };
    const settings = settingsFor('store-block-times', dir, {
      optimism: proxies.optimism.url,
      arbitrum: proxies.arbitrum.url,
    });
    // Each log's time then comes from its block's header (eth_getBlockByNumber), as on most nodes.
    Object.values(proxies).forEach((proxy) => proxy.setLogReplyQuirks({ stripBlockTimestamp: true }));
    const first = await start();
    expect(await counts(first, settings)).toEqual(await truth());
    for (const [name, proxy] of Object.entries(proxies)) {
      const deployment = suite.sim.devnet.deployments.find((d) => d.name === name)!;
      const blocksWithLogs = new Set(await logBlocks(deployment.rpcUrl, deployment.contract)).size;
      // The head request may already have brought one of them.
      expect(proxy.count('eth_getBlockByNumber')).toBeGreaterThanOrEqual(blocksWithLogs - 1);
    }
    await first.kill();

    Object.values(proxies).forEach((proxy) => proxy.resetCounts());
    const second = await start();
    expect(await counts(second, settings)).toEqual(await truth());
    for (const proxy of Object.values(proxies)) {
      // The head, then the head again with the stored tip's header (its hash check); the times of the stored
      // events are in the stored records.
      expect(proxy.count('eth_getLogs')).toBe(0);
      expect(proxy.count('eth_getBlockByNumber')).toBeLessThanOrEqual(3);
    }
    await second.kill();
  });
});

describe('kill -9 while the index is being written', () => {
  it('resumes from the last whole chunk, with exact counts', async () => {
    const base = suite.sim.devnet.deployments.find((d) => d.name === 'base')!;
    const proxy = await proxyFor('base');
    const dir = storeDir();
    const plain = monitorSettings('store-kill', [
      { deployment: base, urls: [proxy.url], overrides: { maxBlockRange: 25 } },
    ]);
    const settings = { ...plain, jsonData: { ...(plain.jsonData as object), indexStore: { directory: dir } } };
    const query = (host: PluginHost) =>
      host.queryData({
        settings,
        queries: [
          { refId: 'A', timeRange: timeRange(), json: { queryType: 'metrics', metrics: ['buffered'], mode: 'window' } },
        ],
      });
    // Each chunk's reply held back, so that the backfill outlasts three kills; each kill follows a write
    // seen on disk, while further chunks are in flight (timings alone raced the backfill's requests in flight).
    proxy.setFault({ kind: 'slow', delayMs: 150 }, { methods: ['eth_getLogs'] });
    const sizeNow = () => indexFiles(dir).map((name) => statSync(path.join(dir, name)).size)[0] ?? 0;
    const sizes: number[] = [];
    for (let run = 0; run < 3; run++) {
      const before = sizeNow();
      const host = await start();
      void query(host).catch(() => undefined);
      for (const deadline = Date.now() + 30_000; sizeNow() <= before && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await host.kill();
      sizes.push(sizeNow());
    }
    proxy.setFault({ kind: 'none' });
    proxy.resetCounts();
    const host = await start();
    const result = (await query(host)).A;
    expect(result.error).toBe('');
    expect(valueFor(result, 'base')).toBe((await chainCounts(base)).buffered);
    // Each run went on from what the one before stored, and the last one still had chunks to fetch.
    expect(sizes[1]).toBeGreaterThan(sizes[0]);
    expect(sizes[2]).toBeGreaterThan(sizes[1]);
    expect(proxy.count('eth_getLogs')).toBeGreaterThan(0);
    const head = Number(await new JsonRpc(base.rpcUrl).call<string>('eth_blockNumber'));
    expect(proxy.count('eth_getLogs')).toBeLessThan(Math.ceil((head - base.deployBlock + 1) / 25));
    await host.kill();
  });
});

describe('three processes on one Postgres', () => {
  const postgres = suitePostgres();

  const optimism = () => suite.sim.devnet.deployments.find((d) => d.name === 'optimism')!;
  const buffered = { queryType: 'metrics', metrics: ['buffered', 'ready'], mode: 'window' };

  function sharedSettings(uid: string, proxy: RpcProxy, store: Record<string, unknown>): SettingsInput {
    const plain = monitorSettings(uid, [
      { deployment: optimism(), urls: [proxy.url], overrides: { maxBlockRange: 25 } },
    ]);
    return {
      ...plain,
      jsonData: { ...(plain.jsonData as object), indexStore: store },
      secureJsonData: { ...plain.secureJsonData, [INDEX_STORE_POSTGRES_URL_KEY]: postgres.url },
    };
  }

  async function answer(host: PluginHost, settings: SettingsInput): Promise<number[]> {
    const result = (
      await host.queryData({ settings, queries: [{ refId: 'A', timeRange: timeRange(), json: buffered }] })
    ).A;
    expect(result.error).toBe('');
    return result.frames.map((frame) => frame.fields.find((f) => f.type === 'number')!.values[0] as number);
  }

  const expected = async () => {
    const c = await chainCounts(optimism());
    return [c.buffered, c.ready];
  };

  it('index each deployment once: the three together ask eth_getLogs as often as one alone', async () => {
    const alone = await proxyFor('optimism');
    const single = await start();
    expect(await answer(single, sharedSettings('pg-alone', alone, { kind: 'memory' }))).toEqual(await expected());
    const one = alone.count('eth_getLogs');
    await single.kill();

    const proxy = await proxyFor('optimism');
    const settings = sharedSettings('pg-three', proxy, { kind: 'postgres' });
    const three = await Promise.all([start(), start(), start()]);
    const answers = await Promise.all(three.map((host) => answer(host, settings)));
    const truth = await expected();
    expect(answers).toEqual([truth, truth, truth]);
    expect(proxy.count('eth_getLogs')).toBe(one);
    await Promise.all(three.map((host) => host.kill()));
  });

  it('kill the writer mid-backfill: the others stay exact and one takes over', async () => {
    const proxy = await proxyFor('optimism');
    const settings = sharedSettings('pg-takeover', proxy, { kind: 'postgres' });
    proxy.setFault({ kind: 'slow', delayMs: 4000 }, { methods: ['eth_getLogs'] });
    const writer = await start();
    void answer(writer, settings).catch(() => undefined);
    // Its first chunk request means it holds the role (taken before fetching); the reply is held back 4 s.
    for (const deadline = Date.now() + 30_000; proxy.count('eth_getLogs') === 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const readers = await Promise.all([start(), start()]);
    const answering = readers.map((host) => answer(host, settings));
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Killed mid-backfill: its replies are held back 4 s, so it dies before storing the history.
    await writer.kill();
    proxy.setFault({ kind: 'none' });
    const truth = await expected();
    expect(await Promise.all(answering)).toEqual([truth, truth]);
    const roles = await Promise.all(
      readers.map((host) =>
        host
          .waitForLog((line) => line['@message'] === 'Index store role' && line.role === 'writer', 3000)
          .then(() => 'writer')
          .catch(() => 'reader')
      )
    );
    expect(roles.sort()).toEqual(['reader', 'writer']);
    await Promise.all(readers.map((host) => host.kill()));
  });
});
