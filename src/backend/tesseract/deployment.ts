import { Interface, type Result } from 'ethers';
import { BlockClock, LogIndex, RpcError, RpcPool, type RpcObserver, type SyncReport } from '../chain';
import { LABEL_CHAIN, LABEL_CHAIN_ID, LABEL_CONTRACT, type DeploymentSettings } from '../../query';
import { trimHeap } from '../heap';
import { TesseractContract, type DecodedState } from './contract';
import type { TesseractEvent } from './events';
import { EventTable } from './eventtable';
import { unpackWord } from './hex';

/** A call the contract refused: the revert reason is the answer, not an RPC failure. */
export class ContractRevert extends Error {
  constructor(
    readonly functionName: string,
    readonly reason: string
  ) {
    super(`${functionName} reverted: ${reason}`);
    this.name = 'ContractRevert';
  }
}

export interface DeploymentOptions {
  settings: DeploymentSettings;
  rpcUrls: string[];
  observer?: RpcObserver;
  /** Per HTTP request. */
  rpcTimeoutMs?: number;
  /** Syncs within this long of the last one reuse it (panels of one dashboard refresh together). */
  minSyncIntervalMs?: number;
  /** Told about every sync (self-metrics). */
  onSync?: (report: SyncReport) => void;
}

/** Replies this large (~2 MB of parsed JSON and up) are worth a heap check once indexed. */
const LARGE_REPLY_LOGS = 1000;

/** A tx seen READY may be marked executed (no event) at any time: its state is re-read after this long. */
const EXECUTED_RECHECK_MS = 60_000;

/** coordination_window() changes rarely (an owner call, no event): reuse it this long. */
const COORDINATION_WINDOW_TTL_MS = 30_000;

/** Node messages for reverted eth_calls: "execution reverted: <reason>" (geth, anvil, most providers). */
const REVERT_MESSAGE = /(?:execution reverted|reverted|revert)(?::\s*(.*?))?(?:\s*\(code -?\d+\))?$/i;

/** One monitored contract on one chain: its RPC pool, block clock, log index and decoded history. */
export class Deployment {
  readonly settings: DeploymentSettings;
  readonly contract: TesseractContract;
  readonly pool: RpcPool;
  readonly clock: BlockClock;
  /** chain, chain_id and contract: on every frame, so one alert rule gives one instance per deployment. */
  readonly labels: Record<string, string>;
  private index?: LogIndex<TesseractEvent, EventTable>;
  private windowCache?: { value: number | null; at: number };
  /** EXECUTED is final: txs seen executed are never asked again. */
  private readonly executed = new Set<string>();
  /** When each tx was last seen not executed: asked again only after EXECUTED_RECHECK_MS. */
  private readonly notExecutedAt = new Map<string, number>();
  private readonly minSyncIntervalMs: number;
  private readonly onSync?: (report: SyncReport) => void;

  constructor(options: DeploymentOptions) {
    this.settings = options.settings;
    this.contract = TesseractContract.fromSettings(options.settings.abi, options.settings.customAbi);
    this.pool = new RpcPool({
      urls: options.rpcUrls,
      expectedChainId: options.settings.chainId,
      timeoutMs: options.rpcTimeoutMs,
      observer: options.observer,
    });
    this.clock = new BlockClock(this.pool);
    this.labels = {
      [LABEL_CHAIN]: options.settings.name,
      [LABEL_CHAIN_ID]: String(options.settings.chainId),
      [LABEL_CONTRACT]: options.settings.contract,
    };
    this.minSyncIntervalMs = options.minSyncIntervalMs ?? 0;
    this.onSync = options.onSync;
  }

  get name(): string {
    return this.settings.name;
  }

  /** The log index, created on first use and kept for the life of the data source instance. */
  logIndex(): LogIndex<TesseractEvent, EventTable> {
    this.index ??= new LogIndex({
      store: new EventTable(),
      pool: this.pool,
      clock: this.clock,
      address: this.settings.contract,
      topic0s: this.contract.events.topic0s,
      startBlock: this.settings.startBlock,
      confirmations: this.settings.confirmations,
      maxBlockRange: this.settings.maxBlockRange,
      decode: (log) => this.contract.events.decode(log),
      minSyncIntervalMs: this.minSyncIntervalMs,
      afterChunk: (logCount) => {
        if (logCount >= LARGE_REPLY_LOGS) {
          trimHeap();
        }
      },
    });
    return this.index;
  }

  /** Brings the index to the chain head (only unseen and unconfirmed blocks are fetched). */
  async sync(): Promise<SyncReport> {
    const report = await this.logIndex().sync();
    this.onSync?.(report);
    return report;
  }

  /** Every indexed event in chain order, with the tx lifecycles, after a sync. */
  async events(): Promise<EventTable> {
    await this.sync();
    return this.logIndex().store;
  }

  /**
   * eth_call of a function of the ABI at `block` ('latest' or a number), decoded. A revert throws
   * ContractRevert with the node's reason; transport failures throw the chain layer's RpcError.
   */
  async call(
    functionName: string,
    args: readonly unknown[] = [],
    block: number | 'latest' = 'latest'
  ): Promise<Result> {
    const result = await this.callRaw(functionName, args, undefined, block);
    if (result === '0x') {
      throw new ContractRevert(functionName, 'returned no data (no contract code at this address or block?)');
    }
    return this.contract.decodeResult(functionName, result);
  }

