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

/** 32-byte hashes ("0x" + 64 hex digits) as eight 32-bit words; anything else is not kept. */
const HASH_WORDS = 8;

function hexDigit(code: number): number {
  // 0-9, A-F, a-f; -1 for anything else
  return code >= 48 && code <= 57
    ? code - 48
    : code >= 65 && code <= 70
      ? code - 55
      : code >= 97 && code <= 102
        ? code - 87
        : -1;
}

/**
 * The headers a BlockClock remembers, in fixed slots of typed arrays reused oldest first, found by block through an
 * open-addressing table: no object, string, heap number or Map entry per block. As a Map of objects with hash
 * strings, twenty deployments' caches were ~100 MB of the V8 heap (and as a Map of slots still ~37 MB), which every
 * full collection marked (`npm run bench`, 20 deployments: the warm refresh's CPU doubled once collections came
 * every refresh or two).
 */
export class HeaderCache {
  /** Block of each slot; -1: free. */
  private readonly blocks: Float64Array;
  private readonly timestamps: Float64Array;
  private readonly hashes: Uint32Array;
  private readonly hashKnown: Uint8Array;
  /** 1 + the slot of a block, at its hash or the first free place after it (linear probing); 0: free. */
  private readonly table: Int32Array;
  private readonly shift: number;
  private next = 0;

  constructor(private readonly size: number) {
    this.blocks = new Float64Array(size).fill(-1);
    this.timestamps = new Float64Array(size);
    this.hashes = new Uint32Array(size * HASH_WORDS);
    this.hashKnown = new Uint8Array(size);
    // At most half full, so probes stay short.
    const bits = Math.ceil(Math.log2(2 * size));
    this.table = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  timestamp(block: number): number | undefined {
    const slot = this.slotOf(block);
    return slot < 0 ? undefined : this.timestamps[slot];
  }

  /**
   * Caches `block` (replacing the oldest entry when full), or adds the hash it lacked. False, with nothing changed,
   * when `block` is cached with a hash other than `hash` (both known and valid): another block at that height.
   */
  set(block: number, timestamp: number, hash: string | undefined): boolean {
    let slot = this.slotOf(block);
    const hashed = hash !== undefined && isHash(hash);
    if (slot >= 0 && this.hashKnown[slot]) {
      return !hashed || this.hashMatches(slot, hash);
    }
    if (slot < 0) {
      slot = this.next;
      this.next = (this.next + 1) % this.size;
      if (this.blocks[slot] >= 0) {
        this.unlink(this.blocks[slot]);
      }
      this.blocks[slot] = block;
      this.timestamps[slot] = timestamp;
      this.hashKnown[slot] = 0;
      let at = this.home(block);
      while (this.table[at] !== 0) {
        at = (at + 1) & (this.table.length - 1);
      }
      this.table[at] = slot + 1;
    }
    if (hashed) {
      for (let word = 0; word < HASH_WORDS; word++) {
        this.hashes[slot * HASH_WORDS + word] = hashWord(hash, word);
      }
      this.hashKnown[slot] = 1;
    }
    return true;
  }

  /** Drops every block from `block` on. */
  deleteFrom(block: number): void {
    for (let slot = 0; slot < this.size; slot++) {
      if (this.blocks[slot] >= block) {
        this.unlink(this.blocks[slot]);
        this.blocks[slot] = -1;
      }
    }
  }

  /** Every cached block with its timestamp. */
  *entries(): IterableIterator<[number, number]> {
    for (let slot = 0; slot < this.size; slot++) {
      if (this.blocks[slot] >= 0) {
        yield [this.blocks[slot], this.timestamps[slot]];
      }
    }
  }

  private hashMatches(slot: number, hash: string): boolean {
    for (let word = 0; word < HASH_WORDS; word++) {
      if (this.hashes[slot * HASH_WORDS + word] !== hashWord(hash, word)) {
        return false;
      }
    }
    return true;
  }

  private home(block: number): number {
    return Math.imul((block >>> 0) ^ Math.floor(block / 2 ** 32), 0x9e3779b1) >>> this.shift;
  }

  private slotOf(block: number): number {
    const mask = this.table.length - 1;
    for (let at = this.home(block); this.table[at] !== 0; at = (at + 1) & mask) {
      if (this.blocks[this.table[at] - 1] === block) {
        return this.table[at] - 1;
      }
    }
    return -1;
  }

  /** Removes `block` (cached) from the table, moving back the entries after it that its place let pass. */
  private unlink(block: number): void {
    const mask = this.table.length - 1;
    let hole = this.home(block);
    while (this.blocks[this.table[hole] - 1] !== block) {
      hole = (hole + 1) & mask;
    }
    for (let at = (hole + 1) & mask; this.table[at] !== 0; at = (at + 1) & mask) {
      const home = this.home(this.blocks[this.table[at] - 1]);
      // The entry at `at` may fill the hole unless its home lies cyclically in (hole, at].
      const stays = hole <= at ? hole < home && home <= at : hole < home || home <= at;
      if (!stays) {
        this.table[hole] = this.table[at];
        hole = at;
      }
    }
    this.table[hole] = 0;
  }
}

function isHash(hash: string): boolean {
  if (hash.length !== 2 + 8 * HASH_WORDS || hash.charCodeAt(0) !== 48 || (hash.charCodeAt(1) | 32) !== 120) {
    return false;
  }
  for (let i = 2; i < hash.length; i++) {
    if (hexDigit(hash.charCodeAt(i)) < 0) {
      return false;
    }
  }
  return true;
}

/** Word `word` of a valid hash (see isHash). */
function hashWord(hash: string, word: number): number {
  let value = 0;
  for (let i = 2 + 8 * word; i < 10 + 8 * word; i++) {
    value = value * 16 + hexDigit(hash.charCodeAt(i));
  }
  return value;
}

/** Maps time to blocks and back, with cached headers. */
export class BlockClock {
  private readonly cache: HeaderCache;
  private readonly headMaxAgeMs: number;
  private latest?: { header: BlockHeader; fetchedAt: number };
  private readonly loadHead = singleFlight<void, BlockHeader>(async () => (await this.headAndHeaders([])).head);

  constructor(
    readonly pool: RpcPool,
    options: BlockClockOptions = {}
  ) {
    this.cache = new HeaderCache(Math.max(16, options.cacheSize ?? 20_000));
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
      const timestamp = this.cache.timestamp(block);
      if (timestamp !== undefined) {
        found.set(block, timestamp);
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
    if (!this.cache.set(block, timestamp, hash)) {
      // Same height, different block: a reorg replaced it and possibly its successors.
      this.forgetFrom(block);
      this.cache.set(block, timestamp, hash);
    }
  }

  /** Forgets cached headers from `block` on (after a reorg). */
  forgetFrom(block: number): void {
    this.cache.deleteFrom(block);
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
    for (const [block, timestamp] of this.cache.entries()) {
      if (block > head.number) {
        continue;
      }
      if (timestamp <= unixSeconds && block > low) {
        low = block;
        lowTs = timestamp;
      } else if (timestamp > unixSeconds && block < high) {
        high = block;
        highTs = timestamp;
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
