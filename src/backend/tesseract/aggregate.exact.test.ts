/** @jest-environment node */
import { Prng } from '../../../devnet/prng';
import type { MetricName } from '../../query';
import { EventKind, TesseractEvent, type EventKindCode } from './events';
import { EventTable } from './eventtable';
import { aggregate, makeBuckets, windowBucket, type Buckets } from './aggregate';
import { HeadScope } from './headcache';

/** Kept answers across the history's growth and truncations, as a deployment keeps them for one head. */
const headScope = new HeadScope();
headScope.enter('head');

/**
 * The fast aggregation (kind bits, ranked sequences) against a recomputation from the raw events that shares
 * none of its code: a seeded history with dependencies, declared expiries, failures with several reasons,
 * retries, pauses, bursts, executions and reorg truncations, built incrementally with the truncations applied
 * to the table as they happen.
 */

const NAMES: Record<number, string> = {
  [EventKind.Buffered]: 'TransactionBuffered',
  [EventKind.Ready]: 'TransactionReady',
  [EventKind.Failed]: 'TransactionFailed',
  [EventKind.Pause]: 'EmergencyPause',
  [EventKind.Unpause]: 'EmergencyUnpause',
  [EventKind.Executed]: 'TransactionExecuted',
};
const REASONS = ['Dependencies not satisfied', 'Transaction expired', 'Circuit breaker active', 'Invalid rollup'];
const txWord = (n: number) => `tx${n}`.padEnd(32, '.');

interface Raw {
  kind: EventKindCode;
  time: number;
  tx: string | null;
  at: number | null;
}

const METRICS: MetricName[] = [
  'buffered',
  'ready',
  'failed',
  'pauses',
  'executed',
  'buffered_rate',
  'ready_rate',
  'failed_rate',
  'success_ratio',
  'failure_ratio',
  'resolution_p50',
  'resolution_p95',
  'resolution_p99',
  'pending',
  'pending_overdue',
  'awaiting_retry',
  'silent_failures',
  'failed_final',
];

function history(seed: number): { raw: Raw[]; table: EventTable; truncations: number } {
  const prng = new Prng(seed);
  const table = new EventTable();
  let raw: Raw[] = [];
  let truncations = 0;
  let answeredEarly = false;
  let time = 1_700_000_000;
  let block = 1;
  let nextTx = 0;
  const open: number[] = [];
  const push = (kind: EventKindCode, tx: number | null, at: number | null = null, dependency: number | null = null) => {
    const event = new TesseractEvent(
      block,
      raw.length,
      time,
      kind,
      NAMES[kind] ?? 'SomethingElse',
      'h'.repeat(32),
      tx === null ? null : txWord(tx),
      null,
      null,
      dependency === null ? null : txWord(dependency),
      kind === EventKind.Failed ? prng.pick(REASONS) : null,
      null,
      at
    );
    table.push(event);
    raw.push({ kind, time, tx: event.txId, at });
  };
  while (raw.length < 6000) {
    if (raw.length === 5000 && !answeredEarly) {
      // Answers kept from a shorter history must still hold once it grew (no reorg after this).
      const range = makeBuckets(1_700_000_000_000, 1_700_200_000_000, 600);
      for (const window of [null, 45, 600]) {
        aggregate({ events: table, coordinationWindow: window, headScope }, METRICS, range);
      }
      answeredEarly = true;
    }
    // Bursts: several events in one block; otherwise 0-40 s to the next block.
    if (!prng.chance(0.3)) {
      time += prng.int(0, 40);
      block++;
    }
    const roll = prng.next();
    if (roll < 0.35 || open.length === 0) {
      const tx = nextTx++;
      const declared = prng.chance(0.2) ? null : time + prng.int(-60, 30);
      const dependency = nextTx > 1 && prng.chance(0.3) ? prng.int(0, nextTx - 2) : null;
      push(EventKind.Buffered, tx, declared, dependency);
      open.push(tx);
    } else if (roll < 0.55) {
      push(EventKind.Failed, prng.pick(open)); // a failed check: the tx stays BUFFERED, maybe retried
    } else if (roll < 0.8) {
      const index = prng.int(0, open.length - 1);
      push(EventKind.Ready, open[index]);
      open.splice(index, 1);
    } else if (roll < 0.84) {
      push(EventKind.Ready, prng.pick(open.length > 0 ? open : [0])); // a second Ready: no new resolution
    } else if (roll < 0.88) {
      push(EventKind.Ready, 100_000 + nextTx); // buffered before the start block
    } else if (roll < 0.9) {
      push(EventKind.Failed, nextTx); // failed before it is buffered: the next tx buffered
    } else if (roll < 0.93) {
      push(prng.chance(0.5) ? EventKind.Pause : EventKind.Unpause, null);
    } else if (roll < 0.96) {
      push(EventKind.Executed, prng.int(0, nextTx));
    } else if (roll < 0.97) {
      push(EventKind.Other, prng.int(0, nextTx));
    } else if (roll < 0.985 && raw.length > 100 && raw.length < 5000) {
      // A reorg: the newest blocks go, the chain goes on from the last kept block time.
      const keep = raw.length - prng.int(1, 80);
      table.truncate(keep);
      raw = raw.slice(0, keep);
      time = raw[keep - 1].time;
      truncations++;
    }
  }
  return { raw, table, truncations };
}

