import type { MetricName } from '../../query';
import { firstPosition } from '../chain';
import { readyTxIds } from './eventqueries';
import { EventKind, type EventKindCode } from './events';
import { Stage, type EventTable, type StageCode } from './eventtable';
import { HeadPart, type HeadScope } from './headcache';

/**
 * Metric aggregation over time buckets. Times are unix seconds (block times). A query range
 * [fromMs, toMs] includes an event at t when fromMs ≤ t·1000 ≤ toMs. Buckets are aligned to multiples of
 * their width; the first and last are clipped to the range, so bucket counts add up to the range's count.
 */
export interface Buckets {
  readonly widthSeconds: number;
  /** Bucket start times (aligned, unix seconds); the series' time values. */
  readonly starts: readonly number[];
  /** Included range, seconds: [fromSeconds, endSeconds). */
  readonly fromSeconds: number;
  readonly endSeconds: number;
  /** The layout's identity, for what is kept by layout. */
  readonly key: string;
  /** Each bucket's end, clipped to the range. */
  readonly ends: readonly number[];
  /** Each bucket's included span in minutes (rates are per minute). */
  readonly spansMinutes: readonly number[];
  /** Each bucket's last included instant, where the backlog is judged (ranges have millisecond resolution). */
  readonly lastInstants: readonly number[];
}

/** A layout with what every deployment's aggregation derives from it, derived once a query. */
function layout(widthSeconds: number, starts: number[], fromSeconds: number, endSeconds: number): Buckets {
  const ends = starts.map((start) => Math.min(start + widthSeconds, endSeconds));
  return {
    widthSeconds,
    starts,
    fromSeconds,
    endSeconds,
    key: `${fromSeconds}|${endSeconds}|${widthSeconds}`,
    ends,
    spansMinutes: starts.map((start, k) => (ends[k] - Math.max(start, fromSeconds)) / 60),
    lastInstants: ends.map((end) => end - 0.001),
  };
}

const NICE_WIDTHS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
/** The most buckets a query may produce, whatever it asks for. */
export const MAX_BUCKETS = 50_000;

/** Bucket width: the query's override, else the panel interval, widened to fit maxDataPoints, rounded to a nice step. */
export function bucketWidthSeconds(
  bucketSeconds: number,
  intervalMs: number,
  maxDataPoints: number,
  fromMs: number,
  toMs: number
): number {
  const rangeSeconds = Math.max(1, (toMs - fromMs) / 1000);
  const floor = Math.ceil(rangeSeconds / MAX_BUCKETS);
  if (bucketSeconds > 0) {
    return Math.max(bucketSeconds, floor);
  }
  const wanted = Math.max(1, intervalMs / 1000, maxDataPoints > 0 ? rangeSeconds / maxDataPoints : 1, floor);
  return NICE_WIDTHS.find((width) => width >= wanted) ?? Math.ceil(wanted / 86400) * 86400;
}

export function makeBuckets(fromMs: number, toMs: number, widthSeconds: number): Buckets {
  const fromSeconds = fromMs / 1000;
  const endSeconds = (toMs + 1) / 1000;
  const first = Math.floor(fromSeconds / widthSeconds) * widthSeconds;
  const starts: number[] = [];
  for (let start = first; start < endSeconds; start += widthSeconds) {
    starts.push(start);
  }
  return layout(widthSeconds, starts, fromSeconds, endSeconds);
}

/** One bucket spanning the whole range: `window` mode. */
export function windowBucket(fromMs: number, toMs: number): Buckets {
  const fromSeconds = fromMs / 1000;
  const endSeconds = (toMs + 1) / 1000;
  return layout(endSeconds - fromSeconds, [fromSeconds], fromSeconds, endSeconds);
}

/** Nearest rank: the index (from 0) of the smallest of `count` sorted samples with at least q of them at or below it. */
export function nearestRank(count: number, q: number): number {
  return Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1));
}

/** Nearest-rank quantile of sorted samples; null for none. */
export function quantile(sorted: readonly number[], q: number): number | null {
  return sorted.length === 0 ? null : sorted[nearestRank(sorted.length, q)];
}

