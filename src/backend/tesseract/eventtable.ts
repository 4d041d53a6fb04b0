import { firstPosition, type RecordStore } from '../chain';
import { EventKind, TesseractEvent, type EventKindCode } from './events';
import { expiryTime, type Lifecycle } from './lifecycle';
import {
  CHUNK_BITS,
  CHUNK_MASK,
  CHUNK_SIZE,
  Column,
  RankBits,
  RankedSequence,
  SmallColumn,
  previousSet,
} from './ranked';

/** One packed 32-byte word (see hex.ts) per entry, in chunks. */
class WordColumn {
  private readonly chunks: Uint8Array[] = [];

  /** The chunk holding `position`, allocated (with any before it) on first use. */
  private chunkFor(position: number): Uint8Array {
    const chunk = position >>> CHUNK_BITS;
    while (chunk >= this.chunks.length) {
      this.chunks.push(new Uint8Array(CHUNK_SIZE * 32));
    }
    return this.chunks[chunk];
  }

  set(position: number, packed: string): void {
    const bytes = this.chunkFor(position);
    const offset = (position & CHUNK_MASK) * 32;
    for (let k = 0; k < 32; k++) {
      bytes[offset + k] = packed.charCodeAt(k);
    }
  }

  /** Sets the word from its 32 bytes at source[at…]. */
  setBytes(position: number, source: Uint8Array, at: number): void {
    const bytes = this.chunkFor(position);
    const offset = (position & CHUNK_MASK) * 32;
    for (let k = 0; k < 32; k++) {
      bytes[offset + k] = source[at + k];
    }
  }

  /** The chunk holding the word at `position`, which lies at offsetOf(position) in it. */
  chunkOf(position: number): Uint8Array {
    return this.chunks[position >>> CHUNK_BITS];
  }

  offsetOf(position: number): number {
    return (position & CHUNK_MASK) * 32;
  }

  get(position: number): string {
    const chunk = this.chunks[position >>> CHUNK_BITS];
    const offset = (position & CHUNK_MASK) * 32;
    // Packed words are latin1 strings of the bytes (hex.ts): Buffer decodes them natively.
    return Buffer.from(chunk.buffer, chunk.byteOffset + offset, 32).toString('latin1');
  }

  equals(position: number, packed: string): boolean {
    const bytes = this.chunks[position >>> CHUNK_BITS];
    const offset = (position & CHUNK_MASK) * 32;
    for (let k = 0; k < 32; k++) {
      if (bytes[offset + k] !== packed.charCodeAt(k)) {
        return false;
      }
    }
    return true;
  }

  equalsBytes(position: number, source: Uint8Array, at: number): boolean {
    const bytes = this.chunks[position >>> CHUNK_BITS];
    const offset = (position & CHUNK_MASK) * 32;
    for (let k = 0; k < 32; k++) {
      if (bytes[offset + k] !== source[at + k]) {
        return false;
      }
    }
    return true;
  }

  clearFrom(position: number): void {
    this.chunks.length = Math.min(this.chunks.length, Math.ceil(position / CHUNK_SIZE));
  }
}

/** Marks a declared time kept in DeclaredTimes' map. */
const OTHER_TIME = 0xffffffff;

/**
 * Each event's declared time (a uint256 of seconds as a number; NaN: none) in 32 bits: the time + 1 when it is a
 * whole number below 2^32 − 2, 0 for none, else a mark and the time in a map (times past 2106 are rare).
 */
class DeclaredTimes {
  private readonly times = new Column();
  private readonly others = new Map<number, number>();

  get(position: number): number {
    const stored = this.times.get(position);
    return stored === 0 ? NaN : stored === OTHER_TIME ? this.others.get(position)! : stored - 1;
  }

  set(position: number, time: number): void {
    if (Number.isNaN(time)) {
      this.times.set(position, 0);
    } else if (Number.isInteger(time) && time >= 0 && time < OTHER_TIME - 1) {
      this.times.set(position, time + 1);
    } else {
      this.times.set(position, OTHER_TIME);
      this.others.set(position, time);
    }
  }

  clearFrom(position: number): void {
    this.times.clearFrom(position);
    for (const at of this.others.keys()) {
      if (at >= position) {
        this.others.delete(at);
      }
    }
  }
}