  /** eth_call returning the raw result data (state-changing functions are dry-run this way). */
  async callRaw(
    functionName: string,
    args: readonly unknown[],
    from?: string,
    block: number | 'latest' = 'latest'
  ): Promise<string> {
    const request: Record<string, string> = {
      to: this.settings.contract,
      data: this.contract.encodeCall(functionName, args),
    };
    if (from) {
      request.from = from;
    }
    const tag = block === 'latest' ? 'latest' : `0x${block.toString(16)}`;
    try {
      return await this.pool.call<string>('eth_call', [request, tag], { validate: (r) => typeof r === 'string' });
    } catch (error) {
      throw asRevert(functionName, error, this.contract.iface);
    }
  }

  /** Several argument-less or simple calls in one JSON-RPC batch; each result is its value or its error. */
  async callMany(calls: ReadonlyArray<{ name: string; args?: readonly unknown[] }>): Promise<Array<Result | Error>> {
    const requests = calls.map((c) => ({
      method: 'eth_call',
      params: [{ to: this.settings.contract, data: this.contract.encodeCall(c.name, c.args ?? []) }, 'latest'],
    }));
    let raw: unknown[];
    try {
      raw = await this.pool.batch(requests);
    } catch (error) {
      if (error instanceof RpcError && error.transient) {
        throw error;
      }
      // One call failed (a revert): ask one by one so each gets its own answer.
      return Promise.all(calls.map((c) => this.call(c.name, c.args ?? []).catch((e: Error) => e)));
    }
    return raw.map((result, i) => {
      if (typeof result !== 'string' || result === '0x') {
        return new ContractRevert(calls[i].name, 'returned no data (no contract code at this address?)');
      }
      try {
        return this.contract.decodeResult(calls[i].name, result);
      } catch (error) {
        return error as Error;
      }
    });
  }

  /** coordination_window() in seconds (cached briefly); null when the ABI has none or it cannot be read. */
  async coordinationWindow(): Promise<number | null> {
    if (!this.contract.hasFunction('coordination_window')) {
      return null;
    }
    if (this.windowCache && Date.now() - this.windowCache.at < COORDINATION_WINDOW_TTL_MS) {
      return this.windowCache.value;
    }
    const [value] = await this.call('coordination_window');
    this.windowCache = { value: Number(value), at: Date.now() };
    return this.windowCache.value;
  }

  /** Current on-chain state of each tx_id (packed), via get_transaction_state in JSON-RPC batches. */
  async states(txIds: readonly string[]): Promise<Map<string, DecodedState>> {
    const states = new Map<string, DecodedState>();
    if (txIds.length === 0 || !this.contract.hasFunction('get_transaction_state')) {
      return states;
    }
    const requests = txIds.map((txId) => ({
      method: 'eth_call',
      params: [
        { to: this.settings.contract, data: this.contract.encodeCall('get_transaction_state', [unpackWord(txId)]) },
        'latest',
      ],
    }));
    const results = await this.pool.batch(requests);
    results.forEach((result, i) => {
      if (typeof result === 'string' && result.length >= 66) {
        states.set(txIds[i], this.contract.decodeState(BigInt(result.slice(0, 66))));
      }
    });
    return states;
  }

  /**
   * Which of these txs are EXECUTED: executed ones are remembered for good, the others re-read at most
   * every EXECUTED_RECHECK_MS (so `executed` lags a mark_executed call by up to a minute).
   */
  async executedAmong(txIds: readonly string[], now = Date.now()): Promise<(txId: string) => boolean> {
    const due = txIds.filter(
      (txId) => !this.executed.has(txId) && now - (this.notExecutedAt.get(txId) ?? -Infinity) >= EXECUTED_RECHECK_MS
    );
    const states = await this.states(due);
    for (const [txId, state] of states) {
      if (state.name === 'EXECUTED') {
        this.executed.add(txId);
        this.notExecutedAt.delete(txId);
      } else {
        this.notExecutedAt.set(txId, now);
      }
    }
    return (txId) => this.executed.has(txId);
  }

  dispose(): void {
    this.index?.dispose();
    this.executed.clear();
    this.notExecutedAt.clear();
  }
}

/** The reason in ABI-encoded revert data: Error(string), Panic(uint256) or a custom error of the ABI. */
function reasonFromData(data: unknown, iface?: Interface): string | undefined {
  if (typeof data !== 'string' || !/^0x[0-9a-fA-F]{8}/.test(data)) {
    return undefined;
  }
  try {
    const parsed = (iface ?? BUILTIN_ERRORS).parseError(data);
    if (!parsed) {
      return `custom error ${data.slice(0, 10)}`;
    }
    if (parsed.name === 'Error') {
      return String(parsed.args[0]);
    }
    if (parsed.name === 'Panic') {
      return `panic 0x${BigInt(parsed.args[0]).toString(16)}`;
    }
    return `${parsed.name}(${parsed.args.map(String).join(', ')})`;
  } catch {
    return undefined;
  }
}

const BUILTIN_ERRORS = new Interface([]);

/**
 * Turns a reverted eth_call into ContractRevert, reading the reason from the revert data when the node
 * sends it, else from its message ("execution reverted: …"); other errors pass through unchanged.
 */
export function asRevert(functionName: string, error: unknown, iface?: Interface): unknown {
  if (!(error instanceof RpcError) || error.transient || error.kind === 'wrong_chain') {
    return error;
  }
  const fromData = reasonFromData(error.data, iface);
  if (fromData !== undefined) {
    return new ContractRevert(functionName, fromData);
  }
  const detail = error.message.replace(/^RPC #\d+: \S+ failed: /, '');
  const match = REVERT_MESSAGE.exec(detail);
  if (!match && error.code !== 3) {
    return error;
  }
  const reason = match?.[1]?.trim();
  return new ContractRevert(functionName, reason && reason.length > 0 ? reason : 'reverted without a reason');
}
