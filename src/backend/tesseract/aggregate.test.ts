/** @jest-environment node */
import { Prng } from '../../../devnet/prng';
import type { MetricName } from '../../query';
import { EventKind, TesseractEvent, type EventKindCode } from './events';
import { EventTable } from './eventtable';
import { deadline, resolutionSeconds } from './lifecycle';
import { aggregate, bucketWidthSeconds, makeBuckets, quantile, windowBucket } from './aggregate';

let logIndex = 0;
function event(
  kind: EventKindCode,
  tx: string,
  time: number,
  extra: { at?: number; reason?: string } = {}
): TesseractEvent {
  const names = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed', 'EmergencyPause'];
  const id = kind === EventKind.Pause ? null : tx.padEnd(32, '.');
  return new TesseractEvent(
    time,
    logIndex++,
    time,
    kind,
    names[kind],
    'h'.repeat(32),
    id,
    null,
    null,
    null,
    extra.reason ?? null,
    null,
    extra.at ?? null
  );
}
const buffered = (tx: string, time: number, declared = time) => event(EventKind.Buffered, tx, time, { at: declared });
const ready = (tx: string, time: number) => event(EventKind.Ready, tx, time);
const failed = (tx: string, time: number, reason = 'Transaction expired') =>
  event(EventKind.Failed, tx, time, { reason });

const ms = (seconds: number) => seconds * 1000;

describe('buckets', () => {
  it('derives the width from the interval and maxDataPoints, rounded to a nice step', () => {
    expect(bucketWidthSeconds(0, 1000, 43200, 0, ms(600))).toBe(1); // alerting defaults over 10 min
    expect(bucketWidthSeconds(0, 20_000, 1000, 0, ms(3600))).toBe(30);
    expect(bucketWidthSeconds(0, 1000, 100, 0, ms(3600))).toBe(60);
    expect(bucketWidthSeconds(45, 1000, 100, 0, ms(3600))).toBe(45);
  });

  it('aligns buckets to their width and clips the ends to the range', () => {
    const buckets = makeBuckets(ms(1005), ms(1125), 60);
    expect(buckets.starts).toEqual([960, 1020, 1080]);
    expect(buckets.fromSeconds).toBe(1005);
  });
});

