import { EventKind } from './events';
import type { EventTable } from './eventtable';
import { firstPosition } from '../chain';

/**
 * Upper bounds (s) of the resolution-time histogram: the guide's (prometheus_client's defaults) and more
 * above 10 s. With the guide's alone, histogram_quantile never exceeds 10, so its "p95 > 60 s" rule could
 * never fire; block times are whole seconds, so resolutions fall in the ≥ 1 s bounds.
 */
export const RESOLUTION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600,
];

/** Buffered → Ready times of the confirmed Ready events, as a cumulative histogram. */
export interface ResolutionHistogram {
  cumulativeCounts: number[];
  sum: number;
  count: number;
}

/** On-chain totals of the confirmed events (from startBlock), and their resolution times. */
export interface ConfirmedTotals {
  buffered: number;
  ready: number;
  failed: number;
  resolution: ResolutionHistogram;
}

/** Events (table positions from ≤ p < to) that the last advance confirmed, and which of them are new. */
export interface NewlyConfirmed {
  from: number;
  to: number;
  /** Positions before this one were indexed by the first complete sync (history): not news. */
  firstNew: number;
  /** This advance followed the first complete sync (the backfill). */
  first: boolean;
  /** Head block of the first complete sync: events up to it are history. */
  historyToBlock: number;
}

/**
 * Follows the events of a deployment's index that are at least `confirmations` deep: those are never
 * dropped by a reorg, so totals over them only grow, and each is seen exactly once. The counts come from
 * the index (what is on chain from startBlock), not from what this process happened to watch.
 */
export class ConfirmedEvents {
  private confirmedLength = 0;
  private historyToBlock?: number;
  private counts = { buffered: 0, ready: 0, failed: 0 };
  private resolution: ResolutionHistogram;
  private restoredDropped = false;

  /**
   * `dropped`: the totals of the events retention dropped before this process (the index's summary, see
   * `dropping`), read once when counting starts: the totals go on from them rather than from the kept events.
   */
  constructor(
    private readonly table: EventTable,
    private readonly buckets: readonly number[] = RESOLUTION_BUCKETS_SECONDS,
    private readonly dropped: () => ConfirmedTotals | undefined = () => undefined
  ) {
    this.resolution = emptyHistogram(buckets);
  }

  /**
   * Retention is about to drop the first `count` events (all confirmed): those not yet counted are counted
   * now, so the totals never go down. Returns `previous` (the dropped totals so far) with them added. A Ready
   * confirmed after its Buffered was dropped is counted but not timed.
   */
  dropping(count: number, previous: ConfirmedTotals | undefined): ConfirmedTotals {
    this.restoreDropped();
    const counted = Math.max(this.confirmedLength, count);
    this.forget(count);
    const into = previous
      ? copyTotals(previous)
      : { buffered: 0, ready: 0, failed: 0, resolution: emptyHistogram(this.buckets) };
    this.countRange(0, count, into, into.resolution);
    // A counted Ready that is kept while its Buffered goes has no resolution time after a restart: the summary
    // keeps the one it was counted with.
    const table = this.table;
    for (let position = count; position < counted; position++) {
      const resolution = table.kindAt(position) === EventKind.Ready ? table.resolutionAt(position) : null;
      if (resolution !== null && table.bufferedAt(table.txRefAt(position)) < count) {
        this.observe(resolution, into.resolution);
      }
    }
    return into;
  }

  /** The first `count` events go, confirmed: those not counted yet are counted now. */
  private forget(count: number): void {
    this.countRange(this.confirmedLength, count);
    this.confirmedLength = Math.max(this.confirmedLength, count) - count;
  }

  /**
   * The first `count` events were dropped by a drop `summary` already accounts for (a replay's, or one by the
   * writer of a shared store this process reads, which may have dropped events this process never saw): the
   * totals start again from the summary and the confirmed events kept, as a restart would count them. Never
   * lower: the summary holds every event dropped.
   */
  followDrop(count: number, summary: ConfirmedTotals): void {
    if (!this.restoredDropped) {
      return; // counting starts from the stored summary anyway
    }
    this.confirmedLength = Math.max(this.confirmedLength - count, 0);
    this.startFrom(summary);
    this.countRange(0, this.confirmedLength);
  }

