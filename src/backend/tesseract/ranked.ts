/**
 * Compact order statistics for the event table: which positions hold an entry (`RankBits`, 2 bits a position)
 * and append-only sequences of whole numbers answering "how many below v among entries [a, b)" and "the k-th
 * smallest of [a, b)" in time that depends on the number of blocks, not on b − a (`RankedSequence`). Both are
 * typed arrays only: no object per entry.
 */

/**
 * Columns grow in fixed chunks of 64k entries rather than by reallocation: no copy, no old-and-new peak, and
 * at most one chunk of slack, which keeps a million-event table near its payload size.
 */
export const CHUNK_BITS = 16;
export const CHUNK_SIZE = 1 << CHUNK_BITS;
export const CHUNK_MASK = CHUNK_SIZE - 1;

/**
 * One whole number below 2^32 per entry, in chunks; entries never set read 0. Every such column is Uint32 (see
 * SmallColumn): element reads in the hot loops see one array kind; five kinds made each read megamorphic (a third
 * of the warm-refresh CPU).
 */
export class Column {
  private readonly chunks: Uint32Array[] = [];

  get(position: number): number {
    const chunk = this.chunks[position >>> CHUNK_BITS];
    return chunk === undefined ? 0 : chunk[position & CHUNK_MASK];
  }

  set(position: number, value: number): void {
    const chunk = position >>> CHUNK_BITS;
    while (chunk >= this.chunks.length) {
      this.chunks.push(new Uint32Array(CHUNK_SIZE));
    }
    this.chunks[chunk][position & CHUNK_MASK] = value;
  }

  /** Resets every entry from `position` on to 0, releasing the chunks past it. */
  clearFrom(position: number): void {
    this.chunks.length = Math.min(this.chunks.length, Math.ceil(position / CHUNK_SIZE));
    const last = this.chunks[this.chunks.length - 1];
    if (last && (position & CHUNK_MASK) !== 0) {
      last.fill(0, position & CHUNK_MASK);
    }
  }
}

/**
 * A Column of whole numbers that are mostly below 2^16 (kinds, log indexes, string and tx numbers): each chunk is
 * 16-bit until a larger number is set in it, then 32-bit, and a chunk holding only 0 is not allocated. Half the
 * bytes of a Column for the columns that rows and filters read, not the aggregation's hot loops (a class of its
 * own, so Column's reads still see one array kind).
 */
export class SmallColumn {
  private readonly chunks: Array<Uint16Array | Uint32Array | undefined> = [];

  get(position: number): number {
    const chunk = this.chunks[position >>> CHUNK_BITS];
    return chunk === undefined ? 0 : chunk[position & CHUNK_MASK];
  }

  set(position: number, value: number): void {
    const index = position >>> CHUNK_BITS;
    while (index >= this.chunks.length) {
      this.chunks.push(undefined);
    }
    let chunk = this.chunks[index];
    if (chunk === undefined) {
      if (value === 0) {
        return;
      }
      chunk = this.chunks[index] = new Uint16Array(CHUNK_SIZE);
    }
    if (value > 0xffff && chunk instanceof Uint16Array) {
      chunk = this.chunks[index] = Uint32Array.from(chunk);
    }
    chunk[position & CHUNK_MASK] = value;
  }

  /** Resets every entry from `position` on to 0, releasing the chunks past it. */
  clearFrom(position: number): void {
    this.chunks.length = Math.min(this.chunks.length, Math.ceil(position / CHUNK_SIZE));
    const last = this.chunks[this.chunks.length - 1];
    if (last && (position & CHUNK_MASK) !== 0) {
      last.fill(0, position & CHUNK_MASK);
    }
  }
}