export interface MetricInput {
  /** Every indexed event of the deployment, in chain order, with the tx lifecycles. */
  events: EventTable;
  /** Current coordination_window() in seconds; null when unknown (silent failures then have no value). */
  coordinationWindow: number | null;
  /**
   * Whether a tx is executed, for ABIs without an execution event (mark_executed logs nothing): then
   * `executed` counts the Ready events of the bucket whose tx (packed tx_id) is now EXECUTED on chain.
   */
  isExecuted?: (txId: string) => boolean;
  /** The deployment's head scope, where scans and backlogs are kept for the head (none: computed every time). */
  headScope?: HeadScope;
}

/** Shared with the scans kept for the head (a series may be the kept counts themselves): read only. */
export type SeriesValues = ReadonlyArray<number | null>;

/** Whether a metric needs on-chain state per tx (and so the caller must supply isExecuted). */
export function needsExecutedStates(metrics: readonly MetricName[], events: EventTable): boolean {
  return metrics.includes('executed') && events.countOf(EventKind.Executed) === 0;
}

/**
 * States at each bucket's end of the txs still BUFFERED: with `ready`, all but pending_overdue (a part of pending)
 * partition every tx buffered so far.
 */
const BACKLOG_METRICS: ReadonlySet<MetricName> = new Set<MetricName>([
  'pending',
  'pending_overdue',
  'awaiting_retry',
  'silent_failures',
  'failed_final',
]);

/** Whether a metric needs coordination_window(): every backlog state depends on the deadline. */
export function needsCoordinationWindow(metrics: readonly MetricName[]): boolean {
  return metrics.some((metric) => BACKLOG_METRICS.has(metric));
}

type Backlog = Record<'pending' | 'pending_overdue' | 'awaiting_retry' | 'silent_failures' | 'failed_final', number[]>;

const QUANTILES: Partial<Record<MetricName, number>> = {
  resolution_p50: 0.5,
  resolution_p95: 0.95,
  resolution_p99: 0.99,
};

interface BucketCounts {
  buffered: number[];
  ready: number[];
  failed: number[];
  executed: number[];
  pauses: number[];
  /** Each bucket's first position, and the range's end after the last. */
  bounds: number[];
}

/**
 * Results of recent scans and backlogs, by bucket layout: the panels of one refresh share a range and mostly a
 * bucket width, so most of them reuse one scan. Keyed by the table's version too, so a changed table is
 * scanned again.
 */
const RECENT_RESULTS = new HeadPart<unknown>('metric scans', 16);

function remembered<T>(input: MetricInput, key: string, compute: () => T, part: HeadPart<unknown> = RECENT_RESULTS): T {
  const { events: table, headScope } = input;
  if (!headScope) {
    return compute();
  }
  return headScope.rememberForHead(part, `${table.length}|${table.revision}|${key}`, compute) as T;
}

/** One map a table version and question, numeric keys: the per-instant values of every layout of a head. */
const VALUES_BY_INSTANT = new HeadPart<Map<number, unknown>>('values by instant', 32);
/** Instants kept in one map before it starts over (a refresh asks about a thousand a layout). */
const MAX_INSTANTS = 100_000;

/** Values of one question at instants (or bucket starts), for one table version. */
interface InstantMemo<V> {
  /** The value kept for the instant, or undefined. */
  get(instant: number): V | undefined;
  /** Keeps and returns the value. */
  set(instant: number, value: V): V;
}

/**
 * A memo of `question`'s value at an instant (or bucket start) for this table version: looked up once a call, so
 * each instant costs a number-keyed lookup, not a key string, a least-recently-used move or a closure.
 */
function valuesByInstant<V>(input: MetricInput, question: string): InstantMemo<V> {
  const values = remembered(input, question, () => new Map<number, V>(), VALUES_BY_INSTANT) as Map<number, V>;
  return {
    get: (instant) => values.get(instant),
    set: (instant, value) => {
      if (values.size >= MAX_INSTANTS) {
        values.clear();
      }
      values.set(instant, value);
      return value;
    },
  };
}