describe('aggregate', () => {
  // Window 30 s. a: ready after 10 s; b: ready after 40 s; c: failed (logged, stays BUFFERED, expires at
  // 1040 reported); f: never resolved nor failed (expires unreported at 1042); d: never resolved (expires
  // at 1130); e: buffered before the range, ready inside it (its resolution counts, its Buffered does not).
  const events = [
    buffered('e', 900, 1010),
    buffered('a', 1000),
    buffered('b', 1005),
    buffered('c', 1010),
    ready('a', 1010),
    buffered('f', 1012),
    failed('c', 1020, 'Dependencies not satisfied'),
    ready('e', 1030),
    ready('b', 1045),
    buffered('d', 1090, 1100),
    event(EventKind.Pause, '', 1100),
  ];
  const input = { events: EventTable.from(events), coordinationWindow: 30 };
  const all: MetricName[] = [
    'buffered',
    'ready',
    'failed',
    'pauses',
    'buffered_rate',
    'success_ratio',
    'failure_ratio',
    'resolution_p50',
    'resolution_p99',
    'pending',
    'silent_failures',
  ];
  // Buckets [960, 1020), [1020, 1080), [1080, 1139.001): the last one is clipped to the range end.
  const result = aggregate(input, all, makeBuckets(ms(960), ms(1139), 60));

  it('counts, rates and ratios per bucket, clipped to the range', () => {
    expect(result.get('buffered')).toEqual([4, 0, 1]); // e (900) is before the range
    expect(result.get('ready')).toEqual([1, 2, 0]);
    expect(result.get('failed')).toEqual([0, 1, 0]);
    expect(result.get('pauses')).toEqual([0, 0, 1]);
    const rate = result.get('buffered_rate')!;
    expect(rate.slice(0, 2)).toEqual([4, 0]);
    expect(rate[2]).toBeCloseTo(1 / (59.001 / 60), 6);
    expect(result.get('success_ratio')).toEqual([1 / 4, null, 0]);
    expect(result.get('failure_ratio')).toEqual([0, null, 0]);
  });

  it('pairs Ready with its Buffered by tx_id for resolution quantiles, even across the range start', () => {
    expect(result.get('resolution_p50')).toEqual([10, 40, null]); // a 10 | b 40, e 130 (nearest rank)
    expect(result.get('resolution_p99')).toEqual([10, 130, null]);
  });

  it('tracks the BUFFERED backlog at each bucket end: pending until ready or past the deadline, then silent', () => {
    // At 1020: b, c, e and f are BUFFERED; a is ready. c's failure does not change its state.
    expect(result.get('pending')).toEqual([4, 0, 0]);
    // At 1080 c and f are BUFFERED past their deadlines, but only f expired without a failure log;
    // d (declared 1100 + 30 s) joins f by the range end.
    expect(result.get('silent_failures')).toEqual([0, 1, 2]);
  });

  it('gives one value over the whole range in window mode (a ratio of sums, not a mean of ratios)', () => {
    const window = aggregate(input, all, windowBucket(ms(1000), ms(1199)));
    expect(window.get('buffered')).toEqual([5]);
    expect(window.get('success_ratio')).toEqual([3 / 5]);
    expect(window.get('buffered_rate')![0]).toBeCloseTo(5 / (199.001 / 60), 6);
    expect(window.get('silent_failures')).toEqual([2]);
  });

  it('judges the backlog at the last included instant: a deadline equal to the range end is still pending', () => {
    const atDeadline = aggregate(input, ['pending', 'silent_failures'], windowBucket(ms(1000), ms(1130)));
    expect([atDeadline.get('pending'), atDeadline.get('silent_failures')]).toEqual([[1], [1]]); // d pending, f silent
    const after = aggregate(input, ['pending', 'silent_failures'], windowBucket(ms(1000), ms(1131)));
    expect([after.get('pending'), after.get('silent_failures')]).toEqual([[0], [2]]);
  });

  it('counts pending transactions buffered more than half the window ago with no failure logged as overdue', () => {
    // Half of the 30 s window is 15 s. At 1020: e (buffered 900, due 1040) is overdue; b is exactly 15 s
    // old; c logged its failure at 1020. At 1021 b joins; at 1030 e is ready and f (1012) joins; by 1043
    // b and f are past their deadlines (silent, not overdue).
    const overdueAt = (end: number) => aggregate(input, ['pending_overdue'], windowBucket(ms(1000), ms(end)));
    expect([1020, 1021, 1030, 1043].map((end) => overdueAt(end).get('pending_overdue'))).toEqual([[1], [2], [2], [0]]);
    const unknownWindow = aggregate(
      { ...input, coordinationWindow: null },
      ['pending_overdue'],
      windowBucket(0, ms(1020))
    );
    expect(unknownWindow.get('pending_overdue')).toEqual([null]);
  });

  it('has no silent-failure value when the coordination window is unknown', () => {
    const unknownWindow = aggregate(
      { ...input, coordinationWindow: null },
      ['silent_failures', 'pending'],
      windowBucket(ms(1000), ms(1199))
    );
    expect(unknownWindow.get('silent_failures')).toEqual([null]);
    expect(unknownWindow.get('pending')).toEqual([2]); // d and f; c failed, so it awaits a retry
  });

  it('tells a failed dependency check (awaiting retry, then failed for good) apart from pending', () => {
    const backlog: MetricName[] = ['pending', 'awaiting_retry', 'silent_failures', 'failed_final'];
    // At 1030 c's failure is logged and its deadline (1040) not passed; at 1139 it has expired unretried.
    const values = (toSeconds: number) => {
      const result = aggregate(input, backlog, windowBucket(ms(1000), ms(toSeconds)));
      return backlog.map((metric) => result.get(metric)![0]);
    };
    expect(values(1030)).toEqual([2, 1, 0, 0]); // b and f pending, c awaiting retry
    expect(values(1139)).toEqual([0, 0, 2, 1]); // f and d silent, c failed (final)
  });

  it('counts executed from on-chain state when the ABI has no execution event', () => {
    const executed = aggregate(
      { ...input, isExecuted: (tx) => tx.startsWith('a') },
      ['executed'],
      windowBucket(ms(900), ms(1199))
    );
    expect(executed.get('executed')).toEqual([1]);
  });
});

