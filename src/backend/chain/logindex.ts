import { BlockClock, BlockHeader } from './blocks';
import { emptyGetLogsStats, iterateLogs, RangeTuner, RawLog } from './getlogs';
import { isShared, StoredRecords, type IndexCheckpoint, type IndexJournal, type JournalEntry } from './journal';
import { RpcPool } from './rpc';
import { firstPosition } from './search';
import { singleFlight } from './singleflight';

/** The least a decoded record must carry: its position on the chain. */
export interface IndexedRecord {
  blockNumber: number;
  logIndex: number;
}

/**
 * Where the index keeps its records, in chain order. The index only appends, truncates on reorgs and
 * searches by block; how records are laid out (objects, typed-array columns) is the store's business.
 */
export interface RecordStore<T extends IndexedRecord> {
  readonly length: number;
  blockAt(position: number): number;
  push(record: T): void;
  truncate(length: number): void;
  /** Drops the first `count` records (retention): positions move down by count. */
  dropFirst(count: number): void;
}

/** The plain store: an array of the records themselves. */
export class RecordArray<T extends IndexedRecord> implements RecordStore<T> {
  readonly records: T[] = [];

  get length(): number {
    return this.records.length;
  }

  blockAt(position: number): number {
    return this.records[position].blockNumber;
  }

  push(record: T): void {
    this.records.push(record);
  }

  truncate(length: number): void {
    this.records.length = length;
  }

  dropFirst(count: number): void {
    this.records.splice(0, count);
  }

  /** Records with fromBlock ≤ blockNumber ≤ toBlock. */
  between(fromBlock: number, toBlock: number): T[] {
    const at = (position: number) => this.blockAt(position);
    return this.records.slice(firstPosition(this.length, at, fromBlock), firstPosition(this.length, at, toBlock, true));
  }
}

export interface LogIndexOptions<T extends IndexedRecord, S extends RecordStore<T>> {
  /** Receives the decoded records. */
  store: S;
  pool: RpcPool;
  clock: BlockClock;
  address: string;
  /** Event signatures to index (OR-ed). */
  topic0s: string[];
  /** First block to index (the deployment block). */
  startBlock: number;
  /** Blocks deeper than this below head are final; newer ones are re-checked by hash on every sync. */
  confirmations: number;
  /** Widest eth_getLogs span (the first request's; narrowed when a provider refuses it). */
  maxBlockRange: number;
  /** Turns a log into the compact record kept in memory; null skips it. */
  decode: (log: RawLog) => T | null;
  /** Called after each chunk is indexed, with its log count (e.g. to release the memory a large reply took). */
  afterChunk?: (logCount: number) => void;
  /** Where the index survives a restart (and, when shared, is written by one process and read by the others). */
  journal?: { store: IndexJournal; codec: RecordCodec<T, S> };
  /** How many of the oldest records to keep; absent: all of them. */
  retention?: RecordRetention<S>;
}

/**
 * Retention, the caller's rule: after each sync the index drops the records `excess` names (fewer when they
 * are not all confirmed, and never part of a block), tells `summarize` first, and compacts the journal to the
 * records kept. The summary (the caller's account of every record dropped so far, e.g. totals that must not go
 * down) is stored in the checkpoint and given back by `dropped()` after a restart.
 */
export interface RecordRetention<S> {
  /** Records at the front of the store worth dropping now (0: none; a margin keeps the cost amortized). */
  excess(store: S): number;
  /** Called before the first `count` records are dropped, with the summary so far; returns the new one (JSON). */
  summarize(count: number, previous: unknown): unknown;
  /**
   * Called after the first `count` records were dropped by a drop `summary` already accounts for (a replay's,
   * or the writer's of a shared journal, which may have dropped records this process never read).
   */
  followDrop(count: number, summary: unknown): void;
}

/** What retention dropped before the first kept record (stored in every checkpoint from then on). */
export interface DroppedRecords {
  /** Records dropped, in all. */
  records: number;
  /** The first block kept: earlier blocks' records are gone. */
  fromBlock: number;
  summary: unknown;
}

