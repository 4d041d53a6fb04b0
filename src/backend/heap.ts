import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A soft budget for the V8 heap. A backfill parses eth_getLogs replies of up to ~10k logs (~20 MB of objects
 * each) that survive long enough to be promoted; V8, seeing plenty of memory, lets the old generation grow to
 * several times what is live before collecting, and RSS never comes back down. Collecting after a large reply
 * once the heap passes the budget keeps RSS near what the index really holds (`npm run bench`, 1M events: peak
 * RSS 376 MB without, 276 MB with; backfill 14 s → 18–28 s on 2 busy cores). No hard cap, so never an OOM.
 */
const SOFT_HEAP_BUDGET_BYTES = 48 * 1024 * 1024;

let collect: (() => void) | undefined;

/** Makes full collections available to trimHeap; the executable calls it once at start. */
export function enableHeapTrimming(): void {
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as () => void;
}

/** A full collection when the heap has outgrown the budget (a no-op until enableHeapTrimming). */
export function trimHeap(): void {
  if (collect && getHeapStatistics().total_heap_size > SOFT_HEAP_BUDGET_BYTES) {
    collect();
  }
}
