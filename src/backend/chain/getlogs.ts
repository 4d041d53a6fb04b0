import { BlockClock, BlockHeader, headerRequest, parseHeader } from './blocks';
import { RangeHint, RpcError } from './errors';
import { fromQuantity, toQuantity } from './quantity';
import { RpcPool } from './rpc';

/** A log as the index hands it to the decoder. */
export interface RawLog {
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  logIndex: number;
  address: string;
  topics: string[];
  data: string;
  /** Unix seconds: the log's blockTimestamp when the node sends a non-zero one, else the cached header's. */
  timestamp: number;
}

export interface GetLogsRequest {
  address: string;
  /** eth_getLogs topics filter: position 0 may be an array of alternatives (several event signatures). */
  topics: Array<string | string[] | null>;
  fromBlock: number;
  toBlock: number;
  /** Widest span tried first (blocks per eth_getLogs). */
  maxBlockRange: number;
}

/** Successful requests in a row before the span doubles again (while the provider's result cap is unknown). */
const GROW_AFTER_SUCCESSES = 3;
/**
 * A span sized by log density aims this far under the provider's result cap, the density taken over the last
 * few replies. A span's log count varies around the estimate (by ~10% on the bench's generated histories, bursts
 * and lulls), and a refusal costs a request (the range the provider suggests after it is full): the requests per
 * log are fewest with the estimate at ~0.85 of the cap (a normal spread of 10%), and over 32 generated 1M-event
 * histories 0.86 averaged 1.23× the fewest eth_getLogs where 0.88 averaged 1.25× (the bench row is one of them;
 * `bench/backfill-sim.ts` runs this code over many). That spread is the histories' own: a client told each one's
 * mean density in advance averages 1.22× too, and longer windows, which come near it there, lose far more where
 * the density drifts over days than they gain.
 */
const RESULT_CAP_MARGIN = 0.86;
const DENSITY_WINDOW = 8;
/** eth_getLogs requests one backfill keeps in flight at first, and at most (the pool allows 8 HTTP requests). */
const INITIAL_CONCURRENCY = 2;
const MAX_CONCURRENCY = 6;
/**
 * Under a result cap, chunks go out together only while the next span is expected to hold at most this share of
 * the cap: a chunk planned before the reply ahead of it is sized blind, and a refused one in the middle costs its
 * retry and the remainder up to the chunk after it (measured on bursty histories: 2.4× the fewest requests in
 * parallel against 1.5× one at a time).
 */
const BLIND_RESULT_SHARE = 0.5;

const spanOf = (range: { fromBlock: number; toBlock: number }) => range.toBlock - range.fromBlock + 1;

/**
 * Learnt per deployment (the log index keeps one for its life): how wide an eth_getLogs the providers accept.
 * It starts at maxBlockRange, so a history the provider serves in one reply costs one request.
 *
 * - A refusal's hint (a suggested range, a stated cap) is followed once. When the provider refuses the span it
 *   named, or names one no smaller than the span it refused, its hints are wrong: the span halves instead, so
 *   any limit costs a logarithmic number of refusals, never one per block.
 * - Range caps are remembered: a stated one for good; otherwise one below the smallest span refused whatever its
 *   logs (a range error, or a wrong hint), and spans then probe back up towards it by bisection.
 * - A result cap ("more than 10000 results", or the logs of a range the provider suggested) is remembered too, and
 *   from then on each request is sized by the last reply's log density to just under it, but never below a span the
 *   provider says it serves whatever the logs (Alchemy's "up to a 2K block range"). Without a known result cap, a
 *   narrowed span grows back by doubling after a few successes.
 * - How many requests to keep in flight (AIMD): one more after each round of that many successes, half as many
 *   (at least one) after a rate limit. Under a result cap, one at a time while the spans are sized near it.
 */
/** The durable part of a RangeTuner: the limits it learnt (the span in flight and its probing start again). */
export interface RangeTunerState {
  cap: number;
  capStated: boolean;
  current: number;
  resultCap?: number;
  floor: number;
}

