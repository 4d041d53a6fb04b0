/**
 * Grafana Live streams through the built executable over Grafana's own plugin protocol (pluginv2.Stream:
 * SubscribeStream, RunStream, PublishStream), on a real anvil chain reached through the recording RPC proxy.
 * The harness plays Grafana's live runstream manager: one RunStream per channel, cancelled when the last
 * subscriber leaves, called again after the plugin restarts.
 */
import { DEFAULT_CHAINS, JsonRpc, startDevnet, type Deployment, type Devnet } from '../../devnet';
import type { DecodedFrame } from '../../src/backend/grafana/frames';
import {
  PluginHost,
  type SettingsInput,
  type StreamPacketReceived,
  type StreamSubscription,
} from '../../harness/plugin-host';
import { bufferTx as bufferTxOn } from '../support/live';
import { monitorSettings } from '../../harness/monitor';
import { startRpcProxy, type RpcProxy } from '../../harness/rpc-proxy';

const SECRET = 'sk_live_stream_secret_77';
const CONFIRMATIONS = 3;

let devnet: Devnet;
let deployment: Deployment;
let rpc: JsonRpc;
let proxy: RpcProxy;
let host: PluginHost;
let settings: SettingsInput;
const report: string[] = [];

beforeAll(async () => {
  devnet = await startDevnet({ chains: [DEFAULT_CHAINS[0]] });
  deployment = devnet.deployments[0];
  rpc = new JsonRpc(deployment.rpcUrl);
  proxy = await startRpcProxy(deployment.rpcUrl);
  settings = monitorSettings('live-it', [
    { deployment, urls: [`${proxy.url}/v1/${SECRET}`], overrides: { confirmations: CONFIRMATIONS } },
  ]);
  host = await PluginHost.start();
}, 120_000);