/** Strings that repeat across events (names, addresses, reasons) by number; 0 stands for null. */
class StringPool {
  private readonly values: Array<string | null> = [null];
  private readonly refs = new Map<string, number>();
  /** UTF-8 forms seen by refBytes, by their hash: a replay finds a string's number without decoding it. */
  private readonly byBytes = new Map<number, Array<{ bytes: Uint8Array; ref: number }>>();
  /** The form refBytes found last, per field. */
  private readonly lastForms: Array<{ bytes: Uint8Array; ref: number } | undefined> = [];

  ref(value: string | null): number {
    if (value === null) {
      return 0;
    }
    let ref = this.refs.get(value);
    if (ref === undefined) {
      ref = this.values.length;
      this.values.push(value);
      this.refs.set(value, ref);
    }
    return ref;
  }

  /**
   * The number of the string whose UTF-8 bytes are source[start, end); 0 (null) when start is -1. `field`
   * (small, the caller's) names where the string comes from: its last form there is tried first, unhashed, since
   * an event's origin, target or name is mostly the previous event's.
   */
  refBytes(source: Uint8Array, start: number, end: number, field = 0): number {
    if (start < 0) {
      return 0;
    }
    const last = this.lastForms[field];
    if (last !== undefined && sameBytes(last.bytes, source, start, end)) {
      return last.ref;
    }
    const hash = hashBytes(source, start, end);
    let seen = this.byBytes.get(hash);
    let form = seen?.find((known) => sameBytes(known.bytes, source, start, end));
    if (form === undefined) {
      const bytes = source.slice(start, end);
      form = { bytes, ref: this.ref(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) };
      seen ??= [];
      seen.push(form);
      this.byBytes.set(hash, seen);
    }
    this.lastForms[field] = form;
    return form.ref;
  }

  value(ref: number): string | null {
    return this.values[ref];
  }
}

/**
 * Packed 32-byte words (tx ids) by number, 1-based (0 stands for null): the words sit in a chunked byte
 * column and an open-addressing hash table finds a word's number, so half a million tx ids take about 20 MB
 * instead of a Map of strings' 60.
 */
export class WordSet {
  private readonly words = new WordColumn();
  /**
   * Hash slots, two numbers each: the word number (0 for empty) and the word's hash, so that a probe skips
   * other words without reading them (a cache miss each) and a rehash reads no word back. At most half full.
   */
  private slots = new Uint32Array(2 * 2048);
  private count = 0;

  /** Words held; their numbers are 1..size. */
  get size(): number {
    return this.count;
  }

  /** The word's number, added if new. */
  intern(packed: string): number {
    const hash = hashWord(packed);
    const found = this.lookup(packed, hash);
    if (found > 0) {
      return found;
    }
    const ref = ++this.count;
    this.words.set(ref, packed);
    this.added(ref, hash);
    return ref;
  }

  /** The number here of the word numbered `ref` in `source`, added if new (bytes to bytes, no string). */
  internFrom(source: WordSet, ref: number): number {
    return this.internBytes(source.words.chunkOf(ref), source.words.offsetOf(ref));
  }

  /** The number of the word whose 32 bytes are at source[at…], added if new. */
  internBytes(source: Uint8Array, at: number): number {
    const hash = hashBytes(source, at, at + 32);
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const found = slots[2 * slot];
      if (found === 0) {
        break;
      }
      if (slots[2 * slot + 1] === hash && this.words.equalsBytes(found, source, at)) {
        return found;
      }
    }
    const ref = ++this.count;
    this.words.setBytes(ref, source, at);
    this.added(ref, hash);
    return ref;
  }

  /** The word's number, or 0 when absent. */
  find(packed: string): number {
    return this.lookup(packed, hashWord(packed));
  }

  /** The packed word numbered `ref`. */
  word(ref: number): string {
    return this.words.get(ref);
  }

  private lookup(packed: string, hash: number): number {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const ref = slots[2 * slot];
      if (ref === 0 || (slots[2 * slot + 1] === hash && this.words.equals(ref, packed))) {
        return ref;
      }
    }
  }

  /** Files the new word numbered `ref` under its hash. */
  private added(ref: number, hash: number): void {
    if (ref * 4 > this.slots.length) {
      this.rehash(this.slots.length);
    }
    this.file(this.slots, ref, hash);
  }

  private file(slots: Uint32Array, ref: number, hash: number): void {
    const mask = (slots.length >>> 1) - 1;
    let slot = hash & mask;
    while (slots[2 * slot] !== 0) {
      slot = (slot + 1) & mask;
    }
    slots[2 * slot] = ref;
    slots[2 * slot + 1] = hash;
  }

  /** Twice as many slots, each word filed again under the hash its old slot kept. */
  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Uint32Array(2 * size);
    for (let slot = 0; slot < old.length; slot += 2) {
      if (old[slot] !== 0) {
        this.file(this.slots, old[slot], old[slot + 1]);
      }
    }
  }
}

