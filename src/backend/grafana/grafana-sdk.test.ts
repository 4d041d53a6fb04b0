/** @jest-environment node */
import { dataQueryFrom, instanceSettingsFrom, isFromAlert } from './convert';
import { QueryError, redactSecrets, toErrorReport } from './errors';
import { InstanceManager } from './instances';
import { createLogger, hclogTimestamp } from './logger';
import { MetricsRegistry } from './prometheus';
import { handshakeLine, handshakeProblem } from './plugin';
import type { DataSourceInstance, InstanceSettings } from './types';
import { dataSourceSettings, pluginContext } from '../../../harness/plugin-host';

describe('hclog logger', () => {
  it('formats @timestamp with exactly 6 fractional digits (Go layout 2006-01-02T15:04:05.000000Z07:00)', () => {
    expect(hclogTimestamp(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
    expect(hclogTimestamp(1_700_000_000_000_007)).toBe('2023-11-14T22:13:20.000007Z');
    expect(hclogTimestamp()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('writes one JSON object per line with level, message, timestamp and fields', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => lines.push(line) }).with({ chain: 'arb' });
    logger.debug('hidden');
    logger.warn('slow RPC', { tx_id: '0xab', refId: 'A', error: new Error('timeout'), '@message': 'clash', big: 5n });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const record = JSON.parse(lines[0]);
    expect(record).toMatchObject({
      '@level': 'warn',
      '@message': 'slow RPC',
      chain: 'arb',
      tx_id: '0xab',
      refId: 'A',
      error: 'timeout',
      message: 'clash',
      big: '5',
    });
    expect(record['@timestamp']).toMatch(/\.\d{6}Z$/);
  });

  it('keeps lines below the go-plugin line buffer by shortening oversized ones', () => {
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line) }).error('x'.repeat(100_000), { body: 'y'.repeat(100_000) });
    const record = JSON.parse(lines[0]);
    expect(lines[0].length).toBeLessThan(64 * 1024);
    expect(record['@level']).toBe('error');
    expect(record['@message']).toMatch(/^x+$/);
    expect(record.truncated).toMatch(/shortened/);
    expect(record.body).toBeUndefined();
  });
});

describe('metrics registry', () => {
  it('renders counters and histograms in Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const calls = registry.counter('rpc_calls_total', 'Calls.');
    calls.inc({ method: 'eth_call' });
    calls.inc({ method: 'eth_call' }, 2);
    calls.inc({ method: 'say "hi"' });
    expect(registry.counter('rpc_calls_total', 'Calls.')).toBe(calls);
    const latency = registry.histogram('latency_seconds', 'Latency.', [0.1, 1]);
    latency.observe({ kind: 'q' }, 0.5);
    latency.observe({ kind: 'q' }, 5);
    expect(registry.render()).toBe(
      [
        '# HELP rpc_calls_total Calls.',
        '# TYPE rpc_calls_total counter',
        'rpc_calls_total{method="eth_call"} 3',
        'rpc_calls_total{method="say \\"hi\\""} 1',
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{kind="q",le="0.1"} 0',
        'latency_seconds_bucket{kind="q",le="1"} 1',
        'latency_seconds_bucket{kind="q",le="+Inf"} 2',
        'latency_seconds_sum{kind="q"} 5.5',
        'latency_seconds_count{kind="q"} 2',
        '',
      ].join('\n')
    );
    expect(() => registry.counter('bad-name', 'x')).toThrow(/invalid metric name/);
  });

  it('samples counters and histograms at collection, after its hooks, waiting for them at most the timeout', async () => {
    const registry = new MetricsRegistry();
    let total = 1;
    registry.counterFrom('events_total', 'Events.', () => [{ labels: { chain: 'a' }, value: total }]);
    registry.histogramFrom('wait_seconds', 'Wait.', [1, 10], () => [
      { labels: { chain: 'a' }, cumulativeCounts: [1, 2], sum: 7, count: 3 },
    ]);
    registry.beforeCollect(async () => {
      total = 5;
    });
    registry.beforeCollect(() => Promise.reject(new Error('its own problem')));
    registry.beforeCollect(() => new Promise(() => undefined)); // never settles
    const started = Date.now();
    const text = await registry.collect(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(text).toBe(
      [
        '# HELP events_total Events.',
        '# TYPE events_total counter',
        'events_total{chain="a"} 5',
        '# HELP wait_seconds Wait.',
        '# TYPE wait_seconds histogram',
        'wait_seconds_bucket{chain="a",le="1"} 1',
        'wait_seconds_bucket{chain="a",le="10"} 2',
        'wait_seconds_bucket{chain="a",le="+Inf"} 3',
        'wait_seconds_sum{chain="a"} 7',
        'wait_seconds_count{chain="a"} 3',
        '',
      ].join('\n')
    );
  });
});