afterAll(async () => {
  await host?.kill();
  await proxy?.close();
  await devnet?.stop();
  if (report.length > 0) {
    process.stdout.write(`live streams:\n  ${report.join('\n  ')}\n`);
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const bufferTx = () => bufferTxOn(rpc, deployment);

/** Values of column `name` in a pushed frame (data only: the columns are those of the query's frame). */
function column(frame: DecodedFrame, packet: StreamPacketReceived, name: string): unknown[] {
  const index = frame.fields.findIndex((field) => field.name === name);
  expect(index).toBeGreaterThanOrEqual(0);
  return packet.json.data?.values[index] ?? [];
}

async function liveEvents(json: Record<string, unknown> = {}): Promise<{ frame: DecodedFrame; path: string }> {
  const now = Date.now();
  const results = await host.queryData({
    settings,
    queries: [
      {
        refId: 'L',
        timeRange: { fromMs: 0, toMs: now + 86400_000 },
        json: { queryType: 'events', live: true, limit: 1000, ...json },
      },
    ],
  });
  expect([results.L.status, results.L.error]).toEqual([200, '']);
  const frame = results.L.frames[0];
  const channel = String(frame.meta?.channel);
  expect(channel.startsWith('ds/live-it/v1/events')).toBe(true);
  expect(channel).not.toContain(SECRET);
  return { frame, path: channel.slice('ds/live-it/'.length) };
}

const hasTx =
  (frame: DecodedFrame, txId: string, status = 'seen') =>
  (packet: StreamPacketReceived) => {
    const ids = column(frame, packet, 'tx_id');
    const statuses = column(frame, packet, 'status');
    return ids.some((id, i) => id === txId && statuses[i] === status);
  };

/** Waits until the poller has taken its start point (the first poll after the first subscriber). */
const settle = () => sleep(1500);

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};

describe('live events', () => {
  it('answers with its channel, accepts subscriptions to it and refuses publishing', async () => {
    const { frame, path } = await liveEvents({ eventNames: ['TransactionBuffered'] });
    expect(frame.fields.map((f) => f.name)).toContain('status');
    const times = frame.fields[0].values as number[];
    expect([...times].sort((a, b) => a - b)).toEqual(times); // oldest first: the stream appends
    expect((await host.subscribeStream(settings, path)).status).toBe('OK');
    expect((await host.subscribeStream(settings, 'v1/nothing')).status).toBe('NOT_FOUND');
    const unknownDeployment = `${path}/d=${Buffer.from('nope', 'utf8').toString('base64url')}`;
    expect((await host.subscribeStream(settings, unknownDeployment)).status).toBe('NOT_FOUND');
    expect((await host.publishStream(settings, path, { hello: 1 })).status).toBe('PERMISSION_DENIED');
  });

  it('pushes each new event within one poll of its block; filters apply to the stream', async () => {
    const { frame, path } = await liveEvents();
    const stream = host.runStream(settings, path);
    await settle();
    const latencies: number[] = [];
    let watched: { txId: string } | undefined;
    let filtered: StreamSubscription | undefined;
    let filteredFrame: DecodedFrame | undefined;
    for (let i = 0; i < 20; i++) {
      // Blocks come at any moment of the poll cycle, not right after a push.
      await sleep(Math.floor(Math.random() * 1000));
      const { txId, minedAt } = await bufferTx();
      if (i === 4) {
        watched = { txId };
        ({ frame: filteredFrame } = await liveEvents({ txIds: [txId] }));
        const filteredPath = String(filteredFrame.meta?.channel).slice('ds/live-it/'.length);
        filtered = host.runStream(settings, filteredPath);
      }
      const packet = await stream.waitFor(hasTx(frame, txId), 15_000);
      latencies.push(packet.at - minedAt);
    }
    const median = percentile(latencies, 0.5);
    const p95 = percentile(latencies, 0.95);
    report.push(
      `block → frame over ${latencies.length} blocks (poll 1 s): median ${median} ms, p95 ${p95} ms, max ${Math.max(...latencies)} ms`
    );
    expect(p95).toBeLessThan(3000);
    // The tx_id filter's channel was opened after its tx: it saw none of the 15 later ones.
    await sleep(1500);
    const otherIds = filtered!.packets.flatMap((packet) => column(filteredFrame!, packet, 'tx_id'));
    expect(otherIds.filter((id) => id !== watched!.txId)).toEqual([]);
    for (const packet of stream.packets) {
      expect(JSON.stringify(packet.json)).not.toContain(SECRET);
    }
    stream.cancel();
    filtered!.cancel();
    expect((await stream.ended).code).toBe(1); // CANCELLED, as Grafana's cancel
  }, 120_000);

  it('retracts an event a reorg dropped; a refresh agrees with the chain', async () => {
    const { frame, path } = await liveEvents();
    const stream = host.runStream(settings, path);
    await settle();
    const snapshot = await rpc.call<string>('evm_snapshot');
    const { txId } = await bufferTx();
    await stream.waitFor(hasTx(frame, txId), 15_000);
    await rpc.call('evm_revert', [snapshot]);
    await rpc.call('evm_mine');
    await rpc.call('evm_mine');
    const reorgedAt = Date.now();
    const retraction = await stream.waitFor(hasTx(frame, txId, 'retracted'), 15_000);
    report.push(`reorg: retraction row ${retraction.at - reorgedAt} ms after the replacing blocks`);
    const { frame: refreshed } = await liveEvents();
    const ids = refreshed.fields.find((f) => f.name === 'tx_id')!.values;
    expect(ids).not.toContain(txId);
    stream.cancel();
  }, 60_000);

  it('a paused subscriber does not hold back the others', async () => {
    const { frame, path } = await liveEvents();
    const slow = host.runStream(settings, path);
    slow.call.pause();
    const fast = host.runStream(settings, path);
    await settle();
    for (let i = 0; i < 5; i++) {
      const { txId, minedAt } = await bufferTx();
      const packet = await fast.waitFor(hasTx(frame, txId), 10_000);
      expect(packet.at - minedAt).toBeLessThan(5000);
    }
    expect(slow.packets.length).toBe(0);
    slow.call.resume();
    await slow.waitFor(() => true, 10_000);
    slow.cancel();
    fast.cancel();
  }, 60_000);
});

describe('one poller per deployment', () => {
  /** JSON-RPC requests per second while `streams` are open, over `ms`, after one block with an event. */
  async function rpcRate(ms: number): Promise<number> {
    proxy.resetCounts();
    await sleep(ms);
    return (proxy.total() * 1000) / ms;
  }

  it('100 subscribers on 10 channels cost the RPC of one', async () => {
    const { path } = await liveEvents();
    const one = host.runStream(settings, path);
    await settle();
    const single = await rpcRate(6000);
    one.cancel();
    await one.ended;

    const eventSets = [[], ['TransactionBuffered'], ['TransactionReady'], ['TransactionFailed']];
    const channels: Array<{ frame: DecodedFrame; path: string }> = [];
    for (let i = 0; i < 10; i++) {
      channels.push(
        await liveEvents({
          eventNames: eventSets[i % eventSets.length],
          ...(i >= 4 ? { limit: 1, reasonContains: `r${i}` } : {}),
        })
      );
    }
    expect(new Set(channels.map((c) => c.path)).size).toBe(10);
    const streams = channels.flatMap((channel) =>
      Array.from({ length: 10 }, () => ({ channel, stream: host.runStream(settings, channel.path) }))
    );
    await settle();
    const hundred = await rpcRate(6000);
    report.push(
      `RPC while streaming: 1 subscriber ${single.toFixed(2)} req/s, 100 subscribers on 10 channels ${hundred.toFixed(2)} req/s`
    );
    expect(hundred).toBeLessThanOrEqual(single * 1.5 + 0.5);

    // Everyone on an unfiltered or Buffered channel gets the next Buffered event.
    const { txId } = await bufferTx();
    const receivers = streams.filter(
      ({ channel }) => channels.indexOf(channel) % 4 <= 1 && channels.indexOf(channel) < 4
    );
    await Promise.all(receivers.map(({ channel, stream }) => stream.waitFor(hasTx(channel.frame, txId), 15_000)));
    expect(receivers.length).toBe(20);

    // Unsubscribing everyone stops the poller: no RPC at all afterwards.
    for (const { stream } of streams) {
      stream.cancel();
    }
    await Promise.all(streams.map(({ stream }) => stream.ended));
    await sleep(1500);
    expect(await rpcRate(3000)).toBe(0);
  }, 120_000);
});

describe('live metrics', () => {
  it('streams running totals of the counters', async () => {
    const now = Date.now();
    const results = await host.queryData({
      settings,
      queries: [
        {
          refId: 'M',
          timeRange: { fromMs: 0, toMs: now + 86400_000 },
          json: { queryType: 'metrics', live: true, metrics: ['buffered', 'failed'], mode: 'timeseries' },
        },
      ],
    });
    expect([results.M.status, results.M.error]).toEqual([200, '']);
    const frame = results.M.frames[0];
    const buffered = frame.fields.findIndex((f) => f.name === 'buffered');
    const before = Number(frame.fields[buffered].values[0]);
    const path = String(frame.meta?.channel).slice('ds/live-it/'.length);
    expect(path.startsWith('v1/metrics')).toBe(true);
    const stream = host.runStream(settings, path);
    await settle();
    await bufferTx();
    const packet = await stream.waitFor(() => true, 15_000);
    expect(packet.json.data!.values[buffered]).toEqual([before + 1]);
    stream.cancel();

    const refused = await host.queryData({
      settings,
      queries: [
        { refId: 'M', json: { queryType: 'metrics', live: true, metrics: ['success_ratio'], mode: 'timeseries' } },
      ],
    });
    expect(refused.M.error).toContain('Live streams only the counters');
  }, 60_000);
});

describe('stream lifetime', () => {
  it('Shutdown ends the stream with UNAVAILABLE; a restarted backend serves the same channel', async () => {
    const { frame, path } = await liveEvents();
    const stream = host.runStream(settings, path);
    await settle();
    const shutdown = await host.shutdown();
    expect(shutdown.exitedInTime).toBe(true);
    const ended = await stream.ended;
    expect(ended.code).toBe(14); // UNAVAILABLE: Grafana's runstream manager calls RunStream again
    expect(ended.details).toContain('shutting down');

    // What Grafana does next: start the plugin again and call RunStream with the same path.
    host = await PluginHost.start();
    const again = host.runStream(settings, path);
    await settle();
    const { txId, minedAt } = await bufferTx();
    const packet = await again.waitFor(hasTx(frame, txId), 15_000);
    report.push(`after a restart: first frame ${packet.at - minedAt} ms after its block`);
    again.cancel();
  }, 90_000);
});