/**
 * Murmur3's mix over a packed word's characters, four at a time (each a byte: hex.ts), and its finaliser:
 * user-chosen tx ids may share long prefixes and differ in any byte, and the table keeps a hash's low bits.
 */
function hashWord(packed: string): number {
  let hash = 0;
  for (let k = 0; k < 32; k += 4) {
    hash = mixWord(
      hash,
      packed.charCodeAt(k) |
        (packed.charCodeAt(k + 1) << 8) |
        (packed.charCodeAt(k + 2) << 16) |
        (packed.charCodeAt(k + 3) << 24)
    );
  }
  return finish(hash, 32);
}

/** hashWord of the characters whose codes are source[start, end) (any length: strings too). */
function hashBytes(source: Uint8Array, start: number, end: number): number {
  let hash = 0;
  let k = start;
  for (; k + 4 <= end; k += 4) {
    hash = mixWord(hash, source[k] | (source[k + 1] << 8) | (source[k + 2] << 16) | (source[k + 3] << 24));
  }
  if (k < end) {
    let rest = 0;
    for (let shift = 0; k < end; k++, shift += 8) {
      rest |= source[k] << shift;
    }
    hash = mixWord(hash, rest);
  }
  return finish(hash, end - start);
}

function mixWord(hash: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  hash ^= Math.imul(k, 0x1b873593);
  hash = (hash << 13) | (hash >>> 19);
  return (Math.imul(hash, 5) + 0xe6546b64) | 0;
}

function finish(hash: number, length: number): number {
  hash ^= length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function sameBytes(known: Uint8Array, source: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) {
    return false;
  }
  for (let k = 0; k < known.length; k++) {
    if (known[k] !== source[start + k]) {
      return false;
    }
  }
  return true;
}

/**
 * An event as it lies in a stored record (eventcodec.ts): its numbers, and where its words (32 bytes) and
 * UTF-8 strings lie in `bytes`; -1 for those absent. The codec's parse fills it, the table reads it in place.
 */
export interface EncodedEvent {
  bytes: Uint8Array;
  block: number;
  logIndex: number;
  timestamp: number;
  kind: EventKindCode;
  /** NaN: none. */
  declared: number;
  txHashAt: number;
  txIdAt: number;
  dependencyAt: number;
  nameAt: number;
  nameEnd: number;
  originAt: number;
  originEnd: number;
  targetAt: number;
  targetEnd: number;
  reasonAt: number;
  reasonEnd: number;
  accountAt: number;
  accountEnd: number;
}

/**
 * What a tx has reached, each as the later of its first Buffered and the first of the others named: an entry is
 * appended at the event that completes it, so entries are in time order and "reached by T" is a prefix.
 */
export const Stage = { Buffered: 0, BufferedReady: 1, BufferedFailed: 2, BufferedFailedReady: 3 } as const;
export type StageCode = (typeof Stage)[keyof typeof Stage];
const STAGES = 4;

/** Records 1 + position as the column's entry for `ref` unless one is there. */
function setFirst(column: Column, ref: number, position: number): void {
  if (column.get(ref) === 0) {
    column.set(ref, position + 1);
  }
}

/** The later of two positions, -1 when either is missing. */
const both = (a: number, b: number) => (a < 0 || b < 0 ? -1 : Math.max(a, b));

/** Declared times as whole seconds in [0, 2³²), the ranked sequences' domain (uint256 seconds in practice). */
const wholeSeconds = (seconds: number) => Math.min(0xffffffff, Math.max(0, Math.floor(seconds)));