/** Whether the range does not clip the bucket at `start`: it then holds the same positions in every layout of its width. */
const isWhole = (buckets: Buckets, start: number) =>
  start >= buckets.fromSeconds && start + buckets.widthSeconds <= buckets.endSeconds;

/** Computes the requested metrics for every bucket. */
export function aggregate(
  input: MetricInput,
  metrics: readonly MetricName[],
  buckets: Buckets
): Map<MetricName, SeriesValues> {
  const width = buckets.widthSeconds;
  const table = input.events;
  const { key: layoutKey, ends, spansMinutes, lastInstants } = buckets;
  // Executed counts read from on-chain state belong to this query's state lookup: never shared.
  const counts = needsExecutedStates(metrics, table)
    ? countBuckets(input, buckets)
    : remembered(input, `counts|${layoutKey}`, () => countBuckets({ ...input, isExecuted: undefined }, buckets));

  const wantsBacklog = needsCoordinationWindow(metrics);
  // pending_overdue visits the txs buffered within half a window of each instant: only when asked for.
  const overdue = metrics.includes('pending_overdue');
  const backlog = wantsBacklog
    ? remembered(input, `backlog|${input.coordinationWindow}|${overdue}|${layoutKey}`, () =>
        backlogAt(input, lastInstants, overdue)
      )
    : undefined;

  const result = new Map<MetricName, SeriesValues>();
  for (const metric of metrics) {
    result.set(metric, seriesOf(metric));
  }
  return result;

  function seriesOf(metric: MetricName): SeriesValues {
    const ratio = (numerator: number[]) =>
      numerator.map((value, k) => (counts.buffered[k] > 0 ? value / counts.buffered[k] : null));
    const rate = (values: number[]) => values.map((value, k) => (spansMinutes[k] > 0 ? value / spansMinutes[k] : null));
    switch (metric) {
      case 'buffered':
      case 'ready':
      case 'failed':
      case 'executed':
      case 'pauses':
        return counts[metric];
      case 'buffered_rate':
        return rate(counts.buffered);
      case 'ready_rate':
        return rate(counts.ready);
      case 'failed_rate':
        return rate(counts.failed);
      case 'success_ratio':
        return ratio(counts.ready);
      case 'failure_ratio':
        return ratio(counts.failed);
      case 'resolution_p50':
      case 'resolution_p95':
      case 'resolution_p99': {
        const q = QUANTILES[metric] as number;
        const quantileOf = (k: number) => resolutionQuantile(table, counts.bounds[k], counts.bounds[k + 1], q);
        if (buckets.starts.length === 1) {
          return [quantileOf(0)];
        }
        // A bucket the range does not clip covers the same positions in every layout of its width.
        const byStart = valuesByInstant<number | null>(input, `quantile|${q}|${width}`);
        return buckets.starts.map((start, k) => {
          if (!isWhole(buckets, start)) {
            return quantileOf(k);
          }
          const known = byStart.get(start);
          return known !== undefined ? known : byStart.set(start, quantileOf(k));
        });
      }
      case 'pending':
      case 'awaiting_retry':
        return backlog![metric];
      case 'pending_overdue':
      case 'silent_failures':
      case 'failed_final':
        return input.coordinationWindow === null ? ends.map(() => null) : backlog![metric];
    }
  }
}

/** Nearest-rank quantile of the resolution times of the Ready events at positions [from, to); null for none. */
function resolutionQuantile(table: EventTable, from: number, to: number, q: number): number | null {
  const count = table.resolutionCount(from, to);
  if (count === 0) {
    return null;
  }
  return table.resolutionRank(from, to, nearestRank(count, q));
}

/** The kinds countBuckets counts, in BucketCounts' order. */
const COUNTED_KINDS: readonly EventKindCode[] = [
  EventKind.Buffered,
  EventKind.Ready,
  EventKind.Failed,
  EventKind.Executed,
  EventKind.Pause,
];

