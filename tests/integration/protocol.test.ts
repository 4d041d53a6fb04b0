/**
 * Grafana plugin protocol through the BUILT executable (as Grafana starts it), plus in-process checks of
 * handler isolation with a test instance factory. `npm test` builds first; run `npm run build:backend`
 * before running this file alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { QueryError } from '../../src/backend/grafana/errors';
import { numberField, stringField, timeField } from '../../src/backend/grafana/frames';
import { createLogger } from '../../src/backend/grafana/logger';
import { startServer, type PluginServer } from '../../src/backend/grafana/server';
import type { DataSourceInstance, InstanceSettings, RequestContext } from '../../src/backend/grafana/types';
import {
  DEFAULT_EXECUTABLE,
  PluginClient,
  PluginHost,
  alertingHeaders,
  grafanaHostEnv,
  grafanaPluginEnv,
  isAlive,
  pluginContext,
  runUntilHandshake,
} from '../../harness/plugin-host';

const HCLOG_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const settings = { uid: 'protocol-test', jsonData: {}, lastUpdatedMS: 1 };

describe('built executable, started as Grafana starts it', () => {
  let host: PluginHost;

  beforeAll(async () => {
    if (!existsSync(DEFAULT_EXECUTABLE)) {
      throw new Error(`${DEFAULT_EXECUTABLE} is missing: run \`npm run build:backend\` (npm test builds first)`);
    }
    host = await PluginHost.start();
    process.stderr.write(`[protocol.test] handshake after ${host.startupMs.toFixed(0)} ms: ${host.handshake}\n`);
  });

  afterAll(async () => {
    await host?.kill();
  });

  it('prints exactly the go-plugin handshake line first, on 127.0.0.1', () => {
    expect(host.handshake).toMatch(/^1\|2\|tcp\|127\.0\.0\.1:\d{1,5}\|grpc$/);
  });

  it('reports SERVING for "" and "plugin" on grpc.health.v1 and NOT_FOUND for other names', async () => {
    expect(await host.healthCheck('')).toBe('SERVING');
    expect(await host.healthCheck('plugin')).toBe('SERVING');
    await expect(host.healthCheck('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('answers QueryData with no queries', async () => {
    expect(await host.queryDataRaw({ pluginContext: pluginContext(settings), headers: {}, queries: [] })).toEqual({
      responses: {},
    });
  });

  it('answers an unknown query kind with a per-query error, not a failed call', async () => {
    const result = await host.queryData({ settings, queries: [{ refId: 'A', queryType: 'no-such-kind', json: {} }] });
    expect(Object.keys(result)).toEqual(['A']);
    expect(result.A.error).not.toBe('');
    expect(result.A.status).toBeGreaterThanOrEqual(400);
    expect(result.A.status).toBeLessThan(600);
    expect(['plugin', 'downstream']).toContain(result.A.errorSource);
    expect(result.A.frames).toEqual([]);
  });

  it('answers malformed query JSON with status 400 for that query only', async () => {
    const result = await host.queryData({
      settings,
      queries: [
        { refId: 'BAD', queryType: 'no-such-kind', json: Buffer.from('{"queryType": ') },
        { refId: 'OTHER', queryType: 'no-such-kind', json: {} },
      ],
    });
    expect(result.BAD).toMatchObject({ status: 400, errorSource: 'plugin' });
    expect(result.BAD.error).toMatch(/query BAD JSON is not valid JSON/);
    expect(result.OTHER.error).not.toMatch(/not valid JSON/);
  });

  it('answers alerting requests without a user (FromAlert header, service identity)', async () => {
    const result = await host.queryData({
      settings,
      user: null,
      headers: alertingHeaders(),
      queries: [{ refId: 'A', queryType: 'no-such-kind', json: {}, intervalMs: 1000, maxDataPoints: 43200 }],
    });
    expect(result.A.status).toBeGreaterThanOrEqual(200);
    expect(result.A.status).toBeLessThan(600);
    expect(await host.healthCheck('plugin')).toBe('SERVING');
  });

  it('accepts a 10 MB request and answers it', async () => {
    const padding = 'x'.repeat(10 * 1024 * 1024);
    const result = await host.queryData({
      settings,
      queries: [{ refId: 'BIG', queryType: 'no-such-kind', json: { padding } }],
    });
    expect(Object.keys(result)).toEqual(['BIG']);
    expect(result.BIG.status).toBeGreaterThanOrEqual(200);
    expect(await host.healthCheck('plugin')).toBe('SERVING');
  });

  it('answers invalid jsonData with clear per-query and health errors, and stays up', async () => {
    const broken = { uid: 'broken-settings', jsonData: Buffer.from('{"rpcUrl": '), lastUpdatedMS: 1 };
    const result = await host.queryData({ settings: broken, queries: [{ refId: 'A', queryType: 'no-such-kind' }] });
    expect(result.A).toMatchObject({ status: 400, errorSource: 'plugin' });
    expect(result.A.error).toMatch(/jsonData is not valid JSON/);
    const health = await host.checkHealth(broken);
    expect(health.status).toBe('ERROR');
    expect(health.message).toMatch(/jsonData is not valid JSON/);
    expect(await host.healthCheck('plugin')).toBe('SERVING');
  });

  it('answers CheckHealth', async () => {
    const health = await host.checkHealth(settings);
    expect(['OK', 'ERROR', 'UNKNOWN']).toContain(health.status);
    expect(health.message).not.toBe('');
  });

  it('answers CallResource with at least one stream message', async () => {
    const response = await host.callResource(settings, 'no-such-resource');
    expect(response.messages).toBeGreaterThanOrEqual(1);
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(600);
  });

  it('recreates the instance when lastUpdatedMS changes', async () => {
    await host.queryData({ settings: { ...settings, uid: 'versioned', lastUpdatedMS: 1 }, queries: [{ refId: 'A' }] });
    await host.queryData({ settings: { ...settings, uid: 'versioned', lastUpdatedMS: 2 }, queries: [{ refId: 'A' }] });
    const line = await host.waitForLog((log) => log['@message'] === 'Data source settings changed, replacing instance');
    expect(line).toMatchObject({ datasource_uid: 'versioned', previous_version: 1, version: 2 });
  });

  it('serves its own metrics in Prometheus text format', async () => {
    const text = await host.collectMetrics();
    expect(text).toMatch(/^# TYPE plugin_grpc_requests_total counter$/m);
    expect(text).toMatch(/^plugin_grpc_requests_total\{method="QueryData"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plugin_query_duration_seconds_bucket\{query_type="no-such-kind",le="\+Inf"\} [1-9]\d*$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
  });

  it('ignores SIGINT (Ctrl-C in Grafana terminal reaches the process group)', async () => {
    process.kill(host.pid, 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAlive(host.pid)).toBe(true);
    expect(await host.healthCheck('plugin')).toBe('SERVING');
  });

  it('writes only hclog JSON lines with 6-digit timestamps to stderr, nothing more to stdout', () => {
    expect(host.stderrLines.length).toBeGreaterThan(0);
    for (const line of host.stderrLines) {
      const record = JSON.parse(line);
      expect(['trace', 'debug', 'info', 'warn', 'error']).toContain(record['@level']);
      expect(typeof record['@message']).toBe('string');
      expect(record['@timestamp']).toMatch(HCLOG_TIMESTAMP);
    }
    expect(host.extraStdout).toBe('');
  });

  it('exits well inside 2 s after Shutdown, leaving no process behind', async () => {
    const result = await host.shutdown();
    process.stderr.write(`[protocol.test] exit ${result.elapsedMs.toFixed(0)} ms after Shutdown\n`);
    expect(result).toMatchObject({ exitedInTime: true, exit: { code: 0, signal: null }, leftover: [] });
  });
});

describe('start-up checks of the built executable', () => {
  it.each([
    ['a wrong magic cookie', { grafana_plugin_type: 'app' }, /not meant to be executed directly/],
    ['no magic cookie', { grafana_plugin_type: undefined }, /not meant to be executed directly/],
    ['a protocol list without 2', { PLUGIN_PROTOCOL_VERSIONS: '1,3' }, /protocol version 2.*"1,3"/],
  ])('exits 1 with a message on stderr for %s', async (_case, pluginEnv, message) => {
    const run = await runUntilHandshake({ pluginEnv, startTimeoutMs: 30_000 });
    expect(run.handshake).toBeUndefined();
    expect(run.exit).toEqual({ code: 1, signal: null });
    expect(run.restOfStdout).toBe('');
    expect(run.stderr.join('\n')).toMatch(message);
  });

  // Every harness start is like this one; here the process's own environment is read back.
  it("serves when started with Grafana 12.4+'s variables only: no host environment, no PATH, no node", async () => {
    const host = await PluginHost.start();
    try {
      const environ = readFileSync(`/proc/${host.pid}/environ`, 'utf8').split('\0').filter(Boolean);
      const names = environ.map((entry) => entry.slice(0, entry.indexOf('='))).sort();
      // GF_PLUGIN_INDEX_DIR: the harness's `[plugin.<id>] index_dir`, which Grafana passes as GF_PLUGIN_<KEY>;
      // MALLOC_ARENA_MAX: the launcher's (one glibc malloc arena unless the host sets a number).
      const expected = [
        ...Object.keys({ ...grafanaHostEnv(), ...grafanaPluginEnv() }),
        'GF_PLUGIN_INDEX_DIR',
        'MALLOC_ARENA_MAX',
      ];
      expect(names).toEqual(expected.sort());
      expect(names).not.toContain('PATH');
      expect(names).not.toContain('HOME');
      expect(await host.healthCheck('plugin')).toBe('SERVING');
    } finally {
      await host.kill();
    }
  });
});

describe('when Grafana goes away', () => {
  it('exits once its stderr pipe is broken, instead of running on as an orphan', async () => {
    const host = await PluginHost.start();
    try {
      host.child.stderr!.destroy();
      // The next log line hits the broken pipe; the call itself may be cut off by the exit.
      await host.queryData({ settings, queries: [{ refId: 'A', queryType: 'no-such-kind' }] }).catch(() => undefined);
      expect(await host.waitForExit(5000)).toEqual({ code: 1, signal: null });
    } finally {
      await host.kill();
    }
  });
});

describe('in-process server: handler isolation', () => {
  let server: PluginServer;
  let client: PluginClient;
  const disposed: string[] = [];
  const cancelled: string[] = [];
  const seen: Array<{ refId: string; ctx: Pick<RequestContext, 'fromAlert' | 'user'> }> = [];

  function testInstance(instanceSettings: InstanceSettings): DataSourceInstance {
    if ((instanceSettings.jsonData as { failCreate?: boolean }).failCreate) {
      throw new QueryError('settings rejected: rpcUrl is required');
    }
    return {
      async query(query, ctx) {
        seen.push({ refId: query.refId, ctx: { fromAlert: ctx.fromAlert, user: ctx.user } });
        switch (query.refId) {
          case 'SYNC_THROW':
            throw new TypeError('cannot read properties of undefined');
          case 'REJECT_STRING':
            return Promise.reject('a bare string');
          case 'LEAKY':
            throw new QueryError(`cannot reach ${instanceSettings.secureJsonData.rpcUrl}`, { source: 'downstream' });
          case 'DOWNSTREAM':
            throw new QueryError('RPC endpoint returned 503', { source: 'downstream', status: 503 });
          case 'WAIT_FOR_CANCEL':
            return new Promise((_resolve, reject) =>
              ctx.signal.addEventListener('abort', () => {
                cancelled.push(query.refId);
                reject(new QueryError('cancelled'));
              })
            );
          case 'BAD_FRAME':
            return [{ fields: [numberField('a', [1, 2]), numberField('b', [1])] }];
          default:
            return [
              {
                name: 'series',
                meta: { type: 'timeseries-multi', typeVersion: [0, 1] },
                fields: [
                  timeField('time', [1_700_000_000_000, 1_700_000_060_000]),
                  numberField('value', [1.5, null], { labels: { chain: 'arb' } }),
                  stringField('note', ['x', 'y']),
                ],
              },
            ];
        }
      },
      async checkHealth() {
        throw new Error('health exploded');
      },
      async callResource(request) {
        if (request.path === 'explode') {
          throw new Error('resource exploded');
        }
        return { status: 201, body: { path: request.path, echoed: request.body.toString() } };
      },
      dispose() {
        disposed.push(`${instanceSettings.uid}@${instanceSettings.lastUpdatedMS}`);
      },
    };
  }

  beforeAll(async () => {
    server = await startServer({
      createInstance: testInstance,
      logger: createLogger({ write: () => undefined }),
      port: 0,
    });
    client = new PluginClient(server.address, 30_000);
  });

  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it('keeps each query isolated: throwing handlers fail only their own query', async () => {
    const result = await client.queryData({
      settings,
      queries: ['OK', 'SYNC_THROW', 'REJECT_STRING', 'DOWNSTREAM', 'BAD_FRAME', 'OK2'].map((refId) => ({
        refId,
        queryType: 'test',
      })),
    });
    expect(result.OK).toMatchObject({ status: 200, error: '', errorSource: '' });
    expect(result.OK2.status).toBe(200);
    expect(result.SYNC_THROW).toMatchObject({
      status: 500,
      errorSource: 'plugin',
      error: 'internal plugin error: cannot read properties of undefined',
    });
    expect(result.REJECT_STRING).toMatchObject({ status: 500, error: 'internal plugin error: a bare string' });
    expect(result.DOWNSTREAM).toMatchObject({
      status: 503,
      errorSource: 'downstream',
      error: 'RPC endpoint returned 503',
    });
    expect(result.BAD_FRAME).toMatchObject({ status: 500, errorSource: 'plugin' });
    expect(result.BAD_FRAME.error).toMatch(/field "b" has 1 values, expected 2/);
  });

  it('redacts the data source secrets from error messages', async () => {
    const secretUrl = 'https://rpc.example/v3/0123456789abcdef';
    const result = await client.queryData({
      settings: { ...settings, uid: 'leaky', secureJsonData: { rpcUrl: secretUrl } },
      queries: [{ refId: 'LEAKY', queryType: 'test' }],
    });
    expect(result.LEAKY).toMatchObject({ status: 502, error: 'cannot reach [redacted]' });
  });

  it('sends frames Grafana can decode, with the query refId and data plane meta', async () => {
    const result = await client.queryData({ settings, queries: [{ refId: 'Q', queryType: 'test' }] });
    const [frame] = result.Q.frames;
    expect(frame).toMatchObject({
      name: 'series',
      refId: 'Q',
      meta: { type: 'timeseries-multi', typeVersion: [0, 1] },
    });
    expect(frame.fields.map((field) => [field.name, field.arrowType, field.values, field.labels])).toEqual([
      ['time', 'Timestamp<NANOSECOND>', [1_700_000_000_000, 1_700_000_060_000], undefined],
      ['value', 'Float64', [1.5, null], { chain: 'arb' }],
      ['note', 'Utf8', ['x', 'y'], undefined],
    ]);
  });

  it('passes the alerting context to the handler: fromAlert and no user', async () => {
    await client.queryData({
      settings,
      user: null,
      headers: { fromalert: 'true' },
      queries: [{ refId: 'ALERT', queryType: 'test' }],
    });
    expect(seen.find((entry) => entry.refId === 'ALERT')?.ctx).toEqual({ fromAlert: true, user: undefined });
  });

  it('reports a failing instance factory on every query and in health', async () => {
    const bad = { uid: 'bad', jsonData: { failCreate: true } };
    const result = await client.queryData({ settings: bad, queries: [{ refId: 'A' }, { refId: 'B' }] });
    expect(result.A).toMatchObject({ status: 400, error: 'settings rejected: rpcUrl is required' });
    expect(result.B).toMatchObject({ status: 400, error: 'settings rejected: rpcUrl is required' });
    expect(await client.checkHealth(bad)).toMatchObject({
      status: 'ERROR',
      message: 'settings rejected: rpcUrl is required',
    });
  });

  it('turns a throwing health check into status ERROR', async () => {
    expect(await client.checkHealth(settings)).toMatchObject({
      status: 'ERROR',
      message: 'internal plugin error: health exploded',
    });
  });

  it('answers resources with JSON bodies, and a throwing resource handler with one 500 message', async () => {
    const ok = await client.callResource(settings, 'echo', { body: { hi: 1 } });
    expect(ok).toMatchObject({ status: 201, messages: 1, headers: { 'Content-Type': ['application/json'] } });
    expect(ok.json()).toEqual({ path: 'echo', echoed: '{"hi":1}' });
    const failed = await client.callResource(settings, 'explode');
    expect(failed).toMatchObject({ status: 500, messages: 1 });
    expect(failed.json()).toEqual({ message: 'internal plugin error: resource exploded' });
  });

  it('aborts the handler signal when Grafana cancels the call', async () => {
    const impatient = new PluginClient(server.address, 300);
    try {
      await expect(
        impatient.queryData({ settings, queries: [{ refId: 'WAIT_FOR_CANCEL', queryType: 'test' }] })
      ).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    } finally {
      impatient.close();
    }
    const deadline = Date.now() + 5000;
    while (!cancelled.includes('WAIT_FOR_CANCEL') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(cancelled).toEqual(['WAIT_FOR_CANCEL']);
  });

  it('answers a request without plugin context with a per-query error', async () => {
    const response = await client.queryDataRaw({
      headers: {},
      queries: [{ refId: 'A', queryType: 'test', json: Buffer.from('{}') }],
    });
    expect(response.responses.A).toMatchObject({
      status: 400,
      errorSource: 'plugin',
      error: 'request has no data source instance settings',
      frames: [],
    });
  });

  it('disposes the old instance when settings change', async () => {
    await client.queryData({ settings: { uid: 'v', lastUpdatedMS: 1 }, queries: [{ refId: 'A' }] });
    await client.queryData({ settings: { uid: 'v', lastUpdatedMS: 2 }, queries: [{ refId: 'A' }] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(disposed).toContain('v@1');
    expect(disposed).not.toContain('v@2');
  });
});

describe('process guards (plugin process with a misbehaving test data source)', () => {
  it('logs unhandled rejections, uncaught exceptions and console/stdout output as hclog, and keeps serving', async () => {
    const host = await PluginHost.start({ entry: 'tests/support/misbehaving-plugin.ts' });
    try {
      const result = await host.queryData({ settings, queries: [{ refId: 'A', queryType: 'crash-later' }] });
      expect(result.A.status).toBe(200);
      await host.waitForLog((line) => line['@message'] === 'Unhandled promise rejection');
      await host.waitForLog((line) => line['@message'] === 'Uncaught exception');
      await host.waitForLog((line) => line['@message'] === 'library complaint' && line['@level'] === 'error');
      await host.waitForLog((line) => line['@message'] === 'stray console output' && line['@level'] === 'debug');
      await host.waitForLog((line) => line['@message'] === 'raw stdout write' && line.stream === 'stdout');
      expect(host.extraStdout).toBe('');
      expect(await host.healthCheck('plugin')).toBe('SERVING');
      const again = await host.queryData({ settings, queries: [{ refId: 'B', queryType: 'crash-later' }] });
      expect(again.B.status).toBe(200);
      expect((await host.shutdown()).leftover).toEqual([]);
    } finally {
      await host.kill();
    }
  });
});