/**
 * The decoded events of one deployment in chain order, as chunked typed-array columns (48 to 64 bytes an
 * event, against about 240 as objects), with each tx_id's lifecycle kept up to date as events arrive: which
 * event buffered, readied and first failed it, and how many failures it had. The log index appends to it and
 * truncates it on reorgs. Beside the columns, kept on every push and cut on truncate (so rebuilt from the events
 * alone): a bit per position and kind (range counts by two ranks), the resolution times of Ready events as a
 * ranked sequence (exact quantiles of any range), and each tx's stages with its deadline base as ranked
 * sequences (backlog states at any instant). The columns are private: the questions asked of them are methods
 * here and in `eventqueries.ts` and `aggregate.ts`, which materialise a TesseractEvent only for rows shown.
 */
export class EventTable implements RecordStore<TesseractEvent> {
  private count = 0;
  private truncations = 0;
  private readonly blocks = new Column();
  private readonly logIndexes = new SmallColumn();
  /** Unix seconds of each event's block. */
  private readonly timestamps = new Column();
  private readonly kinds = new SmallColumn();
  private readonly nameRefs = new SmallColumn();
  private readonly txHashes = new WordColumn();
  /** Each event's tx_id number (0: none). */
  private readonly txRefs = new Column();
  private readonly dependencyRefs = new SmallColumn();
  private readonly originRefs = new SmallColumn();
  private readonly targetRefs = new SmallColumn();
  private readonly accountRefs = new SmallColumn();
  private readonly reasonRefs = new SmallColumn();
  /** Time each event declares (NaN: none). */
  private readonly declaredTimes = new DeclaredTimes();

  private readonly names = new StringPool();
  private readonly addresses = new StringPool();
  private readonly reasons = new StringPool();
  private readonly txIds = new WordSet();
  /** Per tx_id number: 1 + position of its first Buffered, Ready and Failed event, and of its first and last event; 0 for none. */
  private readonly firstBuffered = new Column();
  private readonly firstReady = new Column();
  private readonly firstFailed = new Column();
  private readonly firstEvent = new Column();
  private readonly lastEvent = new Column();
  private readonly failures = new SmallColumn();
  private readonly kindBits = Array.from({ length: EventKind.Other + 1 }, () => new RankBits());
  /** Positions of the Ready events with a resolution time, and those times (s) in position order. */
  private readonly resolutionBits = new RankBits();
  private readonly resolutions = new RankedSequence();
  /** Per stage: the positions completing it, and each entry's deadline base (declared time, else Buffered block time). */
  private readonly stageBits = Array.from({ length: STAGES }, () => new RankBits());
  private readonly stageBases = Array.from({ length: STAGES }, () => new RankedSequence());

  /** A table of these events (in chain order). */
  static from(events: Iterable<TesseractEvent>): EventTable {
    const table = new EventTable();
    for (const event of events) {
      table.push(event);
    }
    return table;
  }

  get length(): number {
    return this.count;
  }

  /** Changes whenever events are removed (a reorg): with `length`, tells whether the content changed. */
  get revision(): number {
    return this.truncations;
  }

  /** tx_ids are numbered 1..txCount. */
  get txCount(): number {
    return this.txIds.size;
  }

  blockAt(position: number): number {
    return this.blocks.get(position);
  }

  logIndexAt(position: number): number {
    return this.logIndexes.get(position);
  }

  /** Block time (unix seconds) of the event at `position`. */
  timeAt(position: number): number {
    return this.timestamps.get(position);
  }

  kindAt(position: number): EventKindCode {
    return this.kinds.get(position) as EventKindCode;
  }

  /** The tx_id number of the event at `position` (0: none). */
  txRefAt(position: number): number {
    return this.txRefs.get(position);
  }

  /** Position of the first Buffered event of tx_id number `ref`, or -1. */
  bufferedAt(ref: number): number {
    return this.firstBuffered.get(ref) - 1;
  }

  /** Position of the first Ready event of tx_id number `ref`, or -1. */
  readyAt(ref: number): number {
    return this.firstReady.get(ref) - 1;
  }

  /** Position of the first Failed event of tx_id number `ref`, or -1. */
  failedAt(ref: number): number {
    return this.firstFailed.get(ref) - 1;
  }

  /** Positions of the first and last event naming tx_id number `ref` as its tx_id; [-1, -1] for none. */
  eventSpanOf(ref: number): [number, number] {
    return [this.firstEvent.get(ref) - 1, this.lastEvent.get(ref) - 1];
  }

