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
}

/** One encoded record and the block it belongs to (the chain layer truncates by block without decoding). */
export interface StoredRecord {
  block: number;
  bytes: Uint8Array;
}

export interface JournalEntry {
  /** Records of blocks ≥ rollbackFrom were dropped before this entry's records (a reorg). */
  rollbackFrom?: number;
  records: StoredRecord[];
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
  /** Hands every stored entry to `onEntry`, in order (a damaged tail is dropped, and said so). */
  load(onEntry: (entry: JournalEntry) => void): Promise<JournalLoad>;
  append(entry: JournalEntry): Promise<void>;
  /** Rewrites the entries as their live records in few entries (rollbacks applied), atomically. */
  compact(): Promise<void>;
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
  let size = 4 + checkpoint.length + 8 + 4;
  for (const record of entry.records) {
    size += 8 + record.bytes.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32LE(checkpoint.length, 0);
  at += checkpoint.copy(out, at);
  at = out.writeDoubleLE(entry.rollbackFrom ?? NaN, at);
  at = out.writeUInt32LE(entry.records.length, at);
  for (const record of entry.records) {
    at = out.writeUInt32LE(record.block, at);
    at = out.writeUInt32LE(record.bytes.length, at);
    out.set(record.bytes, at);
    at += record.bytes.length;
  }
  return out;
}

/** Throws on any inconsistency (a payload that passed its checksum but is not an entry). */
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
  const records: StoredRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    need(at, 8);
    const block = payload.readUInt32LE(at);
    const length = payload.readUInt32LE(at + 4);
    need(at + 8, length);
    records[i] = { block, bytes: payload.subarray(at + 8, at + 8 + length) };
    at += 8 + length;
  }
  if (at !== payload.length) {
    throw new Error('entry longer than its contents');
  }
  return { ...(Number.isNaN(rollback) ? {} : { rollbackFrom: rollback }), records, checkpoint };
}

export function checksum(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}

/**
 * The live records of a sequence of entries (rollbacks applied) and the last checkpoint: what compaction
 * keeps, in segments of at most `perEntry` records.
 */
export function compactEntries(entries: JournalEntry[], perEntry = 10_000): JournalEntry[] {
  const records: StoredRecord[] = [];
  for (const entry of entries) {
    if (entry.rollbackFrom !== undefined) {
      let keep = records.length;
      while (keep > 0 && records[keep - 1].block >= entry.rollbackFrom) {
        keep--;
      }
      records.length = keep;
    }
    records.push(...entry.records);
  }
  const last = entries[entries.length - 1];
  if (!last) {
    return [];
  }
  const compacted: JournalEntry[] = [];
  for (let i = 0; i < records.length || compacted.length === 0; i += perEntry) {
    compacted.push({ records: records.slice(i, i + perEntry), checkpoint: last.checkpoint });
  }
  return compacted;
}