export class RangeTuner {
  private cap: number;
  /** The provider named its range cap: no probing above it. */
  private capStated = false;
  private current: number;
  private successes = 0;
  private resultCap?: number;
  /** A span the provider serves whatever its logs. */
  private floor = 1;
  /** Widest span accepted since the cap was last lowered: where a probe above it falls back to. */
  private proven = 0;
  /** The last rejection suggested a range: the reply for it shows (a lower bound of) the result cap. */
  private suggestionPending = false;
  /** The span being tried is the one the provider's last refusal named. */
  private followingHint = false;
  private inFlight = INITIAL_CONCURRENCY;
  /** Successes since the number in flight last changed. */
  private round = 0;
  /** Blocks and logs of the last DENSITY_WINDOW replies under a result cap. */
  private recent: Array<{ span: number; logs: number }> = [];

  constructor(readonly maxBlockRange: number) {
    this.cap = Math.max(1, Math.floor(maxBlockRange));
    this.current = this.cap;
  }

  /** What was learnt of the provider, for a restart to start from (see IndexJournal). */
  state(): RangeTunerState {
    return {
      cap: this.cap,
      capStated: this.capStated,
      current: this.current,
      resultCap: this.resultCap,
      floor: this.floor,
    };
  }

  /** Takes up a stored state learnt with the same maxBlockRange; any other is ignored. */
  restore(state: RangeTunerState | undefined): void {
    const spans = state ? [state.cap, state.current, state.floor] : [];
    if (!state || !spans.every((span) => Number.isInteger(span) && span >= 1 && span <= this.maxBlockRange)) {
      return;
    }
    this.cap = state.cap;
    this.capStated = state.capStated === true;
    this.current = Math.min(state.current, state.cap);
    this.resultCap = typeof state.resultCap === 'number' && state.resultCap > 0 ? state.resultCap : undefined;
    this.floor = state.floor;
  }

  /** Span to try next. */
  get span(): number {
    return this.current;
  }

  /** Widest span the provider is known or assumed to accept (maxBlockRange until a refusal says otherwise). */
  get rangeCap(): number {
    return this.cap;
  }

  /** Requests to keep in flight together while the span is settled. */
  get concurrency(): number {
    return this.inFlight;
  }

  /**
   * The next span is one the provider is expected to serve: the last reply was no refusal and the span is no wider
   * than one accepted since the cap was last lowered, or sized by density under a known result cap.
   */
  get settled(): boolean {
    return (
      !this.followingHint &&
      !this.suggestionPending &&
      (this.resultCap !== undefined
        ? this.current <= this.floor || this.current * this.density() <= BLIND_RESULT_SHARE * this.resultCap
        : this.current <= this.proven)
    );
  }

  /** Logs per block over the recent replies; unknown (∞) before the first. */
  private density(): number {
    let blocks = 0;
    let logs = 0;
    for (const reply of this.recent) {
      blocks += reply.span;
      logs += reply.logs;
    }
    return blocks > 0 ? logs / blocks : Infinity;
  }

  /** The provider rate-limited a request: half as many in flight. */
  throttled(): void {
    this.inFlight = Math.max(1, Math.floor(this.inFlight / 2));
    this.round = 0;
  }