/**
 * Counts per kind per bucket from the kind bits: each bucket is a run of positions (block times never decrease),
 * found by binary search, so the cost grows with the buckets, not with the events in them. Only `executed` from
 * on-chain states visits the bucket's Ready events.
 */
function countBuckets(input: MetricInput, buckets: Buckets): BucketCounts {
  const n = buckets.starts.length;
  const width = buckets.widthSeconds;
  const base = buckets.starts[0];
  const table = input.events;
  const from = table.firstAtOrAfter(buckets.fromSeconds);
  const to = table.firstAtOrAfter(buckets.endSeconds);
  const bucketOf = (t: number) => Math.min(n - 1, Math.floor((t - base) / width));
  const [buffered, ready, failed, executed, pauses] = COUNTED_KINDS.map(() => new Array<number>(n));
  const bounds = [from];
  // A bucket the range does not clip holds the same positions in every layout of its width.
  const byStart = n > 1 ? valuesByInstant<number[]>(input, `counts|${width}`) : undefined;
  /** [end, ...counts in COUNTED_KINDS' order] of bucket k, which starts at position `start`. */
  const measure = (k: number, start: number) => {
    const end = k === n - 1 ? to : start + firstPosition(to - start, (i) => bucketOf(table.timeAt(start + i)), k + 1);
    return [end, ...COUNTED_KINDS.map((kind) => table.countBetween(kind, start, end))];
  };
  for (let k = 0; k < n; k++) {
    const start = bounds[k];
    const unclipped = byStart && isWhole(buckets, buckets.starts[k]);
    const counted = unclipped
      ? (byStart.get(buckets.starts[k]) ?? byStart.set(buckets.starts[k], measure(k, start)))
      : measure(k, start);
    bounds.push(counted[0]);
    buffered[k] = counted[1];
    ready[k] = counted[2];
    failed[k] = counted[3];
    executed[k] = counted[4];
    pauses[k] = counted[5];
  }
  if (input.isExecuted) {
    const previousReady = table.previousOfKinds([EventKind.Ready]);
    for (let k = 0; k < n; k++) {
      for (let i = bounds[k + 1]; (i = previousReady(bounds[k], i)) >= 0;) {
        const ref = table.txRefAt(i);
        if (ref !== 0 && input.isExecuted(table.txId(ref))) {
          executed[k]++;
        }
      }
    }
  }
  return { buffered, ready, failed, executed, pauses, bounds };
}

/** Most tx states looked up per query for `executed` (mark_executed logs nothing, so state is the only trace). */
export const MAX_EXECUTED_LOOKUPS = 5000;

/** The tx_ids whose states `executed` needs: the newest MAX_EXECUTED_LOOKUPS ready in the range, and whether that cut any. */
export function executedLookups(table: EventTable, buckets: Buckets): { txIds: string[]; capped: boolean } {
  const txIds = readyTxIds(table, buckets.fromSeconds, buckets.endSeconds, MAX_EXECUTED_LOOKUPS + 1);
  return { txIds: txIds.slice(-MAX_EXECUTED_LOOKUPS), capped: txIds.length > MAX_EXECUTED_LOOKUPS };
}

/** The smallest whole deadline base v with T not past v + window: bases below it have expired by T. */
function expiredBelow(instant: number, window: number): number {
  let base = Math.max(0, Math.ceil(instant - window) - 1);
  while (instant > base + window) {
    base++;
  }
  while (base > 0 && !(instant > base - 1 + window)) {
    base--;
  }
  return base;
}

