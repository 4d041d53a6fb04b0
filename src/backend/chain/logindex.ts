import { BlockClock } from './blocks';
import { RawLog } from './getlogs';
import { RpcPool } from './rpc';

/** The least a decoded record must carry: its position on the chain. */
export interface IndexedRecord {
  blockNumber: number;
  logIndex: number;
}

export interface LogIndexOptions<T extends IndexedRecord> {
  pool: RpcPool;
  clock: BlockClock;
  address: string;
  /** Event signatures to index (OR-ed). */
  topic0s: string[];
  /** First block to index (the deployment block). */
  startBlock: number;
  /** Blocks deeper than this below head are final; newer ones are re-checked by hash on every sync. */
  confirmations: number;
  /** Widest eth_getLogs span tried first. */
  maxBlockRange: number;
  /** Turns a log into the compact record kept in memory; null skips it. */
  decode: (log: RawLog) => T | null;
  /** A sync within this long after a successful one returns that one's report without RPC. Default 0. */
  minSyncIntervalMs?: number;
}

export interface SyncReport {
  /** Chain head seen by this sync. */
  headBlock: number;
  /** Blocks fetched by this sync (empty when fromBlock > toBlock). */
  fromBlock: number;
  toBlock: number;
  added: number;
  /** Records dropped because their blocks were reorged away. */
  dropped: number;
  /** First block re-fetched after a reorg, when one was seen. */
  reorgFromBlock?: number;
  getLogsCalls: number;
  splits: number;
  durationMs: number;
}

export interface LogIndexStats {
  /** Highest block whose logs are all in the index (startBlock - 1 before the first sync). */
  indexedToBlock: number;
  /** Highest indexed block at least `confirmations` deep at the last sync. */
  confirmedToBlock: number;
  headBlock: number;
  count: number;
  syncs: number;
  reorgs: number;
  getLogsCalls: number;
  splits: number;
  lastSyncAt?: number;
  lastError?: string;
}

/** Incremental, reorg-safe, in-memory index of one contract's logs. */
export class LogIndex<T extends IndexedRecord> {
  private readonly records: T[] = [];

  constructor(private readonly options: LogIndexOptions<T>) {}

  /** Brings the index up to the chain head. Concurrent callers share one sync. */
  async sync(): Promise<SyncReport> {
    throw new Error(`not implemented ${this.options.address}`);
  }

  /** Records with fromBlock ≤ blockNumber ≤ toBlock, sorted by (blockNumber, logIndex). */
  between(fromBlock: number, toBlock: number): T[] {
    return this.records.filter((r) => r.blockNumber >= fromBlock && r.blockNumber <= toBlock);
  }

  all(): readonly T[] {
    return this.records;
  }

  stats(): LogIndexStats {
    return {
      indexedToBlock: this.options.startBlock - 1,
      confirmedToBlock: this.options.startBlock - 1,
      headBlock: -1,
      count: this.records.length,
      syncs: 0,
      reorgs: 0,
      getLogsCalls: 0,
      splits: 0,
    };
  }

  /** Drops the records; later syncs reject. */
  dispose(): void {
    this.records.length = 0;
  }
}
