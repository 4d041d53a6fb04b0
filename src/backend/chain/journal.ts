import { crc32 } from 'node:zlib';
import type { RangeTunerState } from './getlogs';

/**
 * Where a log index's progress survives the process: an append-only sequence of entries per deployment,
 * each one chunk of encoded records (opaque to the chain layer: the caller's codec) with the sync checkpoint
 * as of that chunk, or a rollback (a reorg dropped the records from a block on). Replaying the entries in
 * order rebuilds the index exactly as it was after the last stored entry.
 */

/** The index's sync state after an entry: what a restart resumes from. */
export interface IndexCheckpoint {
  /** Highest block whose logs are all stored. */
  indexedTo: number;
  confirmedTo: number;
  /** Remembered hashes of unconfirmed blocks (and the anchor): re-checked against the chain on load. */
  tailHashes: Array<[number, string]>;
  /**
   * indexedTo's hash, confirmed or not: a load checks it first, so a store that outlived its chain (a devnet
   * started again, another network behind the same chain id) is caught like a reorg.
   */
  tip?: [number, string];
  tuner: RangeTunerState;
  /** Set once retention dropped records (logindex.ts): none of blocks before dropped.fromBlock is stored. */
  dropped?: { records: number; fromBlock: number; summary: unknown };
}

/** One encoded record and the block it belongs to (the chain layer truncates by block without decoding). */
export interface StoredRecord {
  block: number;
  bytes: Uint8Array;
}

/**
 * An entry's records in one buffer, each with its block and where its bytes lie: a replay of a million records
 * reads them in place (a loaded entry's buffer is its payload), with no object or Buffer view per record.
 */
export class StoredRecords {
  /** Record i is bytes[starts[i], ends[i]), of block blocks[i]. */
  private constructor(
    readonly bytes: Uint8Array,
    private readonly blocks: Uint32Array,
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array
  ) {}

  static of(records: readonly StoredRecord[]): StoredRecords {
    const out = StoredRecords.allocate(
      records.length,
      records.reduce((size, record) => size + record.bytes.length, 0)
    );
    records.forEach((record, i) => out.put(i, record.block, record.bytes));
    return out;
  }

  /** The records [from, to) of several runs, in order, as one (compaction). */
  static concat(parts: ReadonlyArray<{ records: StoredRecords; from: number; to: number }>): StoredRecords {
    let count = 0;
    let size = 0;
    for (const { records, from, to } of parts) {
      count += to - from;
      for (let i = from; i < to; i++) {
        size += records.ends[i] - records.starts[i];
      }
    }
    const out = StoredRecords.allocate(count, size);
    let at = 0;
    for (const { records, from, to } of parts) {
      for (let i = from; i < to; i++) {
        out.put(at++, records.blocks[i], records.bytes.subarray(records.starts[i], records.ends[i]));
      }
    }
    return out;
  }

  /** Record i of an entry's payload is payload[starts[i], ends[i]). */
  static within(payload: Uint8Array, blocks: Uint32Array, starts: Uint32Array, ends: Uint32Array): StoredRecords {
    return new StoredRecords(payload, blocks, starts, ends);
  }

  private static allocate(count: number, size: number): StoredRecords {
    return new StoredRecords(
      new Uint8Array(size),
      new Uint32Array(count),
      new Uint32Array(count),
      new Uint32Array(count)
    );
  }

  /** Fills record i of an allocated run, right after record i − 1. */
  private put(i: number, block: number, bytes: Uint8Array): void {
    const start = i === 0 ? 0 : this.ends[i - 1];
    this.blocks[i] = block;
    this.starts[i] = start;
    this.ends[i] = start + bytes.length;
    this.bytes.set(bytes, start);
  }

  get length(): number {
    return this.blocks.length;
  }

  block(i: number): number {
    return this.blocks[i];
  }

  /** Record i's bytes are bytes[start(i), end(i)). */
  start(i: number): number {
    return this.starts[i];
  }

  end(i: number): number {
    return this.ends[i];
  }

