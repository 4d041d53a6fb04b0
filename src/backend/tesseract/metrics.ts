import type { MetricName } from '../../query';
import { firstPosition } from '../chain';
import { EventKind } from './events';
import type { EventTable } from './eventtable';
import { HeadPart, type HeadScope } from './headcache';
import { expiryTime } from './lifecycle';

/**
 * Metric aggregation over time buckets. Times are unix seconds (block times). A query range
 * [fromMs, toMs] includes an event at t when fromMs ≤ t·1000 ≤ toMs. Buckets are aligned to multiples of
 * their width; the first and last are clipped to the range, so bucket counts add up to the range's count.
 */
export interface Buckets {
  widthSeconds: number;
  /** Bucket start times (aligned, unix seconds); the series' time values. */
  starts: number[];
  /** Included range, seconds: [fromSeconds, endSeconds). */
  fromSeconds: number;
  endSeconds: number;
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
  return { widthSeconds, starts, fromSeconds, endSeconds };
}

/** One bucket spanning the whole range: `window` mode. */
export function windowBucket(fromMs: number, toMs: number): Buckets {
  const fromSeconds = fromMs / 1000;
  const endSeconds = (toMs + 1) / 1000;
  return { widthSeconds: endSeconds - fromSeconds, starts: [fromSeconds], fromSeconds, endSeconds };
}

/** Nearest rank: the smallest sample with at least q of the samples at or below it; null for none. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) {
    return null;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
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

export type SeriesValues = Array<number | null>;

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
  /** Resolution times of each bucket's Ready events, sorted. */
  resolutions: number[][];
}

/**
 * Results of recent scans and backlogs, by bucket layout: the panels of one refresh share a range and mostly a
 * bucket width, so most of them reuse one scan. Keyed by the table's version too, so a changed table is
 * scanned again.
 */
const RECENT_RESULTS = new HeadPart<unknown>('metric scans', 16);

function remembered<T>(input: MetricInput, key: string, compute: () => T): T {
  const { events: table, headScope } = input;
  if (!headScope) {
    return compute();
  }
  return headScope.rememberForHead(RECENT_RESULTS, `${table.length}|${table.revision}|${key}`, compute) as T;
}

const layoutKey = (buckets: Buckets) => `${buckets.fromSeconds}|${buckets.endSeconds}|${buckets.widthSeconds}`;

/** Computes the requested metrics for every bucket. */
export function aggregate(
  input: MetricInput,
  metrics: readonly MetricName[],
  buckets: Buckets
): Map<MetricName, SeriesValues> {
  const width = buckets.widthSeconds;
  const table = input.events;
  // Executed counts read from on-chain state belong to this query's state lookup: never shared.
  const counts = needsExecutedStates(metrics, table)
    ? countBuckets(input, buckets)
    : remembered(input, `counts|${layoutKey(buckets)}`, () =>
        countBuckets({ ...input, isExecuted: undefined }, buckets)
      );

  const ends = buckets.starts.map((start) => Math.min(start + width, buckets.endSeconds));
  const spansMinutes = buckets.starts.map((start, k) => (ends[k] - Math.max(start, buckets.fromSeconds)) / 60);
  const wantsBacklog = needsCoordinationWindow(metrics);
  // The backlog is judged at each bucket's last included instant (ranges have millisecond resolution).
  const backlog = wantsBacklog
    ? remembered(input, `backlog|${input.coordinationWindow}|${layoutKey(buckets)}`, () =>
        backlogAt(
          input,
          ends.map((end) => end - 0.001)
        )
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
        return [...counts[metric]];
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
      case 'resolution_p99':
        return counts.resolutions.map((samples) => quantile(samples, QUANTILES[metric] as number));
      case 'pending':
      case 'awaiting_retry':
        return [...backlog![metric]];
      case 'pending_overdue':
      case 'silent_failures':
      case 'failed_final':
        return input.coordinationWindow === null ? ends.map(() => null) : [...backlog![metric]];
    }
  }
}