  private restoreDropped(): void {
    if (this.restoredDropped) {
      return;
    }
    this.restoredDropped = true;
    const dropped = this.dropped();
    if (dropped) {
      this.startFrom(dropped);
    }
  }

  /** The totals become (a copy of) the dropped events' summary. */
  private startFrom(summary: ConfirmedTotals): void {
    const { resolution, ...counts } = copyTotals(summary);
    this.counts = counts;
    this.resolution = resolution;
  }

  /** Whether a sync has completed: before it, totals would grow with the backfill rather than with the chain. */
  get ready(): boolean {
    return this.historyToBlock !== undefined;
  }

  totals(): ConfirmedTotals {
    return copyTotals({ ...this.counts, resolution: this.resolution });
  }

  /**
   * After a complete sync that saw `headBlock`, with every block ≤ `confirmedToBlock` final: folds the
   * events newly confirmed into the totals and returns their positions (valid until the next sync).
   */
  advance(confirmedToBlock: number, headBlock: number): NewlyConfirmed {
    const first = this.historyToBlock === undefined;
    const historyToBlock = (this.historyToBlock ??= headBlock);
    this.restoreDropped();
    const table = this.table;
    const from = this.confirmedLength;
    // Blocks never decrease along the index: both bounds are binary searches, the counts ranks of the kind bits,
    // and only the Ready events are visited (a first sync confirms the whole backfill at once).
    const blockAfter = (bound: number) =>
      from + firstPosition(table.length - from, (i) => table.blockAt(from + i), bound, true);
    const to = blockAfter(confirmedToBlock);
    this.countRange(from, to);
    this.confirmedLength = to;
    const firstNew = Math.min(to, blockAfter(historyToBlock));
    return { from, to, firstNew, first, historyToBlock };
  }

  /** Adds one resolution time to `histogram` (cumulative buckets: every bound it does not exceed). */
  private observe(seconds: number, histogram: ResolutionHistogram): void {
    this.buckets.forEach((bound, index) => {
      if (seconds <= bound) {
        histogram.cumulativeCounts[index]++;
      }
    });
    histogram.sum += seconds;
    histogram.count++;
  }

  /** Counts the events at positions [from, to) into `counts` and their resolution times into `histogram`. */
  private countRange(from: number, to: number, counts = this.counts, histogram = this.resolution): void {
    if (to <= from) {
      return;
    }
    const table = this.table;
    counts.buffered += table.countBetween(EventKind.Buffered, from, to);
    counts.ready += table.countBetween(EventKind.Ready, from, to);
    counts.failed += table.countBetween(EventKind.Failed, from, to);
    // Per bucket first, cumulated once: a resolution counts in the first bucket whose bound it does not exceed.
    const perBucket = this.buckets.map(() => 0);
    const previousReady = table.previousOfKinds([EventKind.Ready]);
    for (let position = to; (position = previousReady(from, position)) >= 0;) {
      // The same resolution time as the metrics query's.
      const seconds = table.resolutionAt(position);
      if (seconds !== null) {
        const bucket = this.buckets.findIndex((bound) => seconds <= bound);
        if (bucket >= 0) {
          perBucket[bucket]++;
        }
        histogram.sum += seconds;
        histogram.count++;
      }
    }
    let cumulative = 0;
    perBucket.forEach((count, index) => {
      cumulative += count;
      histogram.cumulativeCounts[index] += cumulative;
    });
  }
}

function emptyHistogram(buckets: readonly number[]): ResolutionHistogram {
  return { cumulativeCounts: buckets.map(() => 0), sum: 0, count: 0 };
}

function copyTotals(totals: ConfirmedTotals): ConfirmedTotals {
  return { ...totals, resolution: { ...totals.resolution, cumulativeCounts: [...totals.resolution.cumulativeCounts] } };
}
