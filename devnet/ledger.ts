// Ground-truth ledger of simulator traffic (JSONL, one entry per transaction) and a summary that
// tests hold the plugin's numbers against.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COORDINATION_WINDOW_SECONDS, TxState, type ContractCall, type ExpectedEvent } from './model';

export type LedgerAction = ContractCall['kind'];

/** Why the simulator sent the call (the outcome may differ, e.g. after a pause). */
export type LedgerIntent =
  | 'lifecycle'
  | 'dependency-early'
  | 'dependency-retry'
  | 'expire'
  | 'burst'
  | 'execute'
  | 'pause'
  | 'unpause'
  | 'retry-after-pause';

export interface LedgerEntry {
  seq: number;
  deployment: string;
  chainId: number;
  contract: string;
  action: LedgerAction;
  intent: LedgerIntent;
  /** bytes32, lower-case hex; absent for pause/unpause. */
  txId?: string;
  /** Set on both legs of a transaction buffered on two chains with the same tx_id. */
  crossRollup?: boolean;
  from: string;
  txHash: string;
  blockNumber: number;
  /** Block timestamp, unix seconds. */
  blockTime: number;
  outcome: 'mined' | 'reverted';
  revertReason?: string;
  /** TransactionFailed reason that the Buffer variant logged and reverted away. */
  silentFailure?: string;
  /** Logs the transaction emitted (none when reverted). */
  events: ExpectedEvent[];
  /** get_transaction_state(txId) after this transaction. */
  state?: number;
  /** Arguments of a buffer_transaction call. */
  buffer?: { origin: string; target: string; dependency: string; timestamp: number; payloadBytes: number };
}

export class LedgerWriter {
  readonly entries: LedgerEntry[] = [];
  private pending: string[] = [];

  /**
   * With a path, entries are appended as JSON lines (the file is truncated first), every
   * `batchSize` entries and on flush().
   */
  constructor(
    readonly filePath?: string,
    private readonly batchSize = 1
  ) {
    if (filePath) {
      mkdirSync(path.dirname(filePath), { recursive: true });
      writeFileSync(filePath, '');
    }
  }

  add(entry: Omit<LedgerEntry, 'seq'>): LedgerEntry {
    const full = { seq: this.entries.length, ...entry };
    this.entries.push(full);
    if (this.filePath) {
      this.pending.push(JSON.stringify(full));
      if (this.pending.length >= this.batchSize) {
        this.flush();
      }
    }
    return full;
  }

  flush(): void {
    if (this.filePath && this.pending.length > 0) {
      appendFileSync(this.filePath, `${this.pending.join('\n')}\n`);
      this.pending = [];
    }
  }
}

export function readLedger(filePath: string): LedgerEntry[] {
  return readFileSync(filePath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LedgerEntry);
}

export interface LedgerSummaryOptions {
  deployment?: string;
  /** Inclusive bounds on block time, unix seconds. */
  fromTime?: number;
  toTime?: number;
  coordinationWindow?: number;
}

export interface ResolutionTime {
  deployment: string;
  txId: string;
  bufferedAt: number;
  readyAt: number;
  seconds: number;
}

export interface LedgerSummary {
  transactions: number;
  mined: number;
  reverted: number;
  /** Logged events in the range, by kind. */
  buffered: number;
  ready: number;
  failed: number;
  failedByReason: Record<string, number>;
  pauses: number;
  unpauses: number;
  /** mark_executed calls that were mined (the contracts log no event for it). */
  executed: number;
  /** Reverted resolves that logged TransactionFailed first (Buffer variant), by reason. */
  silentFailures: number;
  silentFailuresByReason: Record<string, number>;
  /** Buffered→Ready, from block timestamps, for txs that became ready in the range. */
  resolutionTimes: ResolutionTime[];
  resolutionSeconds: { count: number; mean: number; p50: number; p95: number; max: number };
  /** At toTime: still BUFFERED and inside timestamp + window, with no TransactionFailed logged. */
  pending: number;
  /** At toTime: still BUFFERED and inside timestamp + window after a logged TransactionFailed (retriable). */
  awaitingRetry: number;
  /** At toTime: still BUFFERED past timestamp + window (expired without a final state change). */
  pendingExpired: number;
  /** Of pendingExpired: those with no TransactionFailed logged by toTime (the plugin's silent failures). */
  expiredUnreported: number;
}