/** One pass over the range's events: counts per kind and resolution times, per bucket. */
function countBuckets(input: MetricInput, buckets: Buckets): BucketCounts {
  const n = buckets.starts.length;
  const width = buckets.widthSeconds;
  const base = buckets.starts[0];
  const counts: BucketCounts = {
    buffered: new Array<number>(n).fill(0),
    ready: new Array<number>(n).fill(0),
    failed: new Array<number>(n).fill(0),
    executed: new Array<number>(n).fill(0),
    pauses: new Array<number>(n).fill(0),
    resolutions: Array.from({ length: n }, () => []),
  };
  const bucketOf = (t: number) =>
    t < buckets.fromSeconds || t >= buckets.endSeconds ? -1 : Math.min(n - 1, Math.floor((t - base) / width));

  // Only the events of the range, straight from the columns: a 1 h panel must not walk the whole history.
  const table = input.events;
  const { timestamps, kinds, txRefs } = table;
  for (let i = table.firstAtOrAfter(buckets.fromSeconds); i < table.length; i++) {
    const t = timestamps.get(i);
    if (t >= buckets.endSeconds) {
      break;
    }
    const k = bucketOf(t);
    if (k < 0) {
      continue;
    }
    switch (kinds.get(i)) {
      case EventKind.Buffered:
        counts.buffered[k]++;
        break;
      case EventKind.Ready: {
        counts.ready[k]++;
        const ref = txRefs.get(i);
        const resolution = table.resolutionAt(i);
        if (resolution !== null) {
          counts.resolutions[k].push(resolution);
        }
        if (input.isExecuted && ref !== 0 && input.isExecuted(table.txId(ref))) {
          counts.executed[k]++;
        }
        break;
      }
      case EventKind.Failed:
        counts.failed[k]++;
        break;
      case EventKind.Executed:
        counts.executed[k]++;
        break;
      case EventKind.Pause:
        counts.pauses[k]++;
        break;
    }
  }
  for (const samples of counts.resolutions) {
    samples.sort((a, b) => a - b);
  }
  return counts;
}

/** First index i with sorted[i] ≥ value (or > value when strict). */
function lowerBound(sorted: readonly number[], value: number, strict = false): number {
  return firstPosition(sorted.length, (i) => sorted[i], value, strict);
}

/**
 * At each instant T (ascending), every tx buffered at or before T and not ready by T (failures leave the state
 * alone) is in exactly one state, by whether T is past its deadline and whether a TransactionFailed was logged
 * by T: pending (neither), awaiting_retry (a failed dependency check, still retriable), silent_failures (expired
 * with no failure logged: on TesseractBuffer, where failure logs are reverted away, every expiry) and
 * failed_final (expired after a logged failure: never retried in time). So ready + these four = buffered, counted
 * from the start of the index. pending_overdue is the part of pending buffered more than half the coordination
 * window before T: the warning before a silent expiry. One pass with difference arrays: O(txs · log instants).
 */
function backlogAt(input: MetricInput, instants: readonly number[]): Backlog {
  const n = instants.length;
  const diffs = {
    pending: new Array<number>(n + 1).fill(0),
    pending_overdue: new Array<number>(n + 1).fill(0),
    awaiting_retry: new Array<number>(n + 1).fill(0),
    silent_failures: new Array<number>(n + 1).fill(0),
    failed_final: new Array<number>(n + 1).fill(0),
  };
  const halfWindow = input.coordinationWindow === null ? Infinity : input.coordinationWindow / 2;
  const during = (diff: number[], from: number, to: number) => {
    if (from < to) {
      diff[from]++;
      diff[to]--;
    }
  };
  const table = input.events;
  const { timestamps, declaredTimes } = table;
  const timeOf = (position: number) => (position < 0 ? Infinity : timestamps.get(position));
  for (let ref = 1; ref <= table.txCount; ref++) {
    const buffered = table.bufferedAt(ref);
    if (buffered < 0) {
      continue;
    }
    const declared = declaredTimes.get(buffered);
    const deadline = expiryTime(
      Number.isNaN(declared) ? null : declared,
      timestamps.get(buffered),
      input.coordinationWindow
    );
    const from = lowerBound(instants, timestamps.get(buffered)); // first T ≥ buffered time
    const to = lowerBound(instants, timeOf(table.readyAt(ref))); // first T ≥ ready time: READY by then
    const expiry = Math.max(from, lowerBound(instants, deadline, true)); // first T > deadline
    const failed = Math.max(from, lowerBound(instants, timeOf(table.failedAt(ref)))); // first failure logged by then
    const overdue = Math.max(from, lowerBound(instants, timestamps.get(buffered) + halfWindow, true));
    during(diffs.pending, from, Math.min(to, expiry, failed));
    during(diffs.pending_overdue, overdue, Math.min(to, expiry, failed));
    during(diffs.awaiting_retry, failed, Math.min(to, expiry));
    during(diffs.silent_failures, expiry, Math.min(to, failed));
    during(diffs.failed_final, Math.max(expiry, failed), to);
  }
  const running = (diff: number[]) => {
    let sum = 0;
    return diff.slice(0, n).map((change) => (sum += change));
  };
  return {
    pending: running(diffs.pending),
    pending_overdue: running(diffs.pending_overdue),
    awaiting_retry: running(diffs.awaiting_retry),
    silent_failures: running(diffs.silent_failures),
    failed_final: running(diffs.failed_final),
  };
}
