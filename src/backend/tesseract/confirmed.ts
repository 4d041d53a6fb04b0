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
  private readonly counts = { buffered: 0, ready: 0, failed: 0 };
  private readonly resolution: ResolutionHistogram;

  constructor(
    private readonly table: EventTable,
    private readonly buckets: readonly number[] = RESOLUTION_BUCKETS_SECONDS
  ) {
    this.resolution = { cumulativeCounts: buckets.map(() => 0), sum: 0, count: 0 };
  }

  /** Whether a sync has completed: before it, totals would grow with the backfill rather than with the chain. */
  get ready(): boolean {
    return this.historyToBlock !== undefined;
  }

  totals(): ConfirmedTotals {
    return {
      ...this.counts,
      resolution: { ...this.resolution, cumulativeCounts: [...this.resolution.cumulativeCounts] },
    };
  }

  /**
   * After a complete sync that saw `headBlock`, with every block ≤ `confirmedToBlock` final: folds the
   * events newly confirmed into the totals and returns their positions (valid until the next sync).
   */
  advance(confirmedToBlock: number, headBlock: number): NewlyConfirmed {
    const first = this.historyToBlock === undefined;
    const historyToBlock = (this.historyToBlock ??= headBlock);
    const table = this.table;
    const from = this.confirmedLength;
    // Blocks never decrease along the index: both bounds are binary searches, the counts ranks of the kind bits,
    // and only the Ready events are visited (a first sync confirms the whole backfill at once).
    const blockAfter = (bound: number) =>
      from + firstPosition(table.length - from, (i) => table.blockAt(from + i), bound, true);
    const to = blockAfter(confirmedToBlock);
    this.counts.buffered += table.countBetween(EventKind.Buffered, from, to);
    this.counts.ready += table.countBetween(EventKind.Ready, from, to);
    this.counts.failed += table.countBetween(EventKind.Failed, from, to);
    this.observeResolutions(from, to);
    this.confirmedLength = to;
    const firstNew = Math.min(to, blockAfter(historyToBlock));
    return { from, to, firstNew, first, historyToBlock };
  }

  /** Folds the resolution times of the Ready events at positions [from, to) into the histogram. */
  private observeResolutions(from: number, to: number): void {
    const histogram = this.resolution;
    // Per bucket first, cumulated once: a resolution counts in the first bucket whose bound it does not exceed.
    const perBucket = this.buckets.map(() => 0);
    for (let position = to; (position = this.table.previousOfKinds([EventKind.Ready], from, position)) >= 0;) {
      // The same resolution time as the metrics query's.
      const seconds = this.table.resolutionAt(position);
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
