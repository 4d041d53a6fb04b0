/**
 * Every query kind through the real backend (started as Grafana starts it, over gRPC) against the devnet's
 * three deployments (TesseractSimple, TesseractBuffer, the published Vyper build) after simulated history;
 * every number is held against the simulator's ground-truth ledger. RPC goes through recording proxies
 * whose URLs carry a secret, which must never reach frames or logs.
 */
import { summarizeLedger, type LedgerEntry, type LedgerSummary } from '../../devnet';
import type { DecodedFrame } from '../../src/backend/grafana/frames';
import { PluginHost, type QueryInput, type QueryResult, type SettingsInput } from '../../harness/plugin-host';
import { startRpcProxy, type RpcProxy } from '../../harness/rpc-proxy';
import { startSimulatedDevnet, type SimulatedDevnet } from './datasource-support';
import { monitorSettings } from '../../harness/monitor';

const SECRET = 'sk_live_do_not_leak_42';
const WINDOW = 30;

let sim: SimulatedDevnet;
let host: PluginHost;
let settings: SettingsInput;
const proxies = new Map<string, RpcProxy>();

beforeAll(async () => {
  sim = await startSimulatedDevnet({ events: 1500, days: 1, seed: 4 });
  for (const deployment of sim.devnet.deployments) {
    proxies.set(deployment.name, await startRpcProxy(deployment.rpcUrl));
  }
  settings = monitorSettings(
    'tesseract-it',
    sim.devnet.deployments.map((deployment) => ({
      deployment,
      urls: [`${proxies.get(deployment.name)!.url}/v1/${SECRET}`],
    }))
  );
  host = await PluginHost.start(); // the built executable (npm test builds it first)
}, 170_000);

afterAll(async () => {
  await host?.kill();
  await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
  await sim?.devnet.stop();
});

async function query(json: Record<string, unknown>, extra: Partial<QueryInput> = {}): Promise<QueryResult> {
  const results = await host.queryData({ settings, queries: [{ refId: 'A', timeRange: sim.range, json, ...extra }] });
  return results.A;
}