  /** A request of `span` blocks returned `logCount` logs. */
  succeeded(span: number, logCount: number): void {
    if (++this.round >= this.inFlight) {
      this.inFlight = Math.min(MAX_CONCURRENCY, this.inFlight + 1);
      this.round = 0;
    }
    this.followingHint = false;
    this.proven = Math.max(this.proven, span);
    if (this.suggestionPending && logCount > 0) {
      this.resultCap = Math.max(this.resultCap ?? 0, logCount);
    }
    this.suggestionPending = false;
    if (this.resultCap !== undefined) {
      this.recent.push({ span, logs: logCount });
      if (this.recent.length > DENSITY_WINDOW) {
        this.recent.shift();
      }
      const density = this.density();
      const byDensity = density > 0 ? Math.floor((this.resultCap * RESULT_CAP_MARGIN) / density) : Infinity;
      this.current = Math.max(1, Math.min(this.cap, Math.max(this.floor, byDensity)));
      return;
    }
    this.successes++;
    if (this.current >= this.cap || span < this.current) {
      return;
    }
    if (this.cap < this.maxBlockRange && !this.capStated) {
      // Between a span that worked and one refused: bisect.
      this.current = Math.ceil((this.current + this.cap) / 2);
    } else if (this.successes >= GROW_AFTER_SUCCESSES) {
      this.current = Math.min(this.cap, this.current * 2);
      this.successes = 0;
    }
  }

  /** A request of `span` blocks was refused; returns the (strictly smaller) span to try next. */
  rejected(kind: 'range_too_large' | 'too_many_results' | 'timeout', span: number, hint: RangeHint = {}): number {
    this.successes = 0;
    const hinted = hint.suggestedRange ? spanOf(hint.suggestedRange) : hint.maxSpan;
    const wrongHint = this.followingHint || (hinted !== undefined && hinted >= span);
    const followHint = hinted !== undefined && !wrongHint;
    if (span <= this.floor) {
      this.floor = 1; // it was not served whatever its logs after all
    }
    if (kind === 'range_too_large' || (wrongHint && kind !== 'timeout')) {
      // Refused whatever its logs: a range cap, the one the provider stated when its hint is to be believed.
      // (A timeout says nothing about the provider's limits.)
      const stated = followHint && kind === 'range_too_large' ? hint.maxSpan : undefined;
      this.capStated = stated !== undefined;
      this.cap = Math.max(1, Math.min(this.cap, stated ?? span - 1));
      this.proven = Math.min(this.proven, this.cap);
    }
    if (kind === 'too_many_results') {
      this.resultCap = hint.maxResults ?? this.resultCap;
      this.suggestionPending = followHint && hint.suggestedRange !== undefined && hint.maxResults === undefined;
      if (followHint && hint.maxSpan !== undefined) {
        this.floor = Math.max(this.floor, Math.min(hint.maxSpan, this.cap));
      }
    }
    this.followingHint = followHint;
    const halved = Math.max(Math.floor(span / 2), this.proven < span ? this.proven : 0);
    this.current = Math.max(1, Math.min(followHint ? hinted : halved, span - 1, this.cap));
    return this.current;
  }
}

export interface LogChunk {
  fromBlock: number;
  toBlock: number;
  /** Header of toBlock, fetched in the same batch as the logs (same endpoint, same moment). */
  toHeader: BlockHeader;
  /** Sorted by (blockNumber, logIndex); removed logs dropped. */
  logs: RawLog[];
}

export interface GetLogsStats {
  /** eth_getLogs requests made (successful or not; the pool's own failover retries count once). */
  getLogsCalls: number;
  /** Times a range was narrowed after a provider rejected it. */
  splits: number;
  /** Header batches fetched for logs without blockTimestamp. */
  headerBatches: number;
}

export function emptyGetLogsStats(): GetLogsStats {
  return { getLogsCalls: 0, splits: 0, headerBatches: 0 };
}

export interface GetLogsOptions {
  /** Supplies and caches timestamps of logs without blockTimestamp. Default: a fresh BlockClock on the pool. */
  clock?: BlockClock;
  /** Carries learnt span and result limits across calls. Default: a fresh one from maxBlockRange. */
  tuner?: RangeTuner;
  /** Incremented as requests are made. */
  stats?: GetLogsStats;
  /** Logs the replies in flight are expected to hold together, at most (default MAX_LOGS_IN_FLIGHT). */
  maxLogsInFlight?: number;
}