/** The caller's records as bytes, for the journal (the chain layer never looks inside). */
export interface RecordCodec<T extends IndexedRecord, S extends RecordStore<T> = RecordStore<T>> {
  encode(record: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /**
   * Optional, for replays: appends the one record encoded at bytes[start, end) to the store, as
   * `store.push(decode(…))` would, without building the record (a store of columns takes it field by field).
   * Throws, leaving the store as it was, on bytes `decode` would throw on.
   */
  decodeInto?(store: S, bytes: Uint8Array, start: number, end: number): void;
}

/** A reader waits this long for the writer to store the head it saw, taking the role over if it frees up. */
const FOLLOW_WAIT_MS = 60_000;
const FOLLOW_POLL_MS = 250;
/** A shared journal's writer keeps it at the head this often, for the readers (who may get all the queries). */
const WRITER_SYNC_MS = 2_000;

/** Journals with more entries than this are compacted on load (one entry per sync adds up over days). */
const COMPACT_AFTER_ENTRIES = 1024;

export interface JournalStats {
  description: string;
  /** Records replayed from the journal at start. */
  loadedRecords: number;
  loadMs: number;
  /** Stored data discarded at load (damage, another format), and why. */
  warning?: string;
  /** A write failed: the journal stopped taking entries (the memory index goes on), and why. */
  writeError?: string;
  /** For a shared journal: whether this process writes it or follows the writer. */
  role?: 'writer' | 'reader';
  /** For a shared journal: the last write that failed (the role was lost and the store is read again). */
  lastWriteError?: string;
}
export interface SyncReport {
  /** Chain head seen by this sync. */
  headBlock: number;
  /** Its hash: an unchanged head hash means nothing on chain changed since. */
  headHash: string;
  /** Blocks fetched by this sync (none when fromBlock > toBlock). */
  fromBlock: number;
  toBlock: number;
  added: number;
  /** Records dropped because their blocks were reorged away. */
  dropped: number;
  /** First block re-fetched after a reorg, when one was seen. */
  reorgFromBlock?: number;
  getLogsCalls: number;
  splits: number;
  /** Round trips asked of the pool, as LogIndexStats.rpcCalls. */
  rpcCalls: number;
  durationMs: number;
}

export interface LogIndexStats {
  /** Highest block whose logs are all in the index (startBlock - 1 before the first sync). */
  indexedToBlock: number;
  /** Highest indexed block at least `confirmations` deep at the last sync; never re-checked. */
  confirmedToBlock: number;
  /** -1 before the first sync. */
  headBlock: number;
  count: number;
  syncs: number;
  reorgs: number;
  /** Logs the node sent twice (overlapping answers), ignored. */
  duplicatesIgnored: number;
  /** Logs the decoder threw on (skipped), and the last such error. */
  decodeErrors: number;
  lastDecodeError?: string;
  getLogsCalls: number;
  splits: number;
  headerBatches: number;
  /** Head-and-tip batches (one per sync, two when a reorg was found). */
  headChecks: number;
  /**
   * JSON-RPC round trips the syncs asked the pool for (head checks + getLogs chunks + header batches); the
   * pool's retries and failovers come on top (see RpcObserver).
   */
  rpcCalls: number;
  /** Date.now() of the last successful sync. */
  lastSyncAt?: number;
  lastError?: string;
  journal?: JournalStats;
}

/**
 * Incremental, reorg-safe, in-memory index of one contract's logs.
 *
 * Each sync fetches the head and the header of the last indexed block in one batch. Block hashes chain, so
 * if that block's hash is unchanged, every indexed block is still canonical; if not, the highest tail block
 * whose remembered hash still matches is the fork point, and everything after it is dropped and re-fetched.
 * Hashes are remembered for unconfirmed blocks only (those that had logs and each chunk's last block).
 */
export class LogIndex<T extends IndexedRecord, S extends RecordStore<T> = RecordArray<T>> {
  private indexedTo: number;
  private confirmedTo: number;
  private headBlock = -1;
  /**
   * Hashes of known blocks newer than confirmedTo, as seen when their logs were fetched, and of the highest
   * known block at or below it (the anchor: a reorg that replaced it went deeper than `confirmations`).
   */
  private readonly tailHashes = new Map<number, string>();
  private readonly rollbackListeners = new Set<(fromBlock: number) => void>();
  private readonly dropListeners = new Set<(count: number) => void>();
  private droppedRecords?: DroppedRecords;
  /** droppedRecords.records as this process last applied it (its own drop, or one it followed). */
  private appliedDrops = 0;
  /** Learnt provider limits, kept across syncs. */
  private readonly tuner: RangeTuner;
  private readonly counters = {
    syncs: 0,
    reorgs: 0,
    duplicatesIgnored: 0,
    decodeErrors: 0,
    headChecks: 0,
    ...emptyGetLogsStats(),
  };
  private lastDecodeError?: string;
  private lastSyncAt?: number;
  private lastError?: string;
  private disposed = false;
  private journalStats?: JournalStats;
  private writerTimer?: NodeJS.Timeout;
  /** indexedTo as of the last entry stored or replayed. */
  private storedTo = -1;
  /** indexedTo's hash as its chunk's header had it (for the checkpoint). */
  private tipHash?: string;
  /** The journal's replay (once, by open() or the first sync). */
  private opening?: Promise<void>;
  private readonly runSync = singleFlight<void, SyncReport>(() => this.doSync());

