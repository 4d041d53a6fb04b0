import { BlockClock } from './blocks';
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
  topics: (string | string[] | null)[];
  fromBlock: number;
  toBlock: number;
  /** Widest span tried first (blocks per eth_getLogs). */
  maxBlockRange: number;
}

/** Learnt per deployment: how wide an eth_getLogs the providers accept right now. */
export class RangeTuner {
  constructor(readonly maxBlockRange: number) {}

  /** Span to try next. */
  get span(): number {
    return this.maxBlockRange;
  }
}

export interface LogChunk {
  fromBlock: number;
  toBlock: number;
  /** Sorted by (blockNumber, logIndex); removed logs dropped. */
  logs: RawLog[];
}

export interface GetLogsStats {
  /** eth_getLogs requests made (successful or not). */
  getLogsCalls: number;
  /** Times a range was narrowed after a provider rejected it. */
  splits: number;
  /** Header batches fetched for logs without blockTimestamp. */
  headerBatches: number;
}

export interface GetLogsOptions {
  /** Supplies and caches timestamps of logs without blockTimestamp. Default: a fresh BlockClock on the pool. */
  clock?: BlockClock;
  /** Carries learnt span limits across calls. Default: a fresh one from maxBlockRange. */
  tuner?: RangeTuner;
  stats?: GetLogsStats;
}

/** Fetches [fromBlock, toBlock] chunk by chunk, in block order, adapting the span to the provider's limits. */
export async function* iterateLogs(
  pool: RpcPool,
  request: GetLogsRequest,
  options: GetLogsOptions = {}
): AsyncGenerator<LogChunk> {
  void pool;
  void options;
  yield { fromBlock: request.fromBlock, toBlock: request.toBlock, logs: [] };
  throw new Error('not implemented');
}

/** All logs of [fromBlock, toBlock], sorted; see iterateLogs. */
export async function getLogsAdaptive(
  pool: RpcPool,
  request: GetLogsRequest,
  options: GetLogsOptions = {}
): Promise<RawLog[]> {
  const logs: RawLog[] = [];
  for await (const chunk of iterateLogs(pool, request, options)) {
    logs.push(...chunk.logs);
  }
  return logs;
}
