import type { Result } from 'ethers';
import {
  BlockClock,
  LogIndex,
  PinnedReads,
  RpcError,
  RpcPool,
  singleFlight,
  toQuantity,
  type BlockHeader,
  type IndexJournal,
  type RpcObserver,
  type RpcRequest,
  type SyncReport,
} from '../chain';
import { LABEL_CHAIN, LABEL_CHAIN_ID, LABEL_CONTRACT, type DeploymentSettings, type IndexRetention } from '../../query';
import { trimHeap } from '../heap';
import { ConfirmedEvents, type ConfirmedTotals, type NewlyConfirmed } from './confirmed';
import { TesseractContract, type DecodedState } from './contract';
import { EVENT_CODEC_VERSION, eventCodec } from './eventcodec';
import type { TesseractEvent } from './events';
import { EventTable } from './eventtable';
import { HeadPart, HeadScope } from './headcache';
import { retentionExcess, type JournalOpener } from './indexstore';
import { unpackWord } from './hex';
import { asRevert, ContractRevert } from './revert';

export interface DeploymentOptions {
  settings: DeploymentSettings;
  rpcUrls: string[];
  observer?: RpcObserver;
  /** Per HTTP request. */
  rpcTimeoutMs?: number;
  /** The head, and so the syncs, within this long of the last head request reuse it (one dashboard refresh). */
  minSyncIntervalMs?: number;
  /**
   * Told about every sync (self-metrics); `fresh` is false for a report reused without asking the index.
   * A fresh report comes with the events it confirmed (positions in the event table, valid during the call).
   */
  onSync?: (report: SyncReport, fresh: boolean, confirmed?: NewlyConfirmed) => void;
  /** Where the index is kept between runs (none: memory only); `slot` names this deployment in the store. */
  journal?: { open: JournalOpener; slot: string };
  /** How much history the index keeps (absent: all of it). */
  retention?: IndexRetention;
}

/** Replies this large (~2 MB of parsed JSON and up) are worth a heap check once indexed. */
const LARGE_REPLY_LOGS = 1000;

/** The chain head as one eth_getBlockByNumber('latest') saw it. */
export interface ChainHead {
  header: BlockHeader;
  /** Round trip of that request in ms (including failovers), 0.1 ms precision. */
  latencyMs: number;
  /** Set when the RPC is down and this is the head of the last good sync instead (see HeadOptions). */
  outage?: Outage;
}

/** The RPC fails every head request since `sinceMs`; the index holds the chain up to the last good sync. */
export interface Outage {
  sinceMs: number;
  error: RpcError;
  /** The index holds every log up to this block. */
  upToBlock: number;
}

export interface HeadOptions {
  /**
   * When the RPC is down (a transient failure), answer as of the last good sync instead of failing: the
   * index up to its head, and contract reads already made at that head. For dashboards, never for alerts.
   */
  allowStale?: boolean;
}

/** Answers (results, or the node's refusal) of contract reads (per-tx states and calls), by request. */
const CONTRACT_READS = new HeadPart<Promise<unknown>>('contract reads', 10_000);
/** Executed states read at the head, by tx: a refresh of the same head asks none of them again. */
const EXECUTED_AT_HEAD = new HeadPart<boolean>('executed states', 10_000);
/** Decoded revert reasons by revert data. */
const REVERT_REASONS = new HeadPart<string | undefined>('revert reasons', 1000);
/**
 * Decoded call results by function and answer: a dashboard refresh asks coordination_window() once per backlog
 * panel, and decoding its cached answer with the ABI cost more than the rest of the read.
 */
const DECODED_RESULTS = new HeadPart<Result | Error>('decoded results', 1000);

/**
 * One monitored contract on one chain: its RPC pool, block clock, log index and decoded history.
 *
 * Reads are pinned to the head block: one eth_getBlockByNumber('latest') per refresh finds it, contract
 * reads are made at its number and kept until its hash changes, and the index is synced only when it did.
 */
