import { RpcError } from './errors';
import { fromQuantity, toQuantity } from './quantity';
import { RpcPool } from './rpc';
import { singleFlight } from './singleflight';

export interface BlockHeader {
  number: number;
  hash: string;
  /** Unix seconds. */
  timestamp: number;
}

export interface BlockClockOptions {
  /** head() reuses a head fetched less than this long ago. Default 1 000 ms. */
  headMaxAgeMs?: number;
  /** Most block timestamps kept. Default 20 000. */
  cacheSize?: number;
}

/** Parses an eth_getBlockByNumber result; null for "no such block", undefined for garbage. */
export function parseHeader(value: unknown): BlockHeader | null | undefined {
  if (value === null) {
    return null;
  }
  if (typeof value !== 'object') {
    return undefined;
  }
  const block = value as Record<string, unknown>;
  const number = fromQuantity(block.number);
  const timestamp = fromQuantity(block.timestamp);
  if (number === undefined || timestamp === undefined || typeof block.hash !== 'string') {
    return undefined;
  }
  return { number, hash: block.hash, timestamp };
}

/** JSON-RPC request for a header (without transactions). */
export function headerRequest(block: number | 'latest') {
  return { method: 'eth_getBlockByNumber', params: [typeof block === 'number' ? toQuantity(block) : block, false] };
}

const validHeaders = (results: unknown) => Array.isArray(results) && results.every((r) => parseHeader(r) !== undefined);

/** Evenly spaced probes per round: the bracket shrinks at least this many times per round. */
const GRID_PROBES = 8;
/** Spacing factor of the probes on both sides of the interpolated guess. */
const SPREAD_FACTOR = 8;

/**
 * The blocks to probe in one round of the time search, sorted, strictly inside (low, high) where
 * ts(low) ≤ t < ts(high): the interpolated guess and its successor (an exact hit on regular chains), probes
 * at growing distances on both sides of it (a near miss on irregular chains), and an even grid (a bounded
 * worst case however irregular). A bracket narrower than that gets all its blocks probed.
 */
export function searchProbes(low: number, lowTs: number, high: number, highTs: number, t: number): number[] {
  const width = high - low;
  const inside = (b: number) => b > low && b < high;
  const probes = new Set<number>();
  if (width <= 2 * GRID_PROBES) {
    for (let b = low + 1; b < high; b++) {
      probes.add(b);
    }
  } else {
    const interpolated = low + Math.floor(((t - lowTs) * width) / (highTs - lowTs));
    const guess = Math.min(high - 1, Math.max(low + 1, interpolated));
    probes.add(guess).add(guess + 1);
    for (let distance = 2; distance < width; distance *= SPREAD_FACTOR) {
      probes.add(guess - distance).add(guess + 1 + distance);
    }
    for (let i = 1; i < GRID_PROBES; i++) {
      probes.add(low + Math.round((i * width) / GRID_PROBES));
    }
  }
  return [...probes].filter(inside).sort((a, b) => a - b);
}

interface CachedBlock {
  timestamp: number;
  hash?: string;
}

/** Maps time to blocks and back, with cached headers. */
export class BlockClock {
  /** Insertion-ordered, so the oldest entry is evicted first. */
  private readonly cache = new Map<number, CachedBlock>();
  private readonly cacheSize: number;
  private readonly headMaxAgeMs: number;
  private latest?: { header: BlockHeader; fetchedAt: number };
  private readonly loadHead = singleFlight<void, BlockHeader>(async () => (await this.headAndHeaders([])).head);

  constructor(
    readonly pool: RpcPool,
    options: BlockClockOptions = {}
  ) {
    this.cacheSize = Math.max(16, options.cacheSize ?? 20_000);
    this.headMaxAgeMs = options.headMaxAgeMs ?? 1_000;
  }

  /** The latest block (single flight, cached for headMaxAgeMs). */
  async head(): Promise<BlockHeader> {
    if (this.latest && Date.now() - this.latest.fetchedAt < this.headMaxAgeMs) {
      return this.latest.header;
    }
    return this.loadHead(undefined);
  }

  /** The latest block and the headers of `blocks` (null where the chain has no such block), in one batch. */
  async headAndHeaders(blocks: number[]): Promise<{ head: BlockHeader; headers: Array<BlockHeader | null> }> {
    const results = await this.pool.batch([headerRequest('latest'), ...blocks.map(headerRequest)], {
      validate: (r) => validHeaders(r) && parseHeader((r as unknown[])[0]) !== null,
    });
    const [head, ...headers] = results.map((r) => parseHeader(r) ?? null);
    if (!head) {
      throw new RpcError('invalid_response', 'the RPC returned no latest block');
    }
    if (this.latest && head.number < this.latest.header.number) {
      // The chain got shorter (a reorg to a shorter fork): later cached blocks are gone.
      this.forgetFrom(head.number + 1);
    }
    for (const header of [head, ...headers]) {
      if (header) {
        this.remember(header.number, header.timestamp, header.hash);
      }
    }
    this.latest = { header: head, fetchedAt: Date.now() };
    return { head, headers };
  }