/**
 * A reply's logs cost about 3 KB each until indexed (its JSON text twice over, as bytes then a string, and the
 * parsed objects): dense chunks go fewer at once, so a backfill's peak memory is bounded by this, not by the
 * concurrency (six 10k-log replies in flight took 100 MB more peak RSS than one; bench/durable.ts). One request
 * always goes, and the next is in flight while a chunk is indexed.
 */
export const MAX_LOGS_IN_FLIGHT = 10_000;

/** Timeouts that survived the pool's failover narrow the range at most this many times per call. */
const MAX_TIMEOUT_SPLITS = 2;
/** Invalid replies that survived the pool's failover (e.g. a reorg mid-request) are retried this often per call. */
const MAX_INVALID_RETRIES = 2;
/** Rate limits that survived the pool's backoff while other chunks were in flight: retried this often per call. */
const MAX_RATE_LIMIT_RETRIES = 4;

/**
 * Validates one eth_getLogs entry; undefined for a removed log. Throws invalid_response on garbage.
 * timestamp is the log's blockTimestamp, or 0 until filled from a header.
 */
function parseLog(value: unknown): RawLog | undefined {
  const log = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (log.removed === true) {
    return undefined;
  }
  const blockNumber = fromQuantity(log.blockNumber);
  const logIndex = fromQuantity(log.logIndex);
  if (
    blockNumber === undefined ||
    logIndex === undefined ||
    typeof log.blockHash !== 'string' ||
    typeof log.transactionHash !== 'string' ||
    typeof log.address !== 'string' ||
    typeof log.data !== 'string' ||
    !Array.isArray(log.topics) ||
    !log.topics.every((t) => typeof t === 'string')
  ) {
    throw new RpcError('invalid_response', 'eth_getLogs returned a malformed log');
  }
  return {
    blockNumber,
    logIndex,
    blockHash: log.blockHash,
    transactionHash: log.transactionHash,
    address: log.address,
    topics: log.topics as string[],
    data: log.data,
    timestamp: fromQuantity(log.blockTimestamp) ?? 0,
  };
}

const byPosition = (a: { blockNumber: number; logIndex: number }, b: { blockNumber: number; logIndex: number }) =>
  a.blockNumber - b.blockNumber || a.logIndex - b.logIndex;

/** One eth_getLogs plus the header of its last block, batched to the same endpoint. */
async function fetchChunk(
  pool: RpcPool,
  request: GetLogsRequest,
  fromBlock: number,
  toBlock: number
): Promise<{ logs: RawLog[]; toHeader: BlockHeader }> {
  const filter = {
    address: request.address,
    topics: request.topics,
    fromBlock: toQuantity(fromBlock),
    toBlock: toQuantity(toBlock),
  };
  const [rawLogs, rawHeader] = await pool.batch(
    [{ method: 'eth_getLogs', params: [filter] }, headerRequest(toBlock)],
    // A node that lacks toBlock (a lagging fallback) would silently return too few logs: retry elsewhere.
    { validate: (r) => Array.isArray((r as unknown[])[0]) && Boolean(parseHeader((r as unknown[])[1])) }
  );
  const toHeader = parseHeader(rawHeader) as BlockHeader;
  const logs: RawLog[] = [];
  for (const raw of rawLogs as unknown[]) {
    const log = parseLog(raw);
    if (log && log.blockNumber >= fromBlock && log.blockNumber <= toBlock) {
      logs.push(log);
    }
  }
  logs.sort(byPosition);
  // Every log of a block must name the same block, and the last block the header's: else the chain
  // reorganised while the node answered, and the reply mixes two forks.
  const mixed = logs.some((log, i) =>
    i > 0 && logs[i - 1].blockNumber === log.blockNumber
      ? logs[i - 1].blockHash !== log.blockHash
      : log.blockNumber === toBlock && log.blockHash !== toHeader.hash
  );
  if (mixed) {
    throw new RpcError('invalid_response', `the reply for blocks ${fromBlock}-${toBlock} mixes two forks (a reorg)`);
  }
  return { logs, toHeader };
}