export class Deployment {
  readonly settings: DeploymentSettings;
  readonly contract: TesseractContract;
  readonly pool: RpcPool;
  readonly clock: BlockClock;
  /** chain, chain_id and contract: on every frame, so one alert rule gives one instance per deployment. */
  readonly labels: Record<string, string>;
  private index?: LogIndex<TesseractEvent, EventTable>;
  private confirmedEvents?: ConfirmedEvents;
  /** The last head request's outcome: reused for minSyncIntervalMs, a failure as much as a head. */
  private latestHead?: { head?: ChainHead; error?: unknown; fetchedAt: number };
  private readonly fetchHead = singleFlight<void, ChainHead>(() => this.loadHead());
  /** Date.now() of the first failed head request since the last that succeeded. */
  private downSince?: number;
  private lastSync?: SyncReport;
  /** The head lastSync was asked for: what a stale answer is pinned to (the index may hold a little more). */
  private syncedHead?: ChainHead;
  /** What is kept for the current head: contract reads, executed states, revert reasons, health, aggregates. */
  readonly headScope = new HeadScope();
  /**
   * EXECUTED is final on the chain it was read on: txs seen executed at a block the index holds are not asked
   * again until a reorg drops that block.
   */
  private executed?: PinnedReads<true>;
  private readonly minSyncIntervalMs: number;
  private readonly journal?: IndexJournal;
  private readonly retention?: IndexRetention;
  private readonly onSync?: (report: SyncReport, fresh: boolean, confirmed?: NewlyConfirmed) => void;

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
    this.retention = options.retention;
    // The identity of the stored records: another contract, chain, start block or ABI replaces them.
    this.journal = options.journal?.open(options.journal.slot, {
      chainId: options.settings.chainId,
      address: options.settings.contract,
      startBlock: options.settings.startBlock,
      topic0s: this.contract.events.topic0s,
      codec: EVENT_CODEC_VERSION,
    });
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
      journal: this.journal && { store: this.journal, codec: eventCodec },
      retention: this.retention && {
        excess: (table) => retentionExcess(table, this.retention!),
        summarize: (count, previous) => this.confirmed().dropping(count, previous as ConfirmedTotals | undefined),
        followDrop: (count, summary) => this.confirmed().followDrop(count, summary as ConfirmedTotals),
      },
      afterChunk: (logCount) => {
        if (logCount >= LARGE_REPLY_LOGS) {
          trimHeap();
        }
      },
    });
    return this.index;
  }

  /** The confirmed events of the index (on-chain totals, each event once), created with it. */
  confirmed(): ConfirmedEvents {
    this.confirmedEvents ??= new ConfirmedEvents(
      this.logIndex().store,
      undefined,
      () => this.logIndex().dropped()?.summary as ConfirmedTotals | undefined
    );
    return this.confirmedEvents;
  }

  /**
   * The latest block: one eth_getBlockByNumber('latest') shared by concurrent callers and reused for
   * minSyncIntervalMs (the panels of one refresh), so a refresh with no new block costs this one request.
   */
  async head(options: HeadOptions = {}): Promise<ChainHead> {
    const latest = this.latestHead;
    try {
      if (latest && Date.now() - latest.fetchedAt < this.minSyncIntervalMs) {
        if (latest.head) {
          return latest.head;
        }
        throw latest.error;
      }
      return await this.fetchHead(undefined);
    } catch (error) {
      const outage = options.allowStale ? this.outage() : undefined;
      if (outage && this.syncedHead) {
        return { ...this.syncedHead, outage };
      }
      throw error;
    }
  }

  /**
   * Set while the RPC is down (the last head request failed with a transient error) after at least one good
   * sync: answers with allowStale are then as of that sync.
   */
  outage(): Outage | undefined {
    const error = this.latestHead?.error;
    if (!(error instanceof RpcError) || !error.transient || !this.syncedHead || this.downSince === undefined) {
      return undefined;
    }
    const upToBlock = Math.max(this.syncedHead.header.number, this.lastSync?.headBlock ?? -1);
    return { sinceMs: this.downSince, error, upToBlock };
  }

  private async loadHead(): Promise<ChainHead> {
    const startedAt = Date.now();
    const started = performance.now();
    try {
      // Through the clock, so that its time searches start from this head without asking again.
      const { head: header } = await this.clock.headAndHeaders([]);
      const head = { header, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
      this.latestHead = { head, fetchedAt: Date.now() };
      this.downSince = undefined;
      return head;
    } catch (error) {
      // The panels of one refresh share a failure too: a dead RPC is asked once per refresh, not per panel.
      this.latestHead = { error, fetchedAt: Date.now() };
      // Down since the first request that failed went out (its retries took a while longer).
      this.downSince ??= startedAt;
      throw error;
    }
  }

  /** Brings the index to the chain head (only unseen and unconfirmed blocks are fetched). */
  async sync(options: HeadOptions = {}): Promise<SyncReport> {
    const head = await this.head(options);
    const { header } = head;
    // What is derived from the event table is kept for the head it was synced at.
    this.headScope.enter(header.hash);
    const last = this.lastSync;
    if (last && (last.headHash === header.hash || head.outage)) {
      // Block hashes chain: the same head block means the same chain below it, so the index is current
      // (or, with the RPC down, as current as it can be).
      this.onSync?.(last, false);
      return last;
    }
    const report = await this.logIndex().sync();
    // Concurrent callers share one index sync: only the first to see its report counts it as fresh.
    const fresh = report !== this.lastSync;
    this.lastSync = report;
    // The index may have seen a newer block than this head; the contract reads were made at this one.
    this.syncedHead = head;
    const confirmed = fresh
      ? this.confirmed().advance(this.logIndex().stats().confirmedToBlock, report.headBlock)
      : undefined;
    this.onSync?.(report, fresh, confirmed);
    return report;
  }

  /**
   * Block time (unix seconds) before which retention dropped this deployment's events; undefined while the
   * whole history is kept. Valid after a sync.
   */
  keptFromSeconds(): number | undefined {
    const index = this.logIndex();
    return index.dropped() && index.store.length > 0 ? index.store.timeAt(0) : undefined;
  }

  /** Every indexed event in chain order, with the tx lifecycles, after a sync. */
  async events(options: HeadOptions = {}): Promise<EventTable> {
    await this.sync(options);
    return this.logIndex().store;
  }

  /** eth_call of a function of the ABI, without its block tag (readAt adds it). */
  callRequest(functionName: string, args: readonly unknown[] = [], from?: string): RpcRequest {
    const call: Record<string, string> = {
      to: this.settings.contract,
      data: this.contract.encodeCall(functionName, args),
    };
    if (from) {
      call.from = from;
    }
    return { method: 'eth_call', params: [call] };
  }

  /** eth_getCode of the contract, without its block tag (readAt adds it). */
  codeRequest(): RpcRequest {
    return { method: 'eth_getCode', params: [this.settings.contract] };
  }

  /**
   * Contract reads (callRequest, codeRequest) at `head`'s block, or at `block` when given, in one JSON-RPC
   * batch. Each answer is the result or the node's own refusal (an RpcError: a revert); it is asked at most
   * once per head. Transport failures throw, and are asked again next time.
   */
  async readAt(head: BlockHeader, reads: readonly RpcRequest[], block = head.number): Promise<unknown[]> {
    const tag = toQuantity(block);
    const requests = reads.map((read) => ({ method: read.method, params: [...read.params, tag] }));
    const keys = requests.map((request) => `${request.method} ${JSON.stringify(request.params)}`);
    const answers = keys.map((key) => this.headScope.get(CONTRACT_READS, head.hash, key));
    const missing = answers.flatMap((answer, i) => (answer === undefined ? [i] : []));
    if (missing.length > 0) {
      const fetched = this.pool.batchSettled(missing.map((i) => requests[i]));
      missing.forEach((i, position) => {
        const answer = fetched.then((results) => results[position]);
        answer.catch(() => this.headScope.forget(CONTRACT_READS, head.hash, keys[i], answer));
        this.headScope.set(CONTRACT_READS, head.hash, keys[i], answer);
        answers[i] = answer;
      });
    }
    return Promise.all(answers);
  }

  /** A function's decoded result from its readAt answer; a revert (or no data) is a ContractRevert. */
  decodeAnswer(functionName: string, answer: unknown): Result | Error {
    if (answer instanceof Error) {
      return this.refusal(functionName, answer);
    }
    if (typeof answer !== 'string' || answer === '0x') {
      return new ContractRevert(functionName, 'returned no data (no contract code at this address or block?)');
    }
    return this.headScope.rememberForHead(DECODED_RESULTS, `${functionName} ${answer}`, () => {
      try {
        return this.contract.decodeResult(functionName, answer);
      } catch (error) {
        return error as Error;
      }
    });
  }

  /** A read's error as ContractRevert when it is a revert, else unchanged. */
  refusal(functionName: string, error: Error): Error {
    return asRevert(functionName, error, this.contract.iface, (data, decode) =>
      this.headScope.rememberForHead(REVERT_REASONS, data, decode)
    ) as Error;
  }

  /**
   * eth_call of a function of the ABI at the head (or at `block`), decoded. A revert throws ContractRevert
   * with the node's reason; transport failures throw the chain layer's RpcError.
   */
  async call(
    functionName: string,
    args: readonly unknown[] = [],
    block?: number,
    options: HeadOptions = {}
  ): Promise<Result> {
    const { header } = await this.head(options);
    const [answer] = await this.readAt(header, [this.callRequest(functionName, args)], block);
    const result = this.decodeAnswer(functionName, answer);
    if (result instanceof Error) {
      throw result;
    }
    return result;
  }

  /** coordination_window() in seconds at the head; null when the ABI has none. */
  async coordinationWindow(options: HeadOptions = {}): Promise<number | null> {
    if (!this.contract.hasFunction('coordination_window')) {
      return null;
    }
    const [value] = await this.call('coordination_window', [], undefined, options);
    return Number(value);
  }

  /** On-chain state of each tx_id (packed) at the head, via get_transaction_state in JSON-RPC batches. */
  async states(txIds: readonly string[], options: HeadOptions = {}): Promise<Map<string, DecodedState>> {
    const states = new Map<string, DecodedState>();
    if (txIds.length === 0 || !this.contract.hasFunction('get_transaction_state')) {
      return states;
    }
    const { header } = await this.head(options);
    const answers = await this.readAt(
      header,
      txIds.map((txId) => this.callRequest('get_transaction_state', [unpackWord(txId)]))
    );
    const refused = answers.find((answer) => answer instanceof Error);
    if (refused) {
      throw this.refusal('get_transaction_state', refused as Error);
    }
    answers.forEach((answer, i) => {
      if (typeof answer === 'string' && answer.length >= 66) {
        states.set(txIds[i], this.contract.decodeState(BigInt(answer.slice(0, 66))));
      }
    });
    return states;
  }

  /**
   * Which of these txs are EXECUTED at the head. Executed ones are remembered while the index holds the block
   * they were read at (a reorg that drops it forgets them); the others are read again when the head moved
   * (mark_executed logs nothing, so a new block may have executed any of them).
   */
  async executedAmong(txIds: readonly string[], options: HeadOptions = {}): Promise<(txId: string) => boolean> {
    const { header } = await this.head(options);
    const executed = (this.executed ??= new PinnedReads(this.logIndex()));
    // This query's answers, whatever the scope holds by the time they are asked.
    const atHead = new Map<string, boolean>();
    const unknown: string[] = [];
    for (const txId of txIds) {
      const known = executed.get(txId) === undefined ? this.headScope.get(EXECUTED_AT_HEAD, header.hash, txId) : true;
      if (known === undefined) {
        unknown.push(txId);
      } else {
        atHead.set(txId, known);
      }
    }
    for (const [txId, state] of await this.states(unknown, options)) {
      const isExecuted = state.name === 'EXECUTED';
      atHead.set(txId, isExecuted);
      this.headScope.set(EXECUTED_AT_HEAD, header.hash, txId, isExecuted);
      if (isExecuted) {
        executed.set(txId, true, header.number, header.hash);
      }
    }
    return (txId) => executed.get(txId) === true || atHead.get(txId) === true;
  }

  dispose(): void {
    this.executed?.dispose();
    this.index?.dispose();
    this.headScope.clear();
  }
}