  /** Header of one block, fetched now (for hash checks); null when the chain has no such block (yet). */
  async header(block: number): Promise<BlockHeader | null> {
    const [result] = await this.pool.batch([headerRequest(block)], { validate: validHeaders });
    const header = parseHeader(result) ?? null;
    if (header) {
      this.remember(header.number, header.timestamp, header.hash);
    }
    return header;
  }

  async timestampOf(block: number): Promise<number> {
    const timestamp = (await this.timestampsOf([block])).get(block);
    if (timestamp === undefined) {
      throw new RpcError('invalid_response', `the RPC does not know block ${block}`);
    }
    return timestamp;
  }

  /** Timestamps of many blocks: cached ones free, the rest in JSON-RPC batches. Unknown blocks are left out. */
  async timestampsOf(blocks: number[]): Promise<Map<number, number>> {
    const found = new Map<number, number>();
    const missing: number[] = [];
    for (const block of new Set(blocks)) {
      const cached = this.cache.get(block);
      if (cached) {
        found.set(block, cached.timestamp);
      } else {
        missing.push(block);
      }
    }
    if (missing.length > 0) {
      const results = await this.pool.batch(missing.map(headerRequest), { validate: validHeaders });
      for (const result of results) {
        const header = parseHeader(result);
        if (header) {
          this.remember(header.number, header.timestamp, header.hash);
          found.set(header.number, header.timestamp);
        }
      }
    }
    return found;
  }

  /** Records a timestamp learnt elsewhere (e.g. a log's blockTimestamp), which later searches reuse. */
  remember(block: number, timestamp: number, hash?: string): void {
    const cached = this.cache.get(block);
    if (cached && hash && cached.hash && cached.hash !== hash) {
      // Same height, different block: a reorg replaced it and possibly its successors.
      this.forgetFrom(block);
    } else if (cached) {
      cached.hash ??= hash;
      return;
    }
    this.cache.set(block, { timestamp, hash });
    if (this.cache.size > this.cacheSize) {
      this.evictOldest();
    }
  }

  /**
   * Drops the oldest quarter of the cache in one pass. One entry per insertion would be quadratic: a Map keeps
   * deleted entries as holes until it rehashes, and each keys().next() walks every hole before the first live
   * entry (a 1M-event backfill spent ~6 s of CPU there remembering its ~300k blocks).
   */
  private evictOldest(): void {
    let excess = this.cache.size - Math.floor((this.cacheSize * 3) / 4);
    for (const block of this.cache.keys()) {
      if (excess-- <= 0) {
        break;
      }
      this.cache.delete(block);
    }
  }

  /** Forgets cached headers from `block` on (after a reorg). */
  forgetFrom(block: number): void {
    for (const cachedBlock of [...this.cache.keys()]) {
      if (cachedBlock >= block) {
        this.cache.delete(cachedBlock);
      }
    }
    if (this.latest && this.latest.header.number >= block) {
      this.latest = undefined;
    }
  }

  /**
   * Highest block with timestamp ≤ unixSeconds; -1 when even block 0 is later.
   * Searches between the nearest cached blocks; each round is one batch of probes (see searchProbes), so
   * regular block times resolve in one round and irregular ones in a few.
   */
  async blockAtOrBefore(unixSeconds: number): Promise<number> {
    if (!Number.isFinite(unixSeconds)) {
      throw new RangeError(`not a time: ${unixSeconds}`);
    }
    const head = await this.head();
    if (unixSeconds >= head.timestamp) {
      return head.number;
    }
    // Invariant: ts(low) ≤ t < ts(high).
    let high = head.number;
    let highTs = head.timestamp;
    let low = -1;
    let lowTs = -Infinity;
    for (const [block, cached] of this.cache) {
      if (block > head.number) {
        continue;
      }
      if (cached.timestamp <= unixSeconds && block > low) {
        low = block;
        lowTs = cached.timestamp;
      } else if (cached.timestamp > unixSeconds && block < high) {
        high = block;
        highTs = cached.timestamp;
      }
    }
    if (low < 0) {
      const genesisTs = await this.timestampOf(0);
      if (genesisTs > unixSeconds) {
        return -1;
      }
      low = 0;
      lowTs = genesisTs;
    }
    while (high - low > 1) {
      const probes = searchProbes(low, lowTs, high, highTs, unixSeconds);
      const timestamps = await this.timestampsOf(probes);
      for (const block of probes) {
        const timestamp = timestamps.get(block);
        if (timestamp === undefined) {
          throw new RpcError('invalid_response', `the RPC does not know block ${block}`);
        }
        if (timestamp <= unixSeconds) {
          low = block;
          lowTs = timestamp;
        } else {
          high = block;
          highTs = timestamp;
          break;
        }
      }
    }
    return low;
  }

  /** The blocks whose timestamps fall in [fromSeconds, toSeconds], or null when none do. */
  async blockRange(fromSeconds: number, toSeconds: number): Promise<{ fromBlock: number; toBlock: number } | null> {
    if (!(fromSeconds <= toSeconds)) {
      return null;
    }
    const toBlock = await this.blockAtOrBefore(Math.floor(toSeconds));
    const fromBlock = (await this.blockAtOrBefore(Math.ceil(fromSeconds) - 1)) + 1;
    return fromBlock <= toBlock ? { fromBlock, toBlock } : null;
  }
}