  /** When tx_id number `ref` (buffered) expires: its declared time, else its Buffered block's, plus the window. */
  deadlineOf(ref: number, coordinationWindow: number | null): number {
    const buffered = this.bufferedAt(ref);
    if (buffered < 0) {
      return Infinity;
    }
    const declared = this.declaredTimes.get(buffered);
    return expiryTime(Number.isNaN(declared) ? null : declared, this.timestamps.get(buffered), coordinationWindow);
  }

  /**
   * The resolution time (s) the Ready event at `position` stands for: from its tx's first Buffered to it, when it
   * is the tx's first Ready and that Buffered is indexed before it; else null (a later Ready, or a tx buffered
   * before the start block).
   */
  resolutionAt(position: number): number | null {
    const ref = this.txRefs.get(position);
    const buffered = ref === 0 ? -1 : this.bufferedAt(ref);
    if (buffered < 0 || buffered >= position || this.readyAt(ref) !== position) {
      return null;
    }
    return this.timestamps.get(position) - this.timestamps.get(buffered);
  }

  /** How many events of this kind the table holds. */
  countOf(kind: EventKindCode): number {
    return this.kindBits[kind].count;
  }

  /** Events of this kind at positions [from, to). */
  countBetween(kind: EventKindCode, from: number, to: number): number {
    const bits = this.kindBits[kind];
    return bits.rank(to) - bits.rank(from);
  }

  /**
   * A finder of the highest position in [from, before) holding an event of one of `kinds`, or -1: made once a
   * walk, so that each step allocates nothing.
   */
  previousOfKinds(kinds: readonly EventKindCode[]): (from: number, before: number) => number {
    const bits = kinds.map((kind) => this.kindBits[kind]);
    return (from, before) => previousSet(bits, from, before);
  }

  /** Resolution times of the Ready events at positions [from, to): how many, and the k-th smallest (from 0). */
  resolutionCount(from: number, to: number): number {
    return this.resolutionBits.rank(to) - this.resolutionBits.rank(from);
  }

  resolutionRank(from: number, to: number, k: number): number {
    return this.resolutions.select(this.resolutionBits.rank(from), this.resolutionBits.rank(to), k);
  }

  /** Txs that reached `stage` at positions < `position`. */
  reachedBefore(stage: StageCode, position: number): number {
    return this.stageBits[stage].rank(position);
  }

  /** Of the first `reached` txs to reach `stage`, those whose deadline base (whole seconds) is below `base`. */
  baseBelow(stage: StageCode, reached: number, base: number): number {
    return this.stageBases[stage].countLess(0, reached, base);
  }

  /** First position whose block time is ≥ seconds (block times never decrease along the chain). */
  firstAtOrAfter(seconds: number): number {
    return firstPosition(this.count, (position) => this.timestamps.get(position), seconds);
  }

  /** First position whose block time is > seconds. */
  firstAfter(seconds: number): number {
    return firstPosition(this.count, (position) => this.timestamps.get(position), seconds, true);
  }

  /** The packed tx_id numbered `ref`. */
  txId(ref: number): string {
    return this.txIds.word(ref);
  }

  /** The number of a packed tx_id, 0 when no event names it. */
  txRef(packedTxId: string): number {
    return this.txIds.find(packedTxId);
  }

  /** Event name as in the ABI. */
  name(position: number): string {
    return this.names.value(this.nameRefs.get(position)) as string;
  }

  origin(position: number): string | null {
    return this.addresses.value(this.originRefs.get(position));
  }

  target(position: number): string | null {
    return this.addresses.value(this.targetRefs.get(position));
  }

  reason(position: number): string | null {
    return this.reasons.value(this.reasonRefs.get(position));
  }

  /** The event at `position` as an object. */
  event(position: number): TesseractEvent {
    const txRef = this.txRefs.get(position);
    const dependencyRef = this.dependencyRefs.get(position);
    const at = this.declaredTimes.get(position);
    return new TesseractEvent(
      this.blocks.get(position),
      this.logIndexes.get(position),
      this.timestamps.get(position),
      this.kinds.get(position) as EventKindCode,
      this.name(position),
      this.txHashes.get(position),
      txRef === 0 ? null : this.txIds.word(txRef),
      this.origin(position),
      this.target(position),
      dependencyRef === 0 ? null : this.txIds.word(dependencyRef),
      this.reason(position),
      this.addresses.value(this.accountRefs.get(position)),
      Number.isNaN(at) ? null : at
    );
  }