  constructor(private readonly options: LogIndexOptions<T, S>) {
    this.indexedTo = options.startBlock - 1;
    this.confirmedTo = options.startBlock - 1;
    this.tuner = new RangeTuner(options.maxBlockRange);
  }

  /** Brings the index up to the chain head. Concurrent callers share one sync; progress survives a failure. */
  async sync(): Promise<SyncReport> {
    if (this.disposed) {
      throw new Error('the log index was disposed');
    }
    return this.runSync(undefined);
  }

  /**
   * Replays the journal, once (the first sync does it too): the stored records and the store's warnings are
   * known after it, without asking the chain anything.
   */
  open(): Promise<void> {
    return (this.opening ??= this.loadJournal());
  }

  /** The indexed records, in chain order (complete up to stats().indexedToBlock). */
  get store(): S {
    return this.options.store;
  }

  stats(): LogIndexStats {
    return {
      indexedToBlock: this.indexedTo,
      confirmedToBlock: this.confirmedTo,
      headBlock: this.headBlock,
      count: this.store.length,
      ...this.counters,
      rpcCalls: this.counters.headChecks + this.counters.getLogsCalls + this.counters.headerBatches,
      lastSyncAt: this.lastSyncAt,
      lastError: this.lastError,
      lastDecodeError: this.lastDecodeError,
      journal: this.journalStats && { ...this.journalStats },
    };
  }

  /**
   * Whether the index holds `block` as the block with this hash: indexed, and either remembered with this
   * hash or final (at or below confirmedToBlock). Reads of chain state made at a block the index holds stay
   * valid until a reorg rolls it back, which onRollback reports.
   */
  holds(block: number, hash: string): boolean {
    if (block > this.indexedTo) {
      return false;
    }
    const known = this.tailHashes.get(block);
    return known !== undefined ? known === hash : block <= this.confirmedTo;
  }

  /** Calls `listener(fromBlock)` whenever a reorg drops the indexed blocks from fromBlock on; returns an unsubscribe. */
  onRollback(listener: (fromBlock: number) => void): () => void {
    this.rollbackListeners.add(listener);
    return () => this.rollbackListeners.delete(listener);
  }

