import { RpcPool } from './rpc';

export interface BlockHeader {
  number: number;
  hash: string;
  /** Unix seconds. */
  timestamp: number;
}

export interface BlockClockOptions {
  /** head() reuses a head fetched less than this long ago. Default 1 000 ms. */
  headMaxAgeMs?: number;
  /** Most block timestamps kept. Default 100 000. */
  cacheSize?: number;
}

/** Maps time to blocks and back, with cached headers. */
export class BlockClock {
  constructor(
    readonly pool: RpcPool,
    private readonly options: BlockClockOptions = {}
  ) {}

  /** The latest block (single flight, cached for headMaxAgeMs). */
  async head(): Promise<BlockHeader> {
    throw new Error(`not implemented ${this.options.headMaxAgeMs}`);
  }

  /** Header of one block; null when the chain has no such block (yet). */
  async header(block: number): Promise<BlockHeader | null> {
    throw new Error(`not implemented ${block}`);
  }

  async timestampOf(block: number): Promise<number> {
    throw new Error(`not implemented ${block}`);
  }

  /** Timestamps of many blocks: cached ones free, the rest in JSON-RPC batches. */
  async timestampsOf(blocks: number[]): Promise<Map<number, number>> {
    throw new Error(`not implemented ${blocks.length}`);
  }

  /** Records a timestamp learnt elsewhere (e.g. a log's blockTimestamp), which later searches reuse. */
  remember(block: number, timestamp: number, hash?: string): void {
    void block;
    void timestamp;
    void hash;
  }

  /** Forgets cached headers from `block` on (after a reorg). */
  forgetFrom(block: number): void {
    void block;
  }

  /** Highest block with timestamp ≤ unixSeconds; -1 when even block 0 is later. */
  async blockAtOrBefore(unixSeconds: number): Promise<number> {
    throw new Error(`not implemented ${unixSeconds}`);
  }

  /**
   * The blocks whose timestamps fall in [fromSeconds, toSeconds], or null when none do.
   * Two searches sharing one cache.
   */
  async blockRange(fromSeconds: number, toSeconds: number): Promise<{ fromBlock: number; toBlock: number } | null> {
    throw new Error(`not implemented ${fromSeconds} ${toSeconds}`);
  }
}