/** Fills the timestamps nodes left at 0 (no blockTimestamp) from cached or batched headers, in place. */
async function fillTimestamps(logs: RawLog[], clock: BlockClock, stats: GetLogsStats): Promise<RawLog[]> {
  const needHeaders: number[] = [];
  for (const log of logs) {
    if (log.timestamp > 0) {
      clock.remember(log.blockNumber, log.timestamp, log.blockHash);
    } else {
      needHeaders.push(log.blockNumber);
    }
  }
  if (needHeaders.length === 0) {
    return logs;
  }
  stats.headerBatches++;
  const fetched = await clock.timestampsOf(needHeaders);
  for (const log of logs) {
    if (log.timestamp === 0) {
      const timestamp = fetched.get(log.blockNumber);
      if (timestamp === undefined) {
        throw new RpcError('invalid_response', `no header for block ${log.blockNumber}`);
      }
      log.timestamp = timestamp;
    }
  }
  return logs;
}

/** A planned stretch of consecutive blocks: waiting for a request, in flight, fetched, or failed for good. */
interface Segment {
  fromBlock: number;
  toBlock: number;
  state: 'pending' | 'inflight' | 'done' | 'failed';
  chunk?: { logs: RawLog[]; toHeader: BlockHeader };
  error?: unknown;
}

/**
 * Fetches [fromBlock, toBlock] in chunks, yielded strictly in block order, adapting the span to the provider's
 * limits: a range or result-cap error narrows the span (to the provider's suggested range when it gives one) and
 * retries the same start block; successes grow it back. Once the tuner's span is settled, up to
 * `tuner.concurrency` consecutive chunks are requested together (AIMD: one more per round of successes, half as
 * many after a rate limit), so a backfill costs about the provider's response time, not that times the chunks.
 * A chunk that fails for good stops planning new ones; the chunks before it are still yielded, then it throws.
 * Rate limits and timeouts are the pool's business (backoff and failover); only a timeout that outlives every
 * endpoint narrows the range, as a last resort, and a rate limit that outlives the pool's retries while several
 * chunks were in flight retries the chunk with fewer in flight.
 */