/**
 * At each instant T, every tx buffered at or before T and not ready by T (failures leave the state alone) is in
 * exactly one state, by whether T is past its deadline and whether a TransactionFailed was logged by T: pending
 * (neither), awaiting_retry (a failed dependency check, still retriable), silent_failures (expired with no failure
 * logged: on TesseractBuffer, where failure logs are reverted away, every expiry) and failed_final (expired after a
 * logged failure: never retried in time). So ready + these four = buffered, counted from the start of the index.
 * pending_overdue is the part of pending buffered more than half the coordination window before T: the warning
 * before a silent expiry.
 *
 * With B, R, F, D = buffered, ready, failed, expired by T, and X = B ∧ ¬R: pending = X − X∧F − X∧D + X∧F∧D,
 * awaiting_retry = X∧F − X∧F∧D, silent = X∧D − X∧F∧D, failed_final = X∧F∧D; each term is a difference of two
 * stages (B, B∧R, B∧F, B∧F∧R) reached by T, and with D those whose deadline base is below a threshold: a rank in
 * the stage's ranked sequence. So each instant costs O(log n), whatever the history. pending_overdue subtracts the
 * pending txs buffered within the last half window, which it visits.
 */
function backlogAt(input: MetricInput, instants: readonly number[], overdue: boolean): Backlog {
  const n = instants.length;
  // Sized up front: grown by push, each array would be copied as it grows, for every deployment and layout.
  const backlog: Backlog = {
    pending: new Array<number>(n),
    pending_overdue: new Array<number>(n),
    awaiting_retry: new Array<number>(n),
    silent_failures: new Array<number>(n),
    failed_final: new Array<number>(n),
  };
  // States at an instant depend only on the events up to it: kept by table version, window and instant, so a
  // refresh whose range moved on computes only its last bucket's (bucket ends are aligned).
  const statesAt = valuesByInstant<number[]>(input, `states|${input.coordinationWindow}|${overdue}`);
  for (let k = 0; k < n; k++) {
    const instant = instants[k];
    const states = statesAt.get(instant) ?? statesAt.set(instant, computeStatesAt(input, instant, overdue));
    backlog.pending[k] = states[0];
    backlog.awaiting_retry[k] = states[1];
    backlog.silent_failures[k] = states[2];
    backlog.failed_final[k] = states[3];
    backlog.pending_overdue[k] = states[4];
  }
  return backlog;
}

/** [pending, awaiting_retry, silent_failures, failed_final, pending_overdue] at the instant. */
function computeStatesAt(input: MetricInput, instant: number, overdue: boolean): number[] {
  const table = input.events;
  const window = input.coordinationWindow;
  const before = table.firstAfter(instant);
  const reached = [Stage.Buffered, Stage.BufferedReady, Stage.BufferedFailed, Stage.BufferedFailedReady].map((stage) =>
    table.reachedBefore(stage, before)
  );
  const threshold = window === null ? 0 : expiredBelow(instant, window);
  const expired = reached.map((count, stage) =>
    window === null ? 0 : table.baseBelow(stage as StageCode, count, threshold)
  );
  const active = reached[0] - reached[1];
  const activeFailed = reached[2] - reached[3];
  const activeExpired = expired[0] - expired[1];
  const activeFailedExpired = expired[2] - expired[3];
  const pending = active - activeFailed - activeExpired + activeFailedExpired;
  return [
    pending,
    activeFailed - activeFailedExpired,
    activeExpired - activeFailedExpired,
    activeFailedExpired,
    window === null || !overdue ? 0 : pending - recentlyPending(table, instant, before, window / 2),
  ];
}

/** Txs pending at T whose first Buffered (before position `before`) is at most `halfWindow` before T. */
function recentlyPending(table: EventTable, instant: number, before: number, halfWindow: number): number {
  const from = firstPosition(before, (position) => table.timeAt(position) + halfWindow, instant);
  const by = (position: number) => position >= 0 && table.timeAt(position) <= instant;
  let count = 0;
  const previousBuffered = table.previousOfKinds([EventKind.Buffered]);
  for (let i = before; (i = previousBuffered(from, i)) >= 0;) {
    const ref = table.txRefAt(i);
    if (
      ref !== 0 &&
      table.bufferedAt(ref) === i &&
      !by(table.readyAt(ref)) &&
      !by(table.failedAt(ref)) &&
      !(instant > table.deadlineOf(ref, halfWindow * 2))
    ) {
      count++;
    }
  }
  return count;
}
