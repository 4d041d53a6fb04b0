import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A soft budget for the V8 heap. A backfill parses eth_getLogs replies of up to ~10k logs (~20 MB of objects
 * each) that survive long enough to be promoted; V8, seeing plenty of memory, lets the old generation grow to
 * several times what is live before collecting, and RSS never comes back down. Collecting after a large reply
 * once the heap passes the budget keeps RSS near what the index really holds (`npm run bench`, 1M events: peak
 * RSS 376 MB without, 276 MB with). No hard cap, so never an OOM.
 */
const SOFT_HEAP_BUDGET_BYTES = 48 * 1024 * 1024;
/**
 * How far the heap in use may grow past what the last trim left live before the next one. Judged on the heap in
 * use, not the committed size (which stays above the budget once the young generation has grown, so every large
 * reply paid a full collection), and relative to what survived (replies of other deployments still in flight):
 * twenty deployments' backfill spent 116 of its 155 s of CPU in collections after every reply.
 */
const GROWTH_BEFORE_TRIM = 1.5;

let collect: (() => void) | undefined;
let liveAfterTrim = 0;

/**
 * Makes full collections available to trimHeap, and has young-generation collections run on the main thread
 * alone; the executable calls it once at start. A warm refresh of twenty deployments collects its young
 * generation two or three times, and V8's parallel scavenge then kept four helper threads busy for about as
 * much CPU again as the collections themselves cost on the main thread. The backend serves one
 * Grafana on a shared host: total CPU counts, not the few milliseconds a parallel collection saves. V8 reads
 * this flag at each scavenge, so setting it after start is safe (unlike --single-threaded-gc, whose concurrent
 * marker is already running).
 */
export function configureHeap(): void {
  setFlagsFromString('--no-parallel-scavenge');
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as () => void;
}

/** Whether a heap with `usedBytes` in use is due a trim, `liveBytes` having survived the last. */
export function trimDue(usedBytes: number, liveBytes: number): boolean {
  return usedBytes > Math.max(SOFT_HEAP_BUDGET_BYTES, GROWTH_BEFORE_TRIM * liveBytes);
}

/** A full collection when the heap has outgrown the budget (a no-op until configureHeap). */
export function trimHeap(): void {
  if (collect && trimDue(getHeapStatistics().used_heap_size, liveAfterTrim)) {
    collect();
    liveAfterTrim = getHeapStatistics().used_heap_size;
  }
}
