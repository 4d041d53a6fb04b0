/**
 * The live panel path in Chromium, with the built backend on a real anvil. Real: our DataSource, the
 * current Grafana runtime's DataSourceWithBackend (its query, toStreamingDataResponse turning the answer's
 * `meta.channel` into a getDataStream subscription, with the standard stream options) and @grafana/data's
 * StreamingDataFrame appending each packet; the backend executable answering QueryData and RunStream over
 * gRPC. Stood in for: Grafana's HTTP server (the harness server relays /api/ds/query to QueryData, frames
 * re-encoded from Arrow to Grafana's frame JSON as Grafana does) and Grafana Live's transport (an
 * EventSource per channel relaying RunStream's packets, in place of Centrifuge over a WebSocket).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { DEFAULT_CHAINS, JsonRpc, startDevnet, type Deployment, type Devnet } from '../../devnet';
import { decodeFrame } from '../../src/backend/grafana/frames';
import { frameToJSON } from '../../src/backend/grafana/framejson';
import { PluginHost, pluginContext, type SettingsInput } from '../../harness/plugin-host';
import { bufferTx } from '../support/live';
import { monitorSettings } from '../../harness/monitor';
import { grafanaRuntimes } from './harness/compat';
import { startHarness, type HarnessSession } from './harness/session';

const RUNTIME = grafanaRuntimes().slice(-1)[0];
const LIVE_UID = 'live-browser';

let devnet: Devnet;
let deployment: Deployment;
let rpc: JsonRpc;
let host: PluginHost;
let settings: SettingsInput;
let harness: HarnessSession;
let page: Page;
const openStreams = new Set<{ cancel(): void }>();

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => resolve(body));
  });
}

/** Grafana's /api/ds/query: the panel's queries to QueryData, the Arrow frames back as frame JSON. */
async function dsQuery(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = JSON.parse(await readBody(request)) as {
    from: string;
    to: string;
    queries: Array<
      Record<string, unknown> & { refId: string; queryType?: string; intervalMs?: number; maxDataPoints?: number }
    >;
  };
  const answer = await host.queryDataRaw({
    pluginContext: pluginContext(settings),
    headers: {},
    queries: body.queries.map((query) => ({
      refId: query.refId,
      queryType: query.queryType ?? '',
      intervalMS: query.intervalMs ?? 1000,
      maxDataPoints: query.maxDataPoints ?? 500,
      timeRange: { fromEpochMS: Number(body.from), toEpochMS: Number(body.to) },
      json: Buffer.from(JSON.stringify(query), 'utf8'),
    })),
  });
  const results: Record<string, unknown> = {};
  for (const [refId, data] of Object.entries(answer.responses)) {
    results[refId] = {
      status: data.status,
      ...(data.error ? { error: data.error } : {}),
      frames: data.frames.map((bytes) => JSON.parse(frameToJSON(decodeFrame(bytes)).toString('utf8'))),
    };
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
}

/** Grafana Live's part: one RunStream per subscribed channel, its packets as server-sent events. */
function liveChannel(request: IncomingMessage, response: ServerResponse): void {
  const channel = new URL(request.url!, 'http://127.0.0.1').searchParams.get('channel') ?? '';
  const prefix = `ds/${LIVE_UID}/`;
  if (!channel.startsWith(prefix)) {
    response.writeHead(404).end();
    return;
  }
  const stream = host.runStream(settings, channel.slice(prefix.length));
  openStreams.add(stream);
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.write(': subscribed\n\n');
  stream.call.on('data', (packet: { data: Buffer }) => response.write(`data: ${packet.data.toString('utf8')}\n\n`));
  request.on('close', () => {
    stream.cancel();
    openStreams.delete(stream);
  });
}

function api(request: IncomingMessage, response: ServerResponse): boolean {
  const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  if (pathname === '/api/ds/query' && request.method === 'POST') {
    dsQuery(request, response).catch((error: unknown) =>
      response.writeHead(500).end(JSON.stringify({ message: String(error) }))
    );
    return true;
  }
  if (pathname === '/live') {
    liveChannel(request, response);
    return true;
  }
  return false;
}

beforeAll(async () => {
  devnet = await startDevnet({ chains: [DEFAULT_CHAINS[0]] });
  deployment = devnet.deployments[0];
  rpc = new JsonRpc(deployment.rpcUrl);
  settings = monitorSettings(LIVE_UID, [{ deployment, urls: [deployment.rpcUrl], overrides: { confirmations: 3 } }]);
  host = await PluginHost.start();
  harness = await startHarness(RUNTIME, api);
}, 180_000);

afterAll(async () => {
  for (const stream of openStreams) {
    stream.cancel();
  }
  await harness?.close();
  await host?.kill();
  await devnet?.stop();
});

const rows = () => page.locator('#live-rows li').allTextContents();

async function waitForRow(text: string, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  await page.locator('#live-rows li', { hasText: text }).first().waitFor({ timeout: timeoutMs });
  return Date.now() - started;
}

describe(`Grafana ${RUNTIME.grafana}: a live events panel`, () => {
  it('subscribes to the channel the answer names and shows each new event, then a reorg retraction', async () => {
    page = await harness.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${harness.url}/?view=live&backend=http&uid=${LIVE_UID}`);
    await page.locator('#channel', { hasText: `ds/${LIVE_UID}/v1/events` }).waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => window.liveChannels.length === 1);
    expect(await page.evaluate(() => window.liveChannels)).toEqual([`ds/${LIVE_UID}/v1/events`]);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the backend's poller takes its start point

    const before = (await rows()).length;
    const first = await bufferTx(rpc, deployment);
    await waitForRow(`seen ${first.txId}`);
    const shownAfter = Date.now() - first.minedAt;
    const second = await bufferTx(rpc, deployment);
    await waitForRow(`seen ${second.txId}`);
    expect((await rows()).length).toBe(before + 2); // appended to the query's rows, nothing lost

    const snapshot = await rpc.call<string>('evm_snapshot');
    const dropped = await bufferTx(rpc, deployment);
    await waitForRow(`seen ${dropped.txId}`);
    await rpc.call('evm_revert', [snapshot]);
    await rpc.call('evm_mine');
    await waitForRow(`retracted ${dropped.txId}`);
    expect(await page.locator('#error').textContent()).toBe('');
    expect(errors).toEqual([]);
    process.stdout.write(`live panel in Chromium: first event shown ${shownAfter} ms after its block\n`);
    await page.close();
  }, 120_000);
});