describe('request decoding', () => {
  it('decodes settings: jsonData bytes, secrets, uid, org, version', () => {
    const settings = instanceSettingsFrom(
      pluginContext({
        uid: 'u1',
        orgId: 3,
        jsonData: { rpcUrl: 'x' },
        secureJsonData: { apiKey: 's' },
        lastUpdatedMS: 42,
      })
    );
    expect(settings).toMatchObject({
      uid: 'u1',
      orgId: 3,
      jsonData: { rpcUrl: 'x' },
      secureJsonData: { apiKey: 's' },
      lastUpdatedMS: 42,
    });
  });

  it('reports invalid jsonData and missing settings as QueryError', () => {
    expect(() => instanceSettingsFrom(pluginContext({ uid: 'u', jsonData: Buffer.from('{nope') }))).toThrow(QueryError);
    expect(() => instanceSettingsFrom(null)).toThrow(/no data source instance settings/);
  });

  it('decodes queries and rejects malformed query JSON', () => {
    const wire = {
      refId: 'A',
      queryType: 'state',
      maxDataPoints: 100,
      intervalMS: 1000,
      timeRange: { fromEpochMS: 1, toEpochMS: 2 },
      json: Buffer.from('{"a":1}'),
    };
    expect(dataQueryFrom(wire)).toEqual({
      refId: 'A',
      queryType: 'state',
      maxDataPoints: 100,
      intervalMs: 1000,
      timeRange: { fromMs: 1, toMs: 2 },
      json: { a: 1 },
    });
    expect(() => dataQueryFrom({ ...wire, json: Buffer.from('[1,') })).toThrow(/query A JSON is not valid JSON/);
  });

  it('detects alerting requests whatever the case of FromAlert', () => {
    expect(isFromAlert({ FromAlert: 'true' })).toBe(true);
    expect(isFromAlert({ Fromalert: 'true' })).toBe(true);
    expect(isFromAlert({ fromalert: 'false' })).toBe(false);
    expect(isFromAlert({})).toBe(false);
  });
});

describe('errors', () => {
  it('maps QueryError and other throws to status and source', () => {
    expect(toErrorReport(new QueryError('down', { source: 'downstream' }))).toEqual({
      message: 'down',
      status: 502,
      source: 'downstream',
    });
    expect(toErrorReport(new QueryError('bad', {}))).toEqual({ message: 'bad', status: 400, source: 'plugin' });
    expect(toErrorReport(new QueryError('odd', { status: 42 })).status).toBe(400);
    expect(toErrorReport(new TypeError('x is undefined'))).toEqual({
      message: 'internal plugin error: x is undefined',
      status: 500,
      source: 'plugin',
    });
  });
});

describe('secret redaction', () => {
  it('removes secrets, as is and URL-encoded, from error messages', () => {
    const secrets = ['k3y/with+chars', 'abc'];
    expect(redactSecrets('GET https://rpc.example/k3y/with+chars failed', secrets)).toBe(
      'GET https://rpc.example/[redacted] failed'
    );
    expect(redactSecrets('url ?key=k3y%2Fwith%2Bchars', secrets)).toBe('url ?key=[redacted]');
    expect(redactSecrets('abc is too short to be a secret', secrets)).toBe('abc is too short to be a secret');
    expect(toErrorReport(new Error('fetch https://x/k3y/with+chars'), secrets).message).toBe(
      'internal plugin error: fetch https://x/[redacted]'
    );
  });
});

describe('handshake checks', () => {
  it('accepts protocol 2 in any position and rejects a wrong cookie or a list without 2', () => {
    expect(handshakeProblem({ grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2,1' })).toBeUndefined();
    expect(handshakeProblem({ grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '1, 2' })).toBeUndefined();
    expect(handshakeProblem({ grafana_plugin_type: 'app', PLUGIN_PROTOCOL_VERSIONS: '2' })).toMatch(
      /not meant to be executed directly/
    );
    expect(handshakeProblem({ grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '1,12' })).toMatch(
      /version 2/
    );
    expect(handshakeLine('127.0.0.1:1234')).toBe('1|2|tcp|127.0.0.1:1234|grpc\n');
  });
});

describe('instance manager', () => {
  const decoded: string[] = [];
  const get = (manager: InstanceManager, uid: string, lastUpdatedMS: number, orgId = 1) =>
    manager.get(orgId, uid, lastUpdatedMS, (): InstanceSettings => {
      decoded.push(`${orgId}/${uid}@${lastUpdatedMS}`);
      return instanceSettingsFrom(pluginContext({ uid, lastUpdatedMS }));
    });
  beforeEach(() => {
    decoded.length = 0;
  });

  it('keeps one instance per org, uid and version, disposing replaced ones', async () => {
    const created: string[] = [];
    const disposed: string[] = [];
    const manager = new InstanceManager(
      (s) => {
        const id = `${s.uid}@${s.lastUpdatedMS}`;
        created.push(id);
        return {
          query: async () => [],
          checkHealth: async () => ({ status: 'OK', message: id }),
          dispose: () => void disposed.push(id),
        } as DataSourceInstance;
      },
      createLogger({ write: () => undefined })
    );
    const first = await get(manager, 'a', 1);
    expect(await get(manager, 'a', 1)).toBe(first);
    await get(manager, 'b', 1);
    // Grafana keeps uids unique within an org only: the same uid in another org is another data source.
    expect(await get(manager, 'a', 1, 2)).not.toBe(first);
    const second = await get(manager, 'a', 2);
    expect(second).not.toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    expect(created).toEqual(['a@1', 'b@1', 'a@1', 'a@2']);
    // The settings of a version already running are not decoded again.
    expect(decoded).toEqual(['1/a@1', '1/b@1', '2/a@1', '1/a@2']);
    expect(disposed).toEqual(['a@1']);
    await manager.disposeAll();
    expect(disposed.sort()).toEqual(['a@1', 'a@1', 'a@2', 'b@1']);
  });

  it('does not cache a factory failure', async () => {
    let attempts = 0;
    const manager = new InstanceManager(
      () => {
        attempts++;
        throw new QueryError('bad settings');
      },
      createLogger({ write: () => undefined })
    );
    await expect(get(manager, 'a', 1)).rejects.toThrow('bad settings');
    await expect(get(manager, 'a', 1)).rejects.toThrow('bad settings');
    expect(attempts).toBe(2);
  });
});

it('harness builds the settings Grafana sends', () => {
  const wire = dataSourceSettings({ uid: 'x', jsonData: { a: 1 }, lastUpdatedMS: 7 });
  expect(JSON.parse(wire.jsonData.toString())).toEqual({ a: 1 });
  expect(wire.lastUpdatedMS).toBe(7);
});
