/** @jest-environment node */
import { Writable } from 'node:stream';
import { PluginClient, type SettingsInput } from '../../../harness/plugin-host';
import { createLogger } from './logger';
import { startServer, type PluginServer } from './server';
import { StreamSender } from './stream';
import type { DataSourceInstance, RequestContext } from './types';

/** A real object-mode Writable whose writes complete only when `release()` is called: a stalled reader. */
function stalledTransport(highWaterMark: number) {
  const written: string[] = [];
  const pending: Array<() => void> = [];
  const writable = new Writable({
    objectMode: true,
    highWaterMark,
    write(chunk: { data: Buffer }, _encoding, callback) {
      written.push(chunk.data.toString('utf8'));
      pending.push(() => callback());
    },
  });
  const release = async () => {
    while (pending.length > 0) {
      pending.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { writable, written, release };
}

describe('StreamSender', () => {
  it('never blocks: a stalled reader costs at most maxQueued packets, the oldest dropped, then a notice', async () => {
    const { writable, written, release } = stalledTransport(2);
    const sender = new StreamSender(writable, {
      maxQueued: 3,
      dropNotice: (dropped) => Buffer.from(`dropped ${dropped}`),
    });
    for (let i = 0; i < 20; i++) {
      sender.sendBytes(Buffer.from(`p${i}`));
    }
    // The transport took what fits below its high-water mark; the sender holds 3 and dropped the rest.
    expect(sender.queued).toBe(3);
    expect(sender.dropped).toBe(20 - sender.queued - writable.writableLength);
    expect(sender.dropped).toBeGreaterThan(0);
    await release();
    await release();
    expect(written.slice(-4)).toEqual([`dropped ${sender.dropped}`, 'p17', 'p18', 'p19']);
    expect(sender.queued).toBe(0);
  });

  it('writes straight through while the reader keeps up, and nothing after close', async () => {
    const { writable, written, release } = stalledTransport(100);
    const sender = new StreamSender(writable);
    sender.sendFrame({ fields: [] });
    sender.close();
    sender.sendBytes(Buffer.from('late'));
    await release();
    expect(written).toEqual([JSON.stringify({ schema: { fields: [] }, data: { values: [] } })]);
    expect(sender.dropped).toBe(0);
  });
});

describe('pluginv2.Stream over gRPC', () => {
  let server: PluginServer;
  let client: PluginClient;
  const runs: Array<{ path: string; ctx: RequestContext }> = [];
  const settings: SettingsInput = { uid: 'stream-unit', jsonData: {} };

  beforeAll(async () => {
    const instance: DataSourceInstance = {
      query: async () => [],
      checkHealth: async () => ({ status: 'OK', message: 'ok' }),
      subscribeStream: async (request) => ({ status: request.path === 'known' ? 'OK' : 'NOT_FOUND' }),
      runStream: async (request, sender, ctx) => {
        runs.push({ path: request.path, ctx });
        sender.sendFrame({ name: 'hello', fields: [] }, 'schema');
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      },
      dispose: () => undefined,
    };
    server = await startServer({
      createInstance: () => instance,
      port: 0,
      logger: createLogger({ write: () => true }),
    });
    client = new PluginClient(server.address);
  });

  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('SubscribeStream asks the instance; PublishStream is refused', async () => {
    expect((await client.subscribeStream(settings, 'known')).status).toBe('OK');
    expect((await client.subscribeStream(settings, 'other')).status).toBe('NOT_FOUND');
    expect((await client.publishStream(settings, 'known', { x: 1 })).status).toBe('PERMISSION_DENIED');
  });

  it("RunStream's signal aborts when Grafana cancels the call", async () => {
    const stream = client.runStream(settings, 'known');
    const packet = await stream.waitFor(() => true, 5000);
    expect(packet.json).toEqual({ schema: { name: 'hello', fields: [] } });
    const run = runs.at(-1)!;
    expect(run.ctx.signal.aborted).toBe(false);
    stream.cancel();
    expect((await stream.ended).code).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(run.ctx.signal.aborted).toBe(true);
  });

  it('stop() (Shutdown) ends open streams with UNAVAILABLE, so that Grafana runs them again', async () => {
    const stream = client.runStream(settings, 'known');
    await stream.waitFor(() => true, 5000);
    await server.stop();
    expect(await stream.ended).toEqual({ code: 14, details: 'plugin shutting down' });
  });
});