  /** Calls `listener(count)` after retention dropped the first `count` records; returns an unsubscribe. */
  onDrop(listener: (count: number) => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  /** What retention dropped so far (kept across restarts by the journal); undefined when nothing was. */
  dropped(): DroppedRecords | undefined {
    return this.droppedRecords;
  }

  /** Drops the records; later syncs reject and a running one stops after its current chunk. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.writerTimer);
    this.store.truncate(0);
    this.tailHashes.clear();
    void this.options.journal?.store.close().catch(() => undefined);
  }

  /**
   * Replays the journal into the store: records, checkpoint, tuner. Anything inconsistent discards the whole
   * journal (with a warning) and the index starts from startBlock: a wrong number is worse than a re-sync.
   * The stored tail is then re-checked by hash by the sync that follows, as any reorg would be.
   */
  private async loadJournal(): Promise<void> {
    const journal = this.options.journal;
    this.storedTo = this.indexedTo;
    if (!journal) {
      return;
    }
    const started = performance.now();
    const stats: JournalStats = { description: journal.store.description, loadedRecords: 0, loadMs: 0 };
    this.journalStats = stats;
    try {
      const loaded = await journal.store.load((entry) => this.replay(entry));
      stats.warning = loaded.warning;
      this.trimToDropped();
      if (loaded.entries > COMPACT_AFTER_ENTRIES || loaded.rollbacks > 0) {
        await journal.store.compact();
      }
    } catch (error) {
      stats.warning = `the stored index was discarded: ${error instanceof Error ? error.message : String(error)}`;
      this.resetState();
      try {
        await journal.store.reset();
      } catch (resetError) {
        stats.writeError = resetError instanceof Error ? resetError.message : String(resetError);
      }
    }
    stats.loadedRecords = this.store.length;
    stats.loadMs = Math.round(performance.now() - started);
  }

  /**
   * With a shared journal: takes the writer role when it is free, and either way first applies what the
   * writer stored since (a new writer continues exactly where its predecessor's last committed entry ends).
   * A reader's sync ends there, with the chain head (one request) but no eth_getLogs, once the stored index
   * covers that head (waiting for the writer, or taking over when the writer is gone).
   */
  private async followWriter(started: number): Promise<SyncReport | undefined> {
    const journal = this.options.journal?.store;
    const stats = this.journalStats;
    if (!journal || !isShared(journal) || !stats || stats.writeError !== undefined) {
      return undefined;
    }
    const before = { count: this.store.length, indexedTo: this.indexedTo };
    let dropped = 0;
    let reorgFromBlock: number | undefined;
    let head: BlockHeader | undefined;
    for (const deadline = Date.now() + FOLLOW_WAIT_MS; ;) {
      const writer = await journal.acquireWriter();
      stats.role = writer ? 'writer' : 'reader';
      for (const entry of await journal.readNew()) {
        if (entry.rollbackFrom !== undefined) {
          reorgFromBlock = Math.min(reorgFromBlock ?? Infinity, entry.rollbackFrom);
          dropped +=
            this.store.length - firstPosition(this.store.length, (p) => this.store.blockAt(p), entry.rollbackFrom);
          this.counters.reorgs++;
        }
        this.replay(entry);
      }
      this.trimToDropped();
      if (writer) {
        this.keepCurrent();
        return undefined;
      }
      if (!head) {
        this.counters.headChecks++;
        head = (await this.options.clock.headAndHeaders([])).head;
        this.headBlock = head.number;
      }
      // The stored index covers the head this sync saw: answers from it are complete.
      if (this.indexedTo >= head.number) {
        break;
      }
      if (Date.now() > deadline || this.disposed) {
        throw new Error(
          `the shared index store is at block ${this.indexedTo}, behind the head ${head.number}: its writer is slow or stuck`
        );
      }
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
    this.counters.syncs++;
    this.lastSyncAt = Date.now();
    this.lastError = undefined;
    return {
      headBlock: head.number,
      headHash: head.hash,
      fromBlock: before.indexedTo + 1,
      toBlock: this.indexedTo,
      added: this.store.length - before.count + dropped,
      dropped,
      reorgFromBlock,
      getLogsCalls: 0,
      splits: 0,
      rpcCalls: 1,
      durationMs: Date.now() - started,
    };
  }

  /** As a shared journal's writer, syncs again soon (and so on while the role is held), for the readers. */
  private keepCurrent(): void {
    if (this.writerTimer || this.disposed) {
      return;
    }
    this.writerTimer = setTimeout(() => {
      this.writerTimer = undefined;
      this.sync().catch(() => undefined);
    }, WRITER_SYNC_MS);
    this.writerTimer.unref();
  }

  /** Back to an empty index (a journal that could not be used). */
  private resetState(): void {
    this.store.truncate(0);
    this.tailHashes.clear();
    this.indexedTo = this.options.startBlock - 1;
    this.confirmedTo = this.options.startBlock - 1;
    this.tipHash = undefined;
    this.storedTo = this.indexedTo;
    this.droppedRecords = undefined;
    this.appliedDrops = 0;
  }

  /** Applies one stored entry; throws when it does not follow what is indexed (a journal not to trust). */
  private replay(entry: JournalEntry): void {
    const codec = this.options.journal!.codec;
    if (entry.rollbackFrom !== undefined) {
      if (entry.rollbackFrom < this.options.startBlock) {
        throw new Error(`a rollback to block ${entry.rollbackFrom}, before the start block`);
      }
      this.rollBackTo(entry.rollbackFrom);
    }
    const { checkpoint, records } = entry;
    const store = this.store;
    let previous = store.length > 0 ? store.blockAt(store.length - 1) : this.options.startBlock;
    for (let i = 0; i < records.length; i++) {
      const block = records.block(i);
      if (block <= this.indexedTo || block < previous || block > checkpoint.indexedTo) {
        throw new Error(`a record of block ${block} out of order`);
      }
      const position = store.length;
      if (codec.decodeInto) {
        codec.decodeInto(store, records.bytes, records.start(i), records.end(i));
      } else {
        store.push(codec.decode(records.bytes.subarray(records.start(i), records.end(i))));
      }
      // The record's own block must be the one it was stored under.
      if (store.length !== position + 1 || store.blockAt(position) !== block) {
        throw new Error(`a record stored under block ${block} that decodes as another`);
      }
      previous = block;
    }
    this.applyCheckpoint(checkpoint);
  }

  private applyCheckpoint(checkpoint: IndexCheckpoint): void {
    if (
      !Number.isInteger(checkpoint.indexedTo) ||
      checkpoint.indexedTo < this.indexedTo ||
      checkpoint.confirmedTo > checkpoint.indexedTo ||
      checkpoint.confirmedTo < this.options.startBlock - 1
    ) {
      throw new Error(`a checkpoint at block ${checkpoint.indexedTo} that does not follow block ${this.indexedTo}`);
    }
    this.indexedTo = checkpoint.indexedTo;
    this.confirmedTo = checkpoint.confirmedTo;
    this.tailHashes.clear();
    for (const [block, hash] of checkpoint.tailHashes) {
      this.tailHashes.set(block, hash);
    }
    this.tipHash = undefined;
    if (checkpoint.tip && checkpoint.tip[0] === checkpoint.indexedTo) {
      this.tipHash = checkpoint.tip[1];
      this.tailHashes.set(checkpoint.indexedTo, checkpoint.tip[1]);
    }
    this.tuner.restore(checkpoint.tuner);
    this.storedTo = this.indexedTo;
    this.droppedRecords = checkpoint.dropped;
  }

  private checkpoint(): IndexCheckpoint {
    return {
      indexedTo: this.indexedTo,
      confirmedTo: this.confirmedTo,
      tailHashes: [...this.tailHashes],
      ...(this.tipHash === undefined ? {} : { tip: [this.indexedTo, this.tipHash] as [number, string] }),
      tuner: this.tuner.state(),
      ...(this.droppedRecords === undefined ? {} : { dropped: this.droppedRecords }),
    };
  }

  /**
   * Stores what the index just did (a chunk's records, a rollback). A failed write stops the journal for good
   * (an entry missing in the middle would make a replay wrong); the index itself goes on in memory.
   */
  private async persist(records: readonly T[], rollbackFrom?: number): Promise<void> {
    const journal = this.options.journal;
    const stats = this.journalStats;
    if (!journal || !stats || stats.writeError !== undefined || stats.role === 'reader') {
      return;
    }
    try {
      await journal.store.append({
        ...(rollbackFrom === undefined ? {} : { rollbackFrom }),
        records: StoredRecords.of(
          records.map((record) => ({ block: record.blockNumber, bytes: journal.codec.encode(record) }))
        ),
        checkpoint: this.checkpoint(),
      });
      this.storedTo = this.indexedTo;
    } catch (error) {
      if (isShared(journal.store)) {
        // The writer role was lost (its session broke): memory goes back to what the store holds (as a reorg
        // would), and the next sync follows whoever writes now, or takes the role again.
        stats.lastWriteError = error instanceof Error ? error.message : String(error);
        this.rollBackTo(this.storedTo + 1);
        await journal.store.close();
        throw error;
      }
      stats.writeError = error instanceof Error ? error.message : String(error);
    }
  }

  private async doSync(): Promise<SyncReport> {
    const started = Date.now();
    const stats = emptyGetLogsStats();
    const headChecksBefore = this.counters.headChecks;
    try {
      await this.open();
      const following = await this.followWriter(started);
      if (following) {
        return following;
      }
      const { head, dropped, reorgFromBlock } = await this.checkTail();
      if (reorgFromBlock !== undefined) {
        await this.persist([], reorgFromBlock);
      }
      const fromBlock = this.indexedTo + 1;
      let added = 0;
      for await (const chunk of iterateLogs(
        this.options.pool,
        {
          address: this.options.address,
          topics: [this.options.topic0s],
          fromBlock,
          toBlock: head.number,
          maxBlockRange: this.options.maxBlockRange,
        },
        { clock: this.options.clock, tuner: this.tuner, stats }
      )) {
        if (this.disposed) {
          break;
        }
        const records = this.append(chunk.logs, head.number);
        added += records.length;
        this.options.afterChunk?.(chunk.logs.length);
        this.rememberHash(chunk.toBlock, chunk.toHeader.hash, head.number);
        this.indexedTo = chunk.toBlock;
        this.tipHash = chunk.toHeader.hash;
        await this.persist(records);
        // A long backfill stays within the retention too: what lies `confirmations` below this head is final.
        await this.retain(Math.min(this.indexedTo, head.number - this.options.confirmations));
      }
      this.confirmedTo = Math.max(this.confirmedTo, Math.min(this.indexedTo, head.number - this.options.confirmations));
      let anchor = -1;
      for (const block of this.tailHashes.keys()) {
        if (block <= this.confirmedTo && block > anchor) {
          anchor = block;
        }
      }
      for (const block of this.tailHashes.keys()) {
        if (block < anchor) {
          this.tailHashes.delete(block);
        }
      }
      await this.retain(this.confirmedTo);
      const report: SyncReport = {
        headBlock: head.number,
        headHash: head.hash,
        fromBlock,
        toBlock: head.number,
        added,
        dropped,
        reorgFromBlock,
        getLogsCalls: stats.getLogsCalls,
        splits: stats.splits,
        rpcCalls: this.counters.headChecks - headChecksBefore + stats.getLogsCalls + stats.headerBatches,
        durationMs: Date.now() - started,
      };
      this.counters.syncs++;
      this.lastSyncAt = Date.now();
      this.lastError = undefined;
      return report;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      this.counters.getLogsCalls += stats.getLogsCalls;
      this.counters.splits += stats.splits;
      this.counters.headerBatches += stats.headerBatches;
    }
  }

  /**
   * Fetches the head with the last indexed block's header; on a hash mismatch finds the fork point among
   * the remembered tail hashes (one more batch) and rolls the index back to it.
   */
  private async checkTail(): Promise<{ head: BlockHeader; dropped: number; reorgFromBlock?: number }> {
    const clock = this.options.clock;
    const expectedTip = this.tailHashes.get(this.indexedTo);
    if (expectedTip === undefined) {
      // Nothing unconfirmed is indexed (first sync, or all of it is final).
      this.counters.headChecks++;
      const { head } = await clock.headAndHeaders([]);
      this.headBlock = head.number;
      return { head, dropped: 0 };
    }
    this.counters.headChecks++;
    const { head, headers } = await clock.headAndHeaders([this.indexedTo]);
    this.headBlock = head.number;
    if (headers[0]?.hash === expectedTip) {
      return { head, dropped: 0 };
    }
    const known = [...this.tailHashes.keys()].filter((b) => b < this.indexedTo).sort((a, b) => b - a);
    let current: Array<BlockHeader | null> = [];
    if (known.length > 0) {
      this.counters.headChecks++;
      current = (await clock.headAndHeaders(known)).headers;
    }
    const stillCanonical = known.find((block, i) => current[i]?.hash === this.tailHashes.get(block));
    // Not even the anchor is canonical: the reorg went deeper than `confirmations`; index again from the start.
    const forkFrom = stillCanonical === undefined ? this.options.startBlock : stillCanonical + 1;
    const dropped = this.rollBackTo(forkFrom);
    this.counters.reorgs++;
    return { head, dropped, reorgFromBlock: forkFrom };
  }

  /**
   * Applies the retention: drops the records it names of blocks ≤ finalTo (final), whole blocks only, then compacts the journal to
   * the kept records with a checkpoint that says so (one atomic rewrite: a crash leaves the old or the new).
   * A shared journal's readers never get here: they follow the writer's edge (trimToDropped).
   */
  private async retain(finalTo: number): Promise<void> {
    const retention = this.options.retention;
    const store = this.store;
    if (!retention) {
      return;
    }
    const blockAt = (position: number) => store.blockAt(position);
    const confirmed = firstPosition(store.length, blockAt, finalTo + 1);
    let count = Math.min(retention.excess(store), confirmed);
    if (count <= 0 || count >= store.length) {
      return;
    }
    count = firstPosition(store.length, blockAt, store.blockAt(count));
    if (count === 0) {
      return;
    }
    const fromBlock = store.blockAt(count);
    const previous = this.droppedRecords;
    this.droppedRecords = {
      records: (previous?.records ?? 0) + count,
      fromBlock,
      summary: retention.summarize(count, previous?.summary),
    };
    this.appliedDrops = this.droppedRecords.records;
    this.dropFront(count);
    const journal = this.options.journal;
    const stats = this.journalStats;
    if (!journal || !stats || stats.writeError !== undefined || stats.role === 'reader') {
      return;
    }
    // The new edge and summary are stored first: until the old records are gone, a load drops them by it.
    await this.persist([]);
    try {
      await journal.store.compact({ fromBlock, checkpoint: this.checkpoint() });
      this.storedTo = this.indexedTo;
    } catch (error) {
      stats.writeError = `compaction: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private dropFront(count: number): void {
    this.store.dropFirst(count);
    for (const listener of this.dropListeners) {
      listener(count);
    }
  }

  /**
   * After a replay: drops the records before the stored retention edge (a store that keeps whole entries, or a
   * crash before compaction, leaves some), which the stored summary accounts for, and has the caller follow a
   * drop made elsewhere (a shared journal's writer may have dropped records this process never read).
   */
  private trimToDropped(): void {
    const dropped = this.droppedRecords;
    if (dropped === undefined || dropped.records === this.appliedDrops) {
      return;
    }
    this.appliedDrops = dropped.records;
    const store = this.store;
    const count = firstPosition(store.length, (position) => store.blockAt(position), dropped.fromBlock);
    if (count > 0) {
      this.dropFront(count);
    }
    this.options.retention?.followDrop(count, dropped.summary);
  }

  /** Drops every record and remembered hash from `block` on. */
  private rollBackTo(block: number): number {
    const keep = firstPosition(this.store.length, (position) => this.store.blockAt(position), block);
    const dropped = this.store.length - keep;
    this.store.truncate(keep);
    for (const known of this.tailHashes.keys()) {
      if (known >= block) {
        this.tailHashes.delete(known);
      }
    }
    this.indexedTo = block - 1;
    this.tipHash = undefined;
    this.confirmedTo = Math.min(this.confirmedTo, block - 1);
    this.options.clock.forgetFrom(block);
    for (const listener of this.rollbackListeners) {
      listener(block);
    }
    return dropped;
  }

  private rememberHash(block: number, hash: string, head: number): void {
    if (block > head - this.options.confirmations) {
      this.tailHashes.set(block, hash);
    }
  }

  /**
   * Decodes a chunk, then appends it in one go (a failure leaves the index as it was). Chunks never overlap
   * (each holds only its own blocks, which all follow the index), so the one duplicate left to catch is a node
   * repeating a log within a chunk. A log the decoder throws on is counted and skipped, not fatal.
   */
  private append(logs: RawLog[], head: number): T[] {
    const decoded: T[] = [];
    let previous: RawLog | undefined;
    for (const log of logs) {
      if (previous && previous.blockNumber === log.blockNumber && previous.logIndex === log.logIndex) {
        this.counters.duplicatesIgnored++;
        continue;
      }
      previous = log;
      try {
        const record = this.options.decode(log);
        if (record) {
          decoded.push(record);
        }
      } catch (error) {
        this.counters.decodeErrors++;
        this.lastDecodeError = `block ${log.blockNumber} log ${log.logIndex}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (this.disposed) {
      // the decoder disposed of the index
      return [];
    }
    for (const log of logs) {
      this.rememberHash(log.blockNumber, log.blockHash, head);
    }
    for (const record of decoded) {
      this.store.push(record);
    }
    return decoded;
  }
}