function countBy(target: Record<string, number>, key: string): void {
  target[key] = (target[key] ?? 0) + 1;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) {
    return 0;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

export function summarizeLedger(entries: readonly LedgerEntry[], options: LedgerSummaryOptions = {}): LedgerSummary {
  const window = options.coordinationWindow ?? COORDINATION_WINDOW_SECONDS;
  const ofDeployment = entries.filter((e) => !options.deployment || e.deployment === options.deployment);
  const fromTime = options.fromTime ?? -Infinity;
  // Without an end, "pending" is judged at the last recorded block time.
  const toTime = options.toTime ?? ofDeployment.reduce((latest, e) => Math.max(latest, e.blockTime), 0);
  const inRange = ofDeployment.filter((e) => e.blockTime >= fromTime && e.blockTime <= toTime);

  const summary: LedgerSummary = {
    transactions: inRange.length,
    mined: 0,
    reverted: 0,
    buffered: 0,
    ready: 0,
    failed: 0,
    failedByReason: {},
    pauses: 0,
    unpauses: 0,
    executed: 0,
    silentFailures: 0,
    silentFailuresByReason: {},
    resolutionTimes: [],
    resolutionSeconds: { count: 0, mean: 0, p50: 0, p95: 0, max: 0 },
    pending: 0,
    awaitingRetry: 0,
    pendingExpired: 0,
    expiredUnreported: 0,
  };

  for (const entry of inRange) {
    summary[entry.outcome === 'mined' ? 'mined' : 'reverted'] += 1;
    if (entry.silentFailure) {
      summary.silentFailures += 1;
      countBy(summary.silentFailuresByReason, entry.silentFailure);
    }
    if (entry.action === 'mark_executed' && entry.outcome === 'mined') {
      summary.executed += 1;
    }
    for (const event of entry.events) {
      switch (event.name) {
        case 'TransactionBuffered':
          summary.buffered += 1;
          break;
        case 'TransactionReady':
          summary.ready += 1;
          break;
        case 'TransactionFailed':
          summary.failed += 1;
          countBy(summary.failedByReason, String(event.args.reason));
          break;
        case 'EmergencyPause':
          summary.pauses += 1;
          break;
        case 'EmergencyUnpause':
          summary.unpauses += 1;
          break;
      }
    }
  }

  // Per-tx lifecycle across the whole ledger of the deployment(s), so a tx buffered before the
  // range but ready inside it still has a resolution time.
  const key = (e: LedgerEntry) => `${e.deployment}|${e.txId}`;
  const bufferedAt = new Map<string, { time: number; timestamp: number }>();
  const lastState = new Map<string, number>();
  const failureLogged = new Set<string>();
  for (const entry of ofDeployment) {
    if (!entry.txId || entry.blockTime > toTime) {
      continue;
    }
    if (entry.action === 'buffer' && entry.outcome === 'mined' && entry.buffer) {
      bufferedAt.set(key(entry), { time: entry.blockTime, timestamp: entry.buffer.timestamp });
    }
    if (entry.state !== undefined) {
      lastState.set(key(entry), entry.state);
    }
    if (entry.events.some((e) => e.name === 'TransactionFailed')) {
      failureLogged.add(key(entry));
    }
    const becameReady = entry.events.some((e) => e.name === 'TransactionReady');
    const buffered = bufferedAt.get(key(entry));
    if (becameReady && buffered && entry.blockTime >= fromTime) {
      summary.resolutionTimes.push({
        deployment: entry.deployment,
        txId: entry.txId,
        bufferedAt: buffered.time,
        readyAt: entry.blockTime,
        seconds: entry.blockTime - buffered.time,
      });
    }
  }
  const seconds = summary.resolutionTimes.map((r) => r.seconds).sort((a, b) => a - b);
  if (seconds.length > 0) {
    summary.resolutionSeconds = {
      count: seconds.length,
      mean: seconds.reduce((a, b) => a + b, 0) / seconds.length,
      p50: percentile(seconds, 0.5),
      p95: percentile(seconds, 0.95),
      max: seconds[seconds.length - 1],
    };
  }
  for (const [txKey, buffered] of bufferedAt) {
    if (lastState.get(txKey) !== TxState.BUFFERED) {
      continue;
    }
    if (toTime > buffered.timestamp + window) {
      summary.pendingExpired += 1;
      if (!failureLogged.has(txKey)) {
        summary.expiredUnreported += 1;
      }
    } else if (failureLogged.has(txKey)) {
      summary.awaitingRetry += 1;
    } else {
      summary.pending += 1;
    }
  }
  return summary;
}