  /** The lifecycle of tx_id number `ref`; undefined when no Buffered, Ready or Failed event names it. */
  lifecycle(ref: number): Lifecycle | undefined {
    if (ref <= 0 || ref > this.txIds.size) {
      return undefined;
    }
    const eventAt = (position: number) => (position < 0 ? null : this.event(position));
    const buffered = eventAt(this.bufferedAt(ref));
    const ready = eventAt(this.readyAt(ref));
    const failed = eventAt(this.failedAt(ref));
    if (!buffered && !ready && !failed) {
      return undefined;
    }
    return { txId: this.txIds.word(ref), buffered, ready, failed, failures: this.failures.get(ref) };
  }

  push(event: TesseractEvent): void {
    const position = this.count;
    this.txHashes.set(position, event.txHash);
    this.nameRefs.set(position, this.names.ref(event.name));
    this.txRefs.set(position, event.txId === null ? 0 : this.txIds.intern(event.txId));
    this.dependencyRefs.set(position, event.dependency === null ? 0 : this.txIds.intern(event.dependency));
    this.originRefs.set(position, this.addresses.ref(event.origin));
    this.targetRefs.set(position, this.addresses.ref(event.target));
    this.accountRefs.set(position, this.addresses.ref(event.account));
    this.reasonRefs.set(position, this.reasons.ref(event.reason));
    this.append(event.blockNumber, event.logIndex, event.timestamp, event.kind, event.at ?? NaN);
  }

  /** push() of an event read in place from its stored bytes (a replay), with no object or string per event. */
  pushEncoded(event: EncodedEvent): void {
    const position = this.count;
    const { bytes } = event;
    this.txHashes.setBytes(position, bytes, event.txHashAt);
    this.nameRefs.set(position, this.names.refBytes(bytes, event.nameAt, event.nameEnd));
    this.txRefs.set(position, event.txIdAt < 0 ? 0 : this.txIds.internBytes(bytes, event.txIdAt));
    this.dependencyRefs.set(position, event.dependencyAt < 0 ? 0 : this.txIds.internBytes(bytes, event.dependencyAt));
    this.originRefs.set(position, this.addresses.refBytes(bytes, event.originAt, event.originEnd, 0));
    this.targetRefs.set(position, this.addresses.refBytes(bytes, event.targetAt, event.targetEnd, 1));
    this.accountRefs.set(position, this.addresses.refBytes(bytes, event.accountAt, event.accountEnd, 2));
    this.reasonRefs.set(position, this.reasons.refBytes(bytes, event.reasonAt, event.reasonEnd));
    this.append(event.block, event.logIndex, event.timestamp, event.kind, event.declared);
  }

  /**
   * push() of the event at `from` in another table (retention's rebuild): words copied byte to byte, strings
   * by their pooled values, no object per event.
   */
  private pushFrom(source: EventTable, from: number): void {
    const position = this.count;
    this.txHashes.setBytes(position, source.txHashes.chunkOf(from), source.txHashes.offsetOf(from));
    this.nameRefs.set(position, this.names.ref(source.name(from)));
    this.txRefs.set(position, this.txRefFrom(source, source.txRefs.get(from)));
    this.dependencyRefs.set(position, this.txRefFrom(source, source.dependencyRefs.get(from)));
    this.originRefs.set(position, this.addresses.ref(source.origin(from)));
    this.targetRefs.set(position, this.addresses.ref(source.target(from)));
    this.accountRefs.set(position, this.addresses.ref(source.addresses.value(source.accountRefs.get(from))));
    this.reasonRefs.set(position, this.reasons.ref(source.reason(from)));
    this.append(
      source.blocks.get(from),
      source.logIndexes.get(from),
      source.timestamps.get(from),
      source.kinds.get(from) as EventKindCode,
      source.declaredTimes.get(from)
    );
  }

  /** The number here of tx_id number `ref` of `source` (0: none). */
  private txRefFrom(source: EventTable, ref: number): number {
    return ref === 0 ? 0 : this.txIds.internFrom(source.txIds, ref);
  }

  /** The rest of a push, once the event's words and strings are set at the next position. */
  private append(block: number, logIndex: number, timestamp: number, kind: EventKindCode, declared: number): void {
    const position = this.count;
    this.blocks.set(position, block);
    this.logIndexes.set(position, logIndex);
    this.timestamps.set(position, timestamp);
    this.kinds.set(position, kind);
    this.declaredTimes.set(position, declared);
    this.count++;
    this.track(position);
    this.index(position);
  }