/** Straight from the definitions in README.md, one bucket at a time. */
function bruteForce(raw: Raw[], buckets: Buckets, window: number | null) {
  const firsts = new Map<string, number>();
  raw.forEach((e, i) => {
    if (e.tx !== null && !firsts.has(`${e.kind}|${e.tx}`)) {
      firsts.set(`${e.kind}|${e.tx}`, i);
    }
  });
  const first = (kind: EventKindCode, tx: string) => firsts.get(`${kind}|${tx}`) ?? -1;
  const txs = [...new Set(raw.filter((e) => e.tx !== null).map((e) => e.tx as string))];
  const lifecycles = txs.map((tx) => ({
    b: first(EventKind.Buffered, tx),
    r: first(EventKind.Ready, tx),
    f: first(EventKind.Failed, tx),
  }));
  const timeOf = (i: number) => (i < 0 ? Infinity : raw[i].time);
  return buckets.starts.map((start) => {
    const lo = Math.max(start, buckets.fromSeconds);
    const hi = Math.min(start + buckets.widthSeconds, buckets.endSeconds);
    const inside = raw.map((e, i) => ({ e, i })).filter(({ e }) => e.time >= lo && e.time < hi);
    const count = (kind: EventKindCode) => inside.filter(({ e }) => e.kind === kind).length;
    const resolutions = inside
      .filter(({ e, i }) => e.kind === EventKind.Ready && first(EventKind.Ready, e.tx!) === i)
      .map(({ e, i }) => ({ e, i, b: first(EventKind.Buffered, e.tx!) }))
      .filter(({ b, i }) => b >= 0 && b < i)
      .map(({ e, b }) => e.time - raw[b].time)
      .sort((x, y) => x - y);
    const rank = (q: number) =>
      resolutions.length === 0 ? null : resolutions[Math.max(1, Math.ceil(q * resolutions.length)) - 1];
    const T = hi - 0.001;
    const states = { pending: 0, pending_overdue: 0, awaiting_retry: 0, silent_failures: 0, failed_final: 0 };
    for (const { b, r, f } of lifecycles) {
      if (b < 0 || raw[b].time > T || timeOf(r) <= T) {
        continue;
      }
      const failedBy = timeOf(f) <= T;
      const expired = window !== null && T > (raw[b].at ?? raw[b].time) + window;
      if (expired) {
        states[failedBy ? 'failed_final' : 'silent_failures']++;
      } else if (failedBy) {
        states.awaiting_retry++;
      } else {
        states.pending++;
        if (window !== null && T > raw[b].time + window / 2) {
          states.pending_overdue++;
        }
      }
    }
    const buffered = count(EventKind.Buffered);
    const minutes = (hi - lo) / 60;
    return {
      buffered,
      ready: count(EventKind.Ready),
      failed: count(EventKind.Failed),
      pauses: count(EventKind.Pause),
      executed: count(EventKind.Executed),
      buffered_rate: minutes > 0 ? buffered / minutes : null,
      ready_rate: minutes > 0 ? count(EventKind.Ready) / minutes : null,
      failed_rate: minutes > 0 ? count(EventKind.Failed) / minutes : null,
      success_ratio: buffered > 0 ? count(EventKind.Ready) / buffered : null,
      failure_ratio: buffered > 0 ? count(EventKind.Failed) / buffered : null,
      resolution_p50: rank(0.5),
      resolution_p95: rank(0.95),
      resolution_p99: rank(0.99),
      ...states,
      ...(window === null ? { pending_overdue: null, silent_failures: null, failed_final: null } : {}),
    };
  });
}

describe('aggregation equals a recomputation from the raw events', () => {
  it.each([7])('on a randomized history with truncations (seed %i)', (seed) => {
    const { raw, table, truncations } = history(seed);
    expect(table.length).toBe(raw.length);
    expect(truncations).toBeGreaterThan(3);
    const start = raw[0].time * 1000;
    const end = raw[raw.length - 1].time * 1000;
    const layouts: Buckets[] = [
      makeBuckets(start - 5000, end + 5000, 600),
      // Moved on by less than a bucket, as a refresh's range: the unclipped buckets' values are the kept ones.
      makeBuckets(start - 5000 + 250_000, end + 5000 + 250_000, 600),
      makeBuckets(start + 123_456, end - 98_765, 60),
      makeBuckets(start, end, 97),
      windowBucket(start, end),
      windowBucket(start + (end - start) / 3, end - (end - start) / 3),
    ];
    for (const window of [null, 45, 600]) {
      for (const buckets of layouts) {
        const fast = aggregate({ events: table, coordinationWindow: window, headScope }, METRICS, buckets);
        const expected = bruteForce(raw, buckets, window);
        for (const metric of METRICS) {
          const values = fast.get(metric)!;
          expect({ metric, window, values }).toEqual({
            metric,
            window,
            values: expected.map((bucket) => bucket[metric as keyof typeof bucket]),
          });
        }
        if (window === 45 && buckets.widthSeconds === 600) {
          // The history reaches every state somewhere.
          for (const metric of ['pending_overdue', 'awaiting_retry', 'silent_failures', 'failed_final'] as const) {
            expect(Math.max(...(fast.get(metric) as number[]))).toBeGreaterThan(0);
          }
        }
      }
    }
  });
});