describe('backlog states', () => {
  it.each([1, 2, 3, 4, 5])(
    'ready + pending + awaiting_retry + silent_failures + failed_final = buffered at every bucket end (seed %i)',
    (seed) => {
      const prng = new Prng(seed); // a failure names its history
      const random = () => prng.next();
      const window = 40;
      const history: TesseractEvent[] = [];
      // Simple logs its failures (dependency checks, expiries) and leaves the tx BUFFERED; Buffer reverts them away.
      const logsFailures = seed % 2 === 1;
      for (let tx = 0; tx < 300; tx++) {
        const id = `t${tx}`;
        let time = 1000 + Math.floor(random() * 2000);
        history.push(buffered(id, time, time + Math.floor(random() * 20) - 10));
        for (let attempt = 0; attempt < 3 && random() < 0.6; attempt++) {
          time += 1 + Math.floor(random() * 30);
          if (logsFailures && random() < 0.5) {
            history.push(failed(id, time, 'Dependencies not satisfied'));
          } else if (random() < 0.5) {
            history.push(ready(id, time));
            break;
          }
        }
      }
      history.sort((a, b) => a.timestamp - b.timestamp);
      const input = { events: EventTable.from(history), coordinationWindow: window, isExecuted: () => true };
      const metrics: MetricName[] = [
        'buffered',
        'ready',
        'executed',
        'pending',
        'awaiting_retry',
        'silent_failures',
        'failed_final',
      ];
      const result = aggregate(input, metrics, makeBuckets(ms(900), ms(3200), 60));
      const series = (metric: MetricName) => result.get(metric) as number[];
      let bufferedSoFar = 0;
      let readySoFar = 0;
      series('buffered').forEach((count, k) => {
        bufferedSoFar += count;
        readySoFar += series('ready')[k];
        const states = ['pending', 'awaiting_retry', 'silent_failures', 'failed_final'] as const;
        expect(readySoFar + states.reduce((sum, metric) => sum + series(metric)[k], 0)).toBe(bufferedSoFar);
        expect(series('executed')[k]).toBeLessThanOrEqual(series('ready')[k]); // executed txs are ready ones
      });
      expect(bufferedSoFar).toBe(300);
      // Every state occurs in these histories (failure states only where failures are logged).
      for (const metric of ['pending', 'silent_failures'] as const) {
        expect(Math.max(...series(metric))).toBeGreaterThan(0);
      }
      for (const metric of ['awaiting_retry', 'failed_final'] as const) {
        expect(Math.max(...series(metric)) > 0).toBe(logsFailures);
      }
    }
  );
});

describe('shared scans', () => {
  it('reuses a scan for the same buckets only while the table is unchanged, reorgs included', () => {
    const table = EventTable.from([buffered('a', 1000), ready('a', 1010), buffered('b', 1020)]);
    const input = { events: table, coordinationWindow: 30 };
    const buckets = makeBuckets(ms(960), ms(1139), 60);
    const first = aggregate(input, ['buffered', 'pending'], buckets);
    expect(aggregate(input, ['buffered', 'pending'], buckets)).toEqual(first);
    table.push(buffered('c', 1030));
    expect(aggregate(input, ['buffered'], buckets).get('buffered')).toEqual([1, 2, 0]);
    table.truncate(3); // a reorg drops c, and a different event takes its place: same length, new content
    table.push(failed('b', 1030, 'Dependencies not satisfied'));
    const afterReorg = aggregate(input, ['buffered', 'failed', 'pending'], buckets);
    expect([afterReorg.get('buffered'), afterReorg.get('failed')]).toEqual([
      [1, 1, 0],
      [0, 1, 0],
    ]);
    expect(afterReorg.get('pending')).toEqual(first.get('pending'));
  });
});

describe('lifecycle', () => {
  it('pairs by tx_id: failures, resolution time, deadline from the declared timestamp', () => {
    const table = EventTable.from([buffered('a', 10), failed('a', 15), ready('a', 25), buffered('b', 10, 12)]);
    const a = table.lifecycle(table.txRef('a'.padEnd(32, '.')))!;
    const b = table.lifecycle(table.txRef('b'.padEnd(32, '.')))!;
    expect([a.failures, a.failed?.reason, resolutionSeconds(a)]).toEqual([1, 'Transaction expired', 15]);
    expect([resolutionSeconds(b), deadline(b, 30), deadline(b, null)]).toEqual([null, 42, Infinity]);
  });

  it('takes quantiles by nearest rank', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(quantile([5], 0.99)).toBe(5);
  });
});