  /**
   * Keeps the first `length` events: lifecycles are replayed from them (reorgs are rare); kind bits, resolutions
   * and stages are cut where the kept positions end, since each entry was appended at its position.
   */
  truncate(length: number): void {
    if (length >= this.count) {
      return;
    }
    this.count = length;
    this.truncations++;
    for (const column of [
      this.blocks,
      this.logIndexes,
      this.timestamps,
      this.kinds,
      this.nameRefs,
      this.txHashes,
      this.txRefs,
      this.dependencyRefs,
      this.originRefs,
      this.targetRefs,
      this.accountRefs,
      this.reasonRefs,
      this.declaredTimes,
    ]) {
      column.clearFrom(length);
    }
    for (const bits of this.kindBits) {
      bits.truncate(length);
    }
    this.resolutions.truncate(this.resolutionBits.rank(length));
    this.resolutionBits.truncate(length);
    for (let stage = 0; stage < STAGES; stage++) {
      this.stageBases[stage].truncate(this.stageBits[stage].rank(length));
      this.stageBits[stage].truncate(length);
    }
    for (const column of [
      this.firstBuffered,
      this.firstReady,
      this.firstFailed,
      this.firstEvent,
      this.lastEvent,
      this.failures,
    ]) {
      column.clearFrom(0);
    }
    for (let position = 0; position < length; position++) {
      this.track(position);
    }
  }

  /**
   * Retention: keeps the events from `count` on, as a table built from them alone (every column, pool, lifecycle
   * and index rebuilt, so no structure keeps a dropped position or string). A tx whose Buffered is dropped reads
   * as one buffered before the table starts, as with a later start block. A new revision: caches keyed by it go.
   */
  dropFirst(count: number): void {
    const kept = new EventTable();
    for (let position = count; position < this.count; position++) {
      kept.pushFrom(this, position);
    }
    const truncations = this.truncations + 1;
    Object.assign(this, kept);
    this.truncations = truncations;
  }

  /** Pairs the event at `position` into its tx_id's lifecycle (no closures: this runs once per event). */
  private track(position: number): void {
    const ref = this.txRefs.get(position);
    if (ref === 0) {
      return;
    }
    setFirst(this.firstEvent, ref, position);
    this.lastEvent.set(ref, position + 1);
    switch (this.kinds.get(position)) {
      case EventKind.Buffered:
        setFirst(this.firstBuffered, ref, position);
        break;
      case EventKind.Ready:
        setFirst(this.firstReady, ref, position);
        break;
      case EventKind.Failed:
        setFirst(this.firstFailed, ref, position);
        this.failures.set(ref, this.failures.get(ref) + 1);
        break;
    }
  }

  /** Sets the event's kind bit, its resolution time, and the stages its tx completes here. */
  private index(position: number): void {
    const kind = this.kinds.get(position) as EventKindCode;
    this.kindBits[kind].set(position);
    const ref = this.txRefs.get(position);
    if (ref === 0) {
      return;
    }
    const resolution = kind === EventKind.Ready ? this.resolutionAt(position) : null;
    if (resolution !== null) {
      this.resolutionBits.set(position);
      this.resolutions.push(resolution);
    }
    const buffered = this.bufferedAt(ref);
    const ready = this.readyAt(ref);
    const failed = this.failedAt(ref);
    if (buffered < 0 || (buffered !== position && ready !== position && failed !== position)) {
      return; // no stage completes at a later Ready or Failed, nor before the tx is buffered
    }
    const declared = this.declaredTimes.get(buffered);
    const base = wholeSeconds(Number.isNaN(declared) ? this.timestamps.get(buffered) : declared);
    // A stage completes here when this event is the latest of the stage's first events (-1: none yet).
    this.reach(Stage.Buffered, buffered, position, base);
    this.reach(Stage.BufferedReady, both(buffered, ready), position, base);
    this.reach(Stage.BufferedFailed, both(buffered, failed), position, base);
    this.reach(Stage.BufferedFailedReady, both(both(buffered, failed), ready), position, base);
  }

  private reach(stage: StageCode, latest: number, position: number, base: number): void {
    if (latest === position) {
      this.stageBits[stage].set(position);
      this.stageBases[stage].push(base);
    }
  }
}