export async function* iterateLogs(
  pool: RpcPool,
  request: GetLogsRequest,
  options: GetLogsOptions = {}
): AsyncGenerator<LogChunk> {
  const clock = options.clock ?? new BlockClock(pool);
  const tuner = options.tuner ?? new RangeTuner(request.maxBlockRange);
  const stats = options.stats ?? emptyGetLogsStats();
  let timeoutSplits = 0;
  let invalidRetries = 0;
  let rateLimitRetries = 0;
  let rateLimitsSeen = pool.rateLimits;
  /** First block not yet in a segment. */
  let frontier = request.fromBlock;
  let failed = false;
  const segments: Segment[] = [];
  const inFlight = new Set<Promise<void>>();
  const logBudget = options.maxLogsInFlight ?? MAX_LOGS_IN_FLIGHT;
  /** Logs per block of the last reply: what the next request is expected to bring. */
  let density = 0;

  const settle = (segment: Segment, span: number, error: unknown) => {
    if (pool.rateLimits > rateLimitsSeen) {
      rateLimitsSeen = pool.rateLimits;
      tuner.throttled();
    }
    if (error === undefined) {
      density = segment.chunk!.logs.length / span;
      tuner.succeeded(span, segment.chunk!.logs.length);
      segment.state = 'done';
      return;
    }
    segment.chunk = undefined;
    segment.state = 'pending';
    if (error instanceof RpcError && error.kind === 'invalid_response' && invalidRetries++ < MAX_INVALID_RETRIES) {
      return;
    }
    if (error instanceof RpcError && error.kind === 'rate_limited' && inFlight.size > 0) {
      // Other chunks were in flight with it: retry with fewer (the catch-all below throws once alone).
      if (rateLimitRetries++ < MAX_RATE_LIMIT_RETRIES) {
        tuner.throttled();
        return;
      }
    }
    const narrowable =
      error instanceof RpcError &&
      span > 1 &&
      (error.kind === 'range_too_large' ||
        error.kind === 'too_many_results' ||
        (error.kind === 'timeout' && timeoutSplits++ < MAX_TIMEOUT_SPLITS));
    if (!narrowable) {
      segment.state = 'failed';
      segment.error = error;
      failed = true;
      return;
    }
    tuner.rejected(error.kind as 'range_too_large' | 'too_many_results' | 'timeout', span, error.hint);
    stats.splits++;
    if (inFlight.size > 0) {
      // Requests sized alike are refused alike (a dense stretch): fewer in flight, fewer refusals.
      tuner.throttled();
    }
    if (segment === segments[segments.length - 1]) {
      // Nothing planned after it: the next request starts there at the new span, not capped at the old end.
      segments.pop();
      frontier = segment.fromBlock;
    }
  };

  /** Starts the earliest pending stretch (or the next one past the frontier) at the tuner's span. */
  const launch = (): boolean => {
    const index = segments.findIndex((s) => s.state === 'pending' || s.state === 'failed');
    let segment: Segment;
    if (index >= 0 && segments[index].state === 'pending') {
      const pending = segments[index];
      const toBlock = Math.min(pending.toBlock, pending.fromBlock + tuner.span - 1);
      segment = { fromBlock: pending.fromBlock, toBlock, state: 'inflight' };
      if (toBlock < pending.toBlock) {
        pending.fromBlock = toBlock + 1;
        segments.splice(index, 0, segment);
      } else {
        segments[index] = segment;
      }
    } else if (!failed && frontier <= request.toBlock) {
      segment = {
        fromBlock: frontier,
        toBlock: Math.min(request.toBlock, frontier + tuner.span - 1),
        state: 'inflight',
      };
      segments.push(segment);
      frontier = segment.toBlock + 1;
    } else {
      return false;
    }
    stats.getLogsCalls++;
    const span = spanOf(segment);
    const running: Promise<void> = fetchChunk(pool, request, segment.fromBlock, segment.toBlock).then(
      (chunk) => {
        segment.chunk = chunk;
      },
      (error: unknown) => {
        segment.error = error ?? new Error('eth_getLogs failed');
      }
    );
    const tracked = running.then(() => {
      inFlight.delete(tracked);
      const error = segment.error;
      segment.error = undefined;
      settle(segment, span, error);
    });
    inFlight.add(tracked);
    return true;
  };

  for (;;) {
    // Several at once only at a span that worked: probing a limit in parallel would multiply the refusals.
    const withinBudget = Math.max(1, Math.floor(logBudget / Math.max(1, density * tuner.span)));
    const limit = Math.min(tuner.settled ? tuner.concurrency : 1, withinBudget);
    while (inFlight.size < limit && launch()) {
      // another chunk in flight
    }
    while (segments.length > 0 && segments[0].state === 'done') {
      const segment = segments.shift()!;
      const { logs, toHeader } = segment.chunk!;
      yield {
        fromBlock: segment.fromBlock,
        toBlock: segment.toBlock,
        toHeader,
        logs: await fillTimestamps(logs, clock, stats),
      };
    }
    if (segments.length > 0 && segments[0].state === 'failed') {
      // Requests still in flight after it finish unseen (their promises never reject).
      throw segments[0].error;
    }
    if (inFlight.size === 0 && segments.length === 0 && frontier > request.toBlock) {
      return;
    }
    if (inFlight.size > 0) {
      await Promise.race(inFlight);
    }
  }
}

/** All logs of [fromBlock, toBlock], sorted by (blockNumber, logIndex); see iterateLogs. */
export async function getLogsAdaptive(
  pool: RpcPool,
  request: GetLogsRequest,
  options: GetLogsOptions = {}
): Promise<RawLog[]> {
  const logs: RawLog[] = [];
  for await (const chunk of iterateLogs(pool, request, options)) {
    for (const log of chunk.logs) {
      logs.push(log);
    }
  }
  return logs;
}