  /** Record i as a view of its own. */
  record(i: number): StoredRecord {
    return { block: this.blocks[i], bytes: this.bytes.subarray(this.starts[i], this.ends[i]) };
  }
}

/** What a retention compaction keeps: the records from a block on, and the checkpoint they are stored under. */
export interface Retain {
  fromBlock: number;
  checkpoint: IndexCheckpoint;
}

export interface JournalEntry {
  /** Records of blocks ≥ rollbackFrom were dropped before this entry's records (a reorg). */
  rollbackFrom?: number;
  records: StoredRecords;
  checkpoint: IndexCheckpoint;
}

export interface JournalLoad {
  entries: number;
  /** Entries that roll back (dead records a compaction would drop). */
  rollbacks: number;
  /** Set when stored data was discarded (corrupt, torn, another format): said once in the log and health. */
  warning?: string;
}

/** One deployment's journal, in some durable store (a local file, a shared database). */
export interface IndexJournal {
  /** A short description for logs and health ("file /var/lib/…", "postgres"), never a secret. */
  readonly description: string;
  /**
   * Hands every stored entry to `onEntry`, in order (a damaged tail is dropped, and said so). An entry's
   * records may lie in a buffer the next entry reuses: use them during the call.
   */
  load(onEntry: (entry: JournalEntry) => void): Promise<JournalLoad>;
  append(entry: JournalEntry): Promise<void>;
  /**
   * Rewrites the entries as their live records in few entries (rollbacks applied), atomically; with `retain`,
   * only the records of blocks ≥ retain.fromBlock, under retain.checkpoint (what the index holds now).
   */
  compact(retain?: Retain): Promise<void>;
  /** Drops everything stored (a settings change elsewhere, or an unusable store). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Entries that follow another process's writes: a shared store's reader replays what the writer stored
 * instead of asking the chain.
 */
export interface SharedIndexJournal extends IndexJournal {
  /** Tries to become this deployment's only writer; true while this process holds the role. */
  acquireWriter(): Promise<boolean>;
  readonly isWriter: boolean;
  /** Entries stored after the ones this journal loaded or read last. */
  readNew(): Promise<JournalEntry[]>;
}

export function isShared(journal: IndexJournal): journal is SharedIndexJournal {
  return 'acquireWriter' in journal;
}

/**
 * The deployment identity a store keys entries by: what the records depend on. A change of any of these
 * makes that deployment's stored entries someone else's (ignored and replaced), and no other deployment's.
 */
export interface JournalKey {
  chainId: number;
  address: string;
  startBlock: number;
  /** The event signatures indexed (the ABI's): another ABI decodes other records. */
  topic0s: string[];
  /** The caller's record format version. */
  codec: string;
}

export function journalKeyText(key: JournalKey): string {
  return JSON.stringify({
    chainId: key.chainId,
    address: key.address.toLowerCase(),
    startBlock: key.startBlock,
    topic0s: [...key.topic0s].map((topic) => topic.toLowerCase()).sort(),
    codec: key.codec,
  });
}

// Entry payload: u32 checkpoint length, checkpoint JSON, f64 rollbackFrom (NaN: none), u32 record count,
// then per record u32 block, u32 length, bytes.

export function encodeEntry(entry: JournalEntry): Buffer {
  const checkpoint = Buffer.from(JSON.stringify(entry.checkpoint), 'utf8');
  const { records } = entry;
  let size = 4 + checkpoint.length + 8 + 4;
  for (let i = 0; i < records.length; i++) {
    size += 8 + records.end(i) - records.start(i);
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32LE(checkpoint.length, 0);
  at += checkpoint.copy(out, at);
  at = out.writeDoubleLE(entry.rollbackFrom ?? NaN, at);
  at = out.writeUInt32LE(records.length, at);
  for (let i = 0; i < records.length; i++) {
    const start = records.start(i);
    const end = records.end(i);
    at = out.writeUInt32LE(records.block(i), at);
    at = out.writeUInt32LE(end - start, at);
    out.set(records.bytes.subarray(start, end), at);
    at += end - start;
  }
  return out;
}

/** Throws on any inconsistency (a payload that passed its checksum but is not an entry). Records stay in `payload`. */
export function decodeEntry(payload: Buffer): JournalEntry {
  const need = (at: number, bytes: number) => {
    if (at + bytes > payload.length) {
      throw new Error('entry shorter than its contents');
    }
  };
  need(0, 4);
  const checkpointLength = payload.readUInt32LE(0);
  need(4, checkpointLength + 12);
  const checkpoint = JSON.parse(payload.toString('utf8', 4, 4 + checkpointLength)) as IndexCheckpoint;
  if (!Number.isInteger(checkpoint.indexedTo) || !Array.isArray(checkpoint.tailHashes)) {
    throw new Error('entry without a checkpoint');
  }
  let at = 4 + checkpointLength;
  const rollback = payload.readDoubleLE(at);
  const count = payload.readUInt32LE(at + 8);
  at += 12;
  // Each record takes 8 bytes of framing at least: a larger count is damage (and no huge allocation).
  need(at, 8 * count);
  const blocks = new Uint32Array(count);
  const starts = new Uint32Array(count);
  const ends = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    need(at, 8);
    blocks[i] = payload.readUInt32LE(at);
    const length = payload.readUInt32LE(at + 4);
    need(at + 8, length);
    starts[i] = at + 8;
    ends[i] = at + 8 + length;
    at += 8 + length;
  }
  if (at !== payload.length) {
    throw new Error('entry longer than its contents');
  }
  const records = StoredRecords.within(payload, blocks, starts, ends);
  return { ...(Number.isNaN(rollback) ? {} : { rollbackFrom: rollback }), records, checkpoint };
}

export function checksum(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}

/**
 * The live records of a sequence of entries (rollbacks applied) and the last checkpoint: what compaction
 * keeps, in segments of at most `perEntry` records.
 */
export function compactEntries(entries: JournalEntry[], perEntry = 10_000, retain?: Retain): JournalEntry[] {
  // Each entry's live records are a prefix of its own: a rollback shortens the entries before it.
  const live: Array<{ records: StoredRecords; to: number }> = [];
  for (const entry of entries) {
    if (entry.rollbackFrom !== undefined) {
      for (let e = live.length - 1; e >= 0; e--) {
        const run = live[e];
        while (run.to > 0 && run.records.block(run.to - 1) >= entry.rollbackFrom) {
          run.to--;
        }
        if (run.to > 0) {
          break;
        }
      }
    }
    live.push({ records: entry.records, to: entry.records.length });
  }
  const last = entries[entries.length - 1];
  if (!last) {
    return [];
  }
  const checkpoint = retain?.checkpoint ?? last.checkpoint;
  const fromBlock = retain?.fromBlock ?? -Infinity;
  const compacted: JournalEntry[] = [];
  let parts: Array<{ records: StoredRecords; from: number; to: number }> = [];
  let taken = 0;
  let lastBlock = -1;
  // Entries before the last end with a whole block, under a checkpoint at that block: a replay takes each
  // entry's records as following the checkpoint before it (a copy of the last would reject the next records).
  const flush = (final: boolean) => {
    const at = final
      ? checkpoint
      : {
          indexedTo: lastBlock,
          confirmedTo: Math.min(checkpoint.confirmedTo, lastBlock),
          tailHashes: [],
          tuner: checkpoint.tuner,
          ...(checkpoint.dropped === undefined ? {} : { dropped: checkpoint.dropped }),
        };
    compacted.push({ records: StoredRecords.concat(parts), checkpoint: at });
    parts = [];
    taken = 0;
  };
  for (const { records, to } of live) {
    let from = 0;
    while (from < to && records.block(from) < fromBlock) {
      from++;
    }
    for (let at = from; at < to; at++) {
      if (taken + at - from >= perEntry && records.block(at) !== lastBlock) {
        parts.push({ records, from, to: at });
        flush(false);
        from = at;
      }
      lastBlock = records.block(at);
    }
    parts.push({ records, from, to });
    taken += to - from;
  }
  if (taken > 0 || compacted.length === 0) {
    flush(true);
  }
  return compacted;
}