function popcount(word: number): number {
  word -= (word >>> 1) & 0x55555555;
  word = (word & 0x33333333) + ((word >>> 2) & 0x33333333);
  return (Math.imul((word + (word >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** Bits below `offset` of a word. */
const lowMask = (offset: number) => (offset === 0 ? 0 : 0xffffffff >>> (32 - offset)); // 32: all

/** A bit per position, set in increasing position order, with the number of set bits before any position. */
export class RankBits {
  private readonly words = new Column();
  /** Set bits before each word. */
  private readonly before = new Column();
  private lastWord = -1;
  private total = 0;

  /** Set bits in all. */
  get count(): number {
    return this.total;
  }

  /** Sets the bit of `position`, which must be past every bit set so far. */
  set(position: number): void {
    const word = position >>> 5;
    while (this.lastWord < word) {
      this.before.set(++this.lastWord, this.total);
    }
    this.words.set(word, (this.words.get(word) | (1 << (position & 31))) >>> 0);
    this.total++;
  }

  /** Set bits at positions < `position`. */
  rank(position: number): number {
    const word = position >>> 5;
    if (word > this.lastWord) {
      return this.total;
    }
    return this.before.get(word) + popcount(this.words.get(word) & lowMask(position & 31));
  }

  /** Clears every bit at `length` and after. */
  truncate(length: number): void {
    const word = length >>> 5;
    if (word > this.lastWord) {
      return;
    }
    const kept = this.words.get(word) & lowMask(length & 31);
    this.total = this.before.get(word) + popcount(kept);
    this.words.clearFrom(word);
    this.before.clearFrom(word + 1);
    this.words.set(word, kept >>> 0);
    this.lastWord = word;
  }

  /** The word holding positions 32·w … 32·w + 31. */
  word(index: number): number {
    return index > this.lastWord ? 0 : this.words.get(index);
  }
}

/**
 * The highest position in [from, before) set in any of `bits`, or -1: whole words at a time, so sparse kinds
 * (failures, pauses) are found without visiting the events between them.
 */
export function previousSet(bits: readonly RankBits[], from: number, before: number): number {
  let position = before - 1;
  while (position >= from) {
    const index = position >>> 5;
    let word = 0;
    for (const set of bits) {
      word |= set.word(index);
    }
    word &= lowMask((position & 31) + 1);
    if (word !== 0) {
      const found = index * 32 + 31 - Math.clz32(word);
      return found >= from ? found : -1;
    }
    position = index * 32 - 1;
  }
  return -1;
}

/** A static wavelet matrix over one block of values (offset by the block's minimum, so few levels). */
class WaveletBlock {
  readonly size: number;
  readonly min: number;
  readonly max: number;
  private readonly levels: number;
  /** Per level, per 32 entries: the ones before the word, then the word (one read for both). */
  private readonly data: Uint32Array;
  private readonly stride: number;
  private readonly zeros: number[] = [];

  constructor(values: Uint32Array) {
    const n = values.length;
    this.size = n;
    let min = 0xffffffff;
    let max = 0;
    for (let i = 0; i < n; i++) {
      min = Math.min(min, values[i]);
      max = Math.max(max, values[i]);
    }
    this.min = min;
    this.max = max;
    this.levels = max > min ? 32 - Math.clz32(max - min) : 0;
    let current = values.map((value) => value - min);
    let next = new Uint32Array(n);
    // One spare word pair per level: a rank at n reads it.
    this.stride = (((n + 31) >>> 5) + 1) * 2;
    this.data = new Uint32Array(this.stride * this.levels);
    for (let level = this.levels - 1; level >= 0; level--) {
      const words = new Uint32Array((n + 31) >>> 5);
      const ranks = new Uint32Array(words.length + 1);
      let zeros = 0;
      for (let i = 0; i < n; i++) {
        if ((current[i] >>> level) & 1) {
          words[i >>> 5] |= 1 << (i & 31);
        } else {
          zeros++;
        }
      }
      for (let w = 0; w < words.length; w++) {
        ranks[w + 1] = ranks[w] + popcount(words[w]);
      }
      let z = 0;
      let o = zeros;
      for (let i = 0; i < n; i++) {
        if ((current[i] >>> level) & 1) {
          next[o++] = current[i];
        } else {
          next[z++] = current[i];
        }
      }
      [current, next] = [next, current];
      const base = level * this.stride;
      for (let w = 0; w <= words.length; w++) {
        this.data[base + 2 * w] = ranks[w];
        this.data[base + 2 * w + 1] = words[w] ?? 0;
      }
      this.zeros[level] = zeros;
    }
  }

  /** Ones before `i` at `level`. */
  private ones(level: number, i: number): number {
    const at = level * this.stride + ((i >>> 5) << 1);
    const offset = i & 31;
    return offset === 0 ? this.data[at] : this.data[at] + popcount(this.data[at + 1] & (0xffffffff >>> (32 - offset)));
  }

  /** Entries of [a, b) below `value`. */
  countLess(a: number, b: number, value: number): number {
    if (value <= this.min) {
      return 0;
    }
    if (value > this.max) {
      return b - a;
    }
    const x = value - this.min;
    let count = 0;
    for (let level = this.levels - 1; level >= 0 && a < b; level--) {
      const onesA = this.ones(level, a);
      const onesB = this.ones(level, b);
      if ((x >>> level) & 1) {
        count += b - a - (onesB - onesA);
        a = this.zeros[level] + onesA;
        b = this.zeros[level] + onesB;
      } else {
        a -= onesA;
        b -= onesB;
      }
    }
    return count;
  }

  /** The k-th smallest (from 0) of [a, b). */
  select(a: number, b: number, k: number): number {
    let value = 0;
    for (let level = this.levels - 1; level >= 0; level--) {
      const onesA = this.ones(level, a);
      const onesB = this.ones(level, b);
      const zeros = b - a - (onesB - onesA);
      if (k < zeros) {
        a -= onesA;
        b -= onesB;
      } else {
        k -= zeros;
        value += 2 ** level;
        a = this.zeros[level] + onesA;
        b = this.zeros[level] + onesB;
      }
    }
    return value + this.min;
  }

  /** The values in their original order. */
  decode(length: number): Uint32Array {
    // Replays the build's stable partitions on the entries' indexes: no rank per entry and level.
    const n = this.size;
    const values = new Uint32Array(n);
    let order = new Uint32Array(n);
    let next = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      order[i] = i;
    }
    for (let level = this.levels - 1; level >= 0; level--) {
      const base = level * this.stride + 1;
      let z = 0;
      let o = this.zeros[level];
      for (let j = 0; j < n; j++) {
        const index = order[j];
        if ((this.data[base + ((j >>> 5) << 1)] >>> (j & 31)) & 1) {
          values[index] |= 1 << level;
          next[o++] = index;
        } else {
          next[z++] = index;
        }
      }
      [order, next] = [next, order];
    }
    const out = values.subarray(0, length);
    for (let i = 0; i < length; i++) {
      out[i] += this.min;
    }
    return out;
  }
}

/** Values appended before a block is sealed; queries scan them. */
const TAIL = 64;

/**
 * An append-only sequence of whole numbers in [0, 2³²) as wavelet blocks of TAIL·2^j entries, merged like a
 * binary counter (two equal neighbours become one), so any range touches at most log₂(n / TAIL) + 1 blocks
 * and the unsealed tail; each entry is rebuilt log₂(n / TAIL) times in all. About L·2 bits an entry for
 * blocks whose values span 2^L.
 */
export class RankedSequence {
  /** Sealed blocks; the newest may still be plain values, built into wavelet blocks by the next query. */
  private readonly blocks: Array<WaveletBlock | Uint32Array> = [];
  private readonly sizes: number[] = [];
  private sealed = 0;
  private readonly tail = new Uint32Array(TAIL);
  private tailLength = 0;

  get length(): number {
    return this.sealed + this.tailLength;
  }

  push(value: number): void {
    this.tail[this.tailLength++] = value;
    if (this.tailLength === TAIL) {
      this.seal(this.tail.slice());
      this.tailLength = 0;
    }
  }

  /** Keeps the first `length` entries. */
  truncate(length: number): void {
    if (length >= this.length) {
      return;
    }
    if (length >= this.sealed) {
      this.tailLength = length - this.sealed;
      return;
    }
    // Drop whole blocks past `length`, then append again what the straddling block kept.
    this.build();
    let start = this.sealed;
    let kept: Uint32Array = new Uint32Array(0);
    while (start > length) {
      const block = this.blocks.pop()!;
      const size = this.sizes.pop()!;
      start -= size;
      if (start < length) {
        kept = (block as WaveletBlock).decode(length - start);
      }
    }
    this.sealed = start;
    this.tailLength = 0;
    for (const value of kept) {
      this.push(value);
    }
  }

  /** Entries in [from, to) below `value`. */
  countLess(from: number, to: number, value: number): number {
    const blocks = this.build();
    let count = 0;
    let start = 0;
    for (let b = 0; b < blocks.length && start < to; b++) {
      const end = start + this.sizes[b];
      if (end > from) {
        count += blocks[b].countLess(Math.max(from, start) - start, Math.min(to, end) - start, value);
      }
      start = end;
    }
    for (let i = Math.max(from, this.sealed); i < to; i++) {
      if (this.tail[i - this.sealed] < value) {
        count++;
      }
    }
    return count;
  }

  /** The k-th smallest (from 0) of the entries [from, to); k < to − from. */
  select(from: number, to: number, k: number): number {
    const blocks = this.build();
    let start = 0;
    let low = Infinity;
    let high = -Infinity;
    for (let b = 0; b < blocks.length && start < to; b++) {
      const end = start + this.sizes[b];
      if (end > from) {
        if (from >= start && to <= end) {
          return blocks[b].select(from - start, to - start, k); // one block: one descent
        }
        low = Math.min(low, blocks[b].min);
        high = Math.max(high, blocks[b].max);
      }
      start = end;
    }
    for (let i = Math.max(from, this.sealed); i < to; i++) {
      low = Math.min(low, this.tail[i - this.sealed]);
      high = Math.max(high, this.tail[i - this.sealed]);
    }
    // Several pieces: the smallest value with more than k entries at or below it.
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (this.countLess(from, to, middle + 1) > k) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return low;
  }

  /**
   * Merges like a binary counter, but a block is built only when a query needs it: appends between two queries
   * (a backfill's, all of them) build each entry once, not once per merge it takes part in.
   */
  private seal(values: Uint32Array): void {
    let merged = values;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === merged.length) {
      const size = this.sizes.pop()!;
      const block = this.blocks.pop()!;
      const previous = block instanceof WaveletBlock ? block.decode(size) : block;
      const both = new Uint32Array(size + merged.length);
      both.set(previous);
      both.set(merged, size);
      merged = both;
      this.sealed -= size;
    }
    this.blocks.push(merged);
    this.sizes.push(merged.length);
    this.sealed += merged.length;
  }

  /** The sealed blocks, each built. */
  private build(): readonly WaveletBlock[] {
    for (let b = this.blocks.length - 1; b >= 0; b--) {
      const block = this.blocks[b];
      if (block instanceof WaveletBlock) {
        break; // blocks before a built one were built with it or before
      }
      this.blocks[b] = new WaveletBlock(block);
    }
    return this.blocks as WaveletBlock[];
  }
}