function ok(result: QueryResult): DecodedFrame[] {
  expect(result.error).toBe('');
  expect(result.status).toBe(200);
  expect(JSON.stringify(result.frames, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(
    SECRET
  );
  return result.frames;
}

const names = () => sim.devnet.deployments.map((d) => d.name);
const truth = (deployment: string, fromMs = sim.range.fromMs, toMs = sim.range.toMs): LedgerSummary =>
  summarizeLedger(sim.entries, {
    deployment,
    fromTime: fromMs / 1000,
    toTime: toMs / 1000,
    coordinationWindow: WINDOW,
  });
const field = (frame: DecodedFrame, name: string) => {
  const found = frame.fields.find((f) => f.name === name);
  if (!found) {
    throw new Error(`frame ${frame.name} has no field ${name}: ${frame.fields.map((f) => f.name).join(', ')}`);
  }
  return found;
};
const nearestRank = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : null;
};

describe('metrics', () => {
  const METRICS = [
    'buffered',
    'ready',
    'failed',
    'executed',
    'pauses',
    'success_ratio',
    'failure_ratio',
    'buffered_rate',
    'resolution_p50',
    'resolution_p95',
    'resolution_p99',
    'pending',
    'awaiting_retry',
    'silent_failures',
    'failed_final',
  ];

  function windowValues(frames: DecodedFrame[]): Map<string, number | null> {
    const values = new Map<string, number | null>();
    for (const frame of frames) {
      expect(frame.meta?.type).toBe('numeric-multi');
      expect(frame.meta?.typeVersion).toEqual([0, 1]);
      expect(frame.fields).toHaveLength(1);
      const [value] = frame.fields;
      expect(value.type).toBe('number');
      expect(Object.keys(value.labels ?? {}).sort()).toEqual(['chain', 'chain_id', 'contract', 'metric']);
      values.set(`${value.labels!.chain} ${value.labels!.metric}`, value.values[0] as number | null);
    }
    return values;
  }

  function expectLedgerTruth(values: Map<string, number | null>, fromMs: number, toMs: number) {
    for (const name of names()) {
      const t = truth(name, fromMs, toMs);
      const got = (metric: string) => values.get(`${name} ${metric}`);
      expect([name, got('buffered'), got('ready'), got('failed'), got('pauses')]).toEqual([
        name,
        t.buffered,
        t.ready,
        t.failed,
        t.pauses,
      ]);
      expect([name, got('pending'), got('awaiting_retry'), got('silent_failures'), got('failed_final')]).toEqual([
        name,
        t.pending,
        t.awaitingRetry,
        t.expiredUnreported,
        t.pendingExpired - t.expiredUnreported,
      ]);
      expect(got('success_ratio')).toBe(t.buffered ? t.ready / t.buffered : null);
      expect(got('failure_ratio')).toBe(t.buffered ? t.failed / t.buffered : null);
      expect(got('buffered_rate')).toBeCloseTo(t.buffered / ((toMs + 1 - fromMs) / 60_000), 9);
      const seconds = t.resolutionTimes.map((r) => r.seconds);
      expect([name, got('resolution_p50'), got('resolution_p95'), got('resolution_p99')]).toEqual([
        name,
        nearestRank(seconds, 0.5),
        nearestRank(seconds, 0.95),
        nearestRank(seconds, 0.99),
      ]);
    }
  }

  it('window mode over the whole history equals the ledger on every deployment (Simple, Buffer, Vyper)', async () => {
    const frames = ok(await query({ queryType: 'metrics', metrics: METRICS, mode: 'window' }));
    const cold = proxies.get('optimism')!.counts();
    process.stderr.write(
      `cold metrics query (optimism, ${truth('optimism').transactions} txs): ${JSON.stringify(cold.byMethod)}, ${cold.httpRequests} HTTP\n`
    );
    expect(frames).toHaveLength(3 * METRICS.length);
    const values = windowValues(frames);
    expectLedgerTruth(values, sim.range.fromMs, sim.range.toMs);
    for (const name of names()) {
      // mark_executed logs nothing: executed comes from get_transaction_state of the range's ready txs.
      expect([name, values.get(`${name} executed`)]).toEqual([name, truth(name).executed]);
      expect(truth(name).buffered).toBeGreaterThan(100);
      // Over the whole history the states partition what was buffered: nothing counted twice, nothing lost.
      const states = ['ready', 'pending', 'awaiting_retry', 'silent_failures', 'failed_final'];
      const sum = states.reduce((total, metric) => total + (values.get(`${name} ${metric}`) ?? 0), 0);
      expect([name, sum]).toEqual([name, values.get(`${name} buffered`)]);
    }
    // The Buffer variant reverts its failure logs away: only the backlog shows them.
    expect(truth('arbitrum').failed).toBe(0);
    expect(truth('arbitrum').silentFailures + truth('arbitrum').pendingExpired).toBeGreaterThan(0);
    expect(truth('optimism').failed).toBeGreaterThan(0);
  });

  it('window mode over a sub-range clips counts and judges the backlog at the range end', async () => {
    const span = sim.range.toMs - sim.range.fromMs;
    const fromMs = sim.range.fromMs + Math.round(span * 0.3);
    const toMs = sim.range.fromMs + Math.round(span * 0.6);
    const frames = ok(
      await query({ queryType: 'metrics', metrics: METRICS, mode: 'window' }, { timeRange: { fromMs, toMs } })
    );
    expectLedgerTruth(windowValues(frames), fromMs, toMs);
  });

  it('timeseries mode gives one timeseries-multi frame per deployment × metric whose buckets add up to the ledger', async () => {
    const result = await query(
      { queryType: 'metrics', metrics: ['buffered', 'failed', 'ready_rate'], mode: 'timeseries' },
      { intervalMs: 60_000, maxDataPoints: 500 }
    );
    const frames = ok(result);
    expect(frames).toHaveLength(9);
    for (const frame of frames) {
      expect(frame.meta?.type).toBe('timeseries-multi');
      expect(frame.meta?.typeVersion).toEqual([0, 1]);
      const [time, value] = frame.fields;
      expect(time.type).toBe('time');
      expect(
        time.values.every((t, i) => t !== null && (i === 0 || (t as number) > (time.values[i - 1] as number)))
      ).toBe(true);
      expect(value.labels).toEqual(
        expect.objectContaining({
          chain: expect.any(String),
          chain_id: expect.any(String),
          contract: expect.any(String),
        })
      );
    }
    for (const name of names()) {
      const frameOf = (metric: string) =>
        frames.find((f) => f.fields[1].labels?.chain === name && f.fields[1].labels?.metric === metric)!;
      const sum = (metric: string) =>
        frameOf(metric).fields[1].values.reduce((a: number, v) => a + ((v as number) ?? 0), 0);
      expect([name, sum('buffered'), sum('failed')]).toEqual([name, truth(name).buffered, truth(name).failed]);
      expect(frameOf('ready_rate').fields[1].config).toEqual(
        expect.objectContaining({ unit: 'suffix: tx/min', displayNameFromDS: `${name} ready rate` })
      );
      // maxDataPoints 500 over a day: 5-minute buckets.
      const times = frameOf('buffered').fields[0].values as number[];
      expect(times[1] - times[0]).toBe(300_000);
    }
  });
});

describe('events', () => {
  it('lists every TransactionFailed with its reason, newest first, as the ledger logged them', async () => {
    const frames = ok(await query({ queryType: 'events', eventNames: ['TransactionFailed'], limit: 50000 }));
    expect(frames).toHaveLength(1);
    const table = frames[0];
    const chains = field(table, 'chain').values as string[];
    const reasons = field(table, 'reason').values as string[];
    for (const name of names()) {
      const byReason: Record<string, number> = {};
      chains.forEach((chain, i) => chain === name && (byReason[reasons[i]] = (byReason[reasons[i]] ?? 0) + 1));
      expect([name, byReason]).toEqual([name, truth(name).failedByReason]);
    }
    const times = field(table, 'time').values as number[];
    expect(times.every((t, i) => i === 0 || t <= times[i - 1])).toBe(true);
    expect(new Set(field(table, 'event').values)).toEqual(new Set(['TransactionFailed']));
    expect(field(table, 'text').values[0]).toMatch(/^tx_id 0x[0-9a-f]{8}…[0-9a-f]{4}, reason: \S/);
  });

  it('filters by tx_id, origin rollup and reason text; value format gives one labelled row per event', async () => {
    const buffer = sim.entries.find((e) => e.action === 'buffer' && e.outcome === 'mined' && e.crossRollup)!;
    const expected = sim.entries.filter((e) => e.txId === buffer.txId).flatMap((e) => e.events.map(() => e.deployment));
    const byTx = ok(await query({ queryType: 'events', txIds: [buffer.txId], limit: 100 }))[0];
    expect((field(byTx, 'chain').values as string[]).sort()).toEqual(expected.sort());

    const origin = buffer.buffer!.origin;
    const byOrigin = ok(await query({ queryType: 'events', originRollup: origin, limit: 50000 }))[0];
    const bufferedFrom = sim.entries.filter((e) => e.outcome === 'mined' && e.buffer?.origin === origin).length;
    expect(field(byOrigin, 'origin').values.every((o) => o === origin)).toBe(true);
    expect(byOrigin.fields[0].values).toHaveLength(bufferedFrom);

    const expired = ok(await query({ queryType: 'events', reasonContains: 'EXPIRED', limit: 50000, format: 'value' }));
    const expiredTruth = names().reduce((n, name) => n + (truth(name).failedByReason['Transaction expired'] ?? 0), 0);
    expect(expiredTruth).toBeGreaterThan(0);
    // One numeric-long frame: besides a row per event, one 0 per deployment that answered ("none here" is not
    // "no answer"), every string column a label.
    expect(expired.map((frame) => frame.meta?.type)).toEqual(['numeric-long']);
    const frame = expired[0];
    const values = field(frame, 'value').values as number[];
    const rows = values.map((value, row) => ({
      value,
      chain: field(frame, 'chain').values[row],
      event: field(frame, 'event').values[row],
      reason: field(frame, 'reason').values[row],
      txId: field(frame, 'tx_id').values[row] as string,
    }));
    const zeros = rows.filter((row) => row.value === 0);
    expect(zeros.map((row) => [row.chain, row.event, row.txId, row.reason])).toEqual(
      names().map((name) => [name, '', '', ''])
    );
    const events = rows.filter((row) => row.value !== 0);
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThanOrEqual(expiredTruth);
    for (const row of events) {
      expect(row).toEqual(
        expect.objectContaining({ value: 1, event: 'TransactionFailed', reason: 'Transaction expired' })
      );
      expect(row.txId).toMatch(/^0x[0-9a-f]{64}$/);
    }
  });
});

describe('transaction', () => {
  it('follows a cross-rollup tx_id on both legs with current state, resolution and failure reason', async () => {
    const legs = sim.entries.filter((e) => e.crossRollup && e.action === 'buffer' && e.outcome === 'mined');
    const txId = legs.find((leg) => legs.filter((other) => other.txId === leg.txId).length === 2)!.txId!;
    const frames = ok(await query({ queryType: 'transaction', txIds: [txId] }));
    const table = frames[0];
    const chains = field(table, 'chain').values as string[];
    expect(new Set(field(table, 'tx_id').values)).toEqual(new Set([txId]));
    for (const name of names()) {
      const entries = sim.entries.filter((e: LedgerEntry) => e.deployment === name && e.txId === txId);
      const rows = chains.flatMap((chain, i) => (chain === name ? [i] : []));
      const logged = entries.flatMap((e) => e.events.map((event) => event.name));
      const lastState = [...entries].reverse().find((e) => e.state !== undefined)?.state ?? 0;
      if (logged.length === 0) {
        expect(rows).toHaveLength(1); // one row with the state only
        expect(field(table, 'event').values[rows[0]]).toBeNull();
      } else {
        expect(rows.map((i) => field(table, 'event').values[i])).toEqual(logged);
      }
      for (const i of rows) {
        expect([name, field(table, 'state_raw').values[i]]).toEqual([name, lastState]);
      }
      const outcome = field(table, 'outcome').values[rows[0]];
      const expected: Record<number, string[]> = {
        0: ['not buffered'],
        2: ['pending', 'awaiting retry', 'failed', 'expired'],
        4: ['ready'],
        8: ['executed'],
      };
      expect([name, expected[lastState]]).toEqual([name, expect.arrayContaining([outcome])]);
      const ready = entries.find((e) => e.events.some((event) => event.name === 'TransactionReady'));
      const buffered = entries.find((e) => e.action === 'buffer' && e.outcome === 'mined');
      if (ready && buffered) {
        expect(field(table, 'resolution_seconds').values[rows[0]]).toBe(ready.blockTime - buffered.blockTime);
      }
    }
    // Both legs have events; the third deployment answers with its state only (UNKNOWN).
    expect(new Set(chains.filter((_, i) => field(table, 'event').values[i] !== null)).size).toBe(2);
    expect(new Set(chains)).toEqual(new Set(names()));
  });
});

describe('health', () => {
  it('reports every deployment: up, head, code, pause state where the ABI has it, and whether it accepts new txs', async () => {
    const table = ok(await query({ queryType: 'health', format: 'table' }))[0];
    const rowOf = (name: string) => (field(table, 'chain').values as string[]).indexOf(name);
    const value = (name: string, column: string) => field(table, column).values[rowOf(name)];
    for (const name of names()) {
      expect([
        name,
        value(name, 'up'),
        value(name, 'code_present'),
        value(name, 'coordination_window_seconds'),
      ]).toEqual([name, 1, 1, WINDOW]);
      const mined = sim.entries.filter(
        (e) => e.deployment === name && e.action === 'buffer' && e.outcome === 'mined'
      ).length;
      expect([name, value(name, 'transaction_count')]).toEqual([name, mined]);
      expect(value(name, 'last_error')).toBeNull();
    }
    // paused()/circuit_breaker_active() exist only in the Buffer ABI: not applicable elsewhere, not an error.
    expect([value('optimism', 'paused'), value('base', 'paused'), value('base', 'circuit_breaker_active')]).toEqual([
      null,
      null,
      null,
    ]);
    expect(value('arbitrum', 'circuit_breaker_active')).toBe(0);
    const pausedAtEnd =
      sim.entries
        .filter(
          (e) =>
            e.deployment === 'arbitrum' && e.outcome === 'mined' && (e.action === 'pause' || e.action === 'unpause')
        )
        .pop()?.action === 'pause';
    expect(value('arbitrum', 'paused')).toBe(pausedAtEnd ? 1 : 0);
    expect([value('optimism', 'accepting'), value('optimism', 'accepting_reason')]).toEqual([
      1,
      'accepts new transactions',
    ]);
    // The published Vyper build rejects every new tx, and the reason says why a fresh id "exists".
    expect([value('base', 'accepting'), value('base', 'accepting_reason')]).toEqual([
      0,
      expect.stringMatching(/^Transaction already exists, for a tx_id never used: the published Vyper build .*state 0/),
    ]);
    expect(value('arbitrum', 'accepting')).toBe(pausedAtEnd ? 0 : 1);
  });

  it('value format gives one numeric-multi frame per deployment for alert rules', async () => {
    const frames = ok(await query({ queryType: 'health', format: 'value', field: 'accepting' }));
    expect(frames.map((f) => [f.meta?.type, f.fields[0].labels?.chain, f.fields[0].name])).toEqual(
      names().map((name) => ['numeric-multi', name, 'accepting'])
    );
    expect(frames.find((f) => f.fields[0].labels?.chain === 'base')!.fields[0].values).toEqual([0]);
  });
});

describe('call', () => {
  it('runs a view of the ABI on every deployment as a number set, with typed arguments', async () => {
    const table = ok(await query({ queryType: 'call', functionName: 'transaction_count', args: [] }))[0];
    expect(table.fields.map((f) => [f.name, f.type])).toEqual([
      ['chain', 'string'],
      ['chain_id', 'string'],
      ['contract', 'string'],
      ['block', 'string'],
      ['value', 'number'],
    ]);
    const entry = sim.entries.find((e) => e.deployment === 'optimism' && e.state !== undefined && e.txId)!;
    const last = [...sim.entries]
      .reverse()
      .find((e) => e.deployment === 'optimism' && e.txId === entry.txId && e.state !== undefined)!;
    const state = ok(
      await query({
        queryType: 'call',
        deployments: ['optimism'],
        functionName: 'get_transaction_state',
        args: [entry.txId],
      })
    )[0];
    expect(field(state, 'value').values).toEqual([last.state]);
    const atBlock = ok(
      await query({
        queryType: 'call',
        deployments: ['optimism'],
        functionName: 'transaction_count',
        args: [],
        block: String(sim.devnet.deployments[0].deployBlock),
      })
    )[0];
    expect(field(atBlock, 'value').values).toEqual([0]);
  });

  it('answers unknown functions and bad arguments with a clear 400', async () => {
    const unknown = await query({
      queryType: 'call',
      deployments: ['optimism'],
      functionName: 'steal_funds',
      args: [],
    });
    expect([unknown.status, unknown.errorSource]).toEqual([400, 'plugin']);
    expect(unknown.error).toMatch(/"steal_funds" is not a view function .*transaction_count/);
    const badArg = await query({
      queryType: 'call',
      deployments: ['optimism'],
      functionName: 'get_transaction_state',
      args: ['0x12'],
    });
    expect([badArg.status, badArg.error]).toEqual([400, expect.stringMatching(/tx_id.*bytes32.*64 hex digits/)]);
    const invalid = await query({ queryType: 'metrics', metrics: ['nonsense'] });
    expect([invalid.status, invalid.errorSource]).toEqual([400, 'plugin']);
    expect(invalid.error).toMatch(/metric "nonsense" is unknown/);
  });
});

describe('variables, CheckHealth and refresh cost', () => {
  it('serves variables through the resource and as a query', async () => {
    const resource = async (body: unknown) => {
      const response = await host.callResource(settings, 'variables', { method: 'POST', body });
      expect(response.status).toBe(200);
      return response.json() as Array<{ text: string; value: string }>;
    };
    expect((await resource({ variable: 'deployments' })).map((v) => v.value)).toEqual(names());
    const reasons = new Set(names().flatMap((name) => Object.keys(truth(name).failedByReason)));
    expect(new Set((await resource({ variable: 'failureReasons' })).map((v) => v.value))).toEqual(reasons);
    const recent = await resource({ variable: 'txIds', limit: 5 });
    expect(recent).toHaveLength(5);
    expect(recent.every((v) => /^0x[0-9a-f]{64}$/.test(v.value))).toBe(true);
    expect((await resource({ variable: 'eventNames', deployments: ['arbitrum'] })).map((v) => v.value)).toContain(
      'EmergencyPause'
    );
    const frame = ok(await query({ queryType: 'variables', variable: 'rollups' }))[0];
    expect(frame.fields.map((f) => f.name)).toEqual(['text', 'value']);
    const rollups = new Set(sim.entries.flatMap((e) => (e.buffer ? [e.buffer.origin, e.buffer.target] : [])));
    expect(new Set(field(frame, 'value').values)).toEqual(rollups);
  });

  it('CheckHealth passes for every deployment with a line each', async () => {
    const health = await host.checkHealth(settings);
    expect(health.status).toBe('OK');
    const verbose = (health.details as { verboseMessage: string }).verboseMessage;
    for (const name of names()) {
      expect(verbose).toMatch(new RegExp(`^OK ${name}: chain \\d+, head \\d+, code present`, 'm'));
    }
    expect(JSON.stringify(health)).not.toContain(SECRET);
  });

  it('a warm refresh with no new block costs the head request alone, for every query kind', async () => {
    const txId = sim.entries.find(
      (e) => e.deployment === 'optimism' && e.action === 'buffer' && e.outcome === 'mined'
    )!.txId;
    const kinds: Record<string, Record<string, unknown>> = {
      metrics: {
        queryType: 'metrics',
        metrics: ['buffered', 'ready', 'failed', 'pending', 'silent_failures', 'resolution_p95'],
        mode: 'window',
      },
      'metrics+executed': { queryType: 'metrics', metrics: ['executed'], mode: 'window' },
      events: { queryType: 'events', limit: 100 },
      transaction: { queryType: 'transaction', txIds: [txId] },
      call: { queryType: 'call', functionName: 'transaction_count', args: [] },
      variables: { queryType: 'variables', variable: 'txIds' },
      health: { queryType: 'health', format: 'table' },
    };
    const costs: Record<string, Record<string, number>> = {};
    for (const [kind, json] of Object.entries(kinds)) {
      ok(await query(json)); // warm
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the shared-sync interval
      proxies.forEach((proxy) => proxy.resetCounts());
      ok(await query(json));
      const proxy = proxies.get('optimism')!;
      costs[kind] = { ...proxy.counts().byMethod, http: proxy.counts().httpRequests };
      // No new blocks since the warm-up: the head request finds the same block, and everything read at it is kept.
      expect([kind, proxy.counts().byMethod, proxy.counts().httpRequests]).toEqual([
        kind,
        { eth_getBlockByNumber: 1 },
        1,
      ]);
    }
    process.stderr.write(`warm refresh cost per deployment (optimism): ${JSON.stringify(costs)}\n`);
    const logs = host.stderrLines.join('\n');
    expect(logs).not.toContain(SECRET);
  });
});
