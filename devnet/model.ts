// What a Tesseract deployment does with each call, so the simulator can state the expected events
// and states in its ledger and check every receipt against them. Rules follow the Vyper sources
// (contracts/TesseractSimple.vy, contracts/TesseractBuffer.vy) as ported in contracts/*.sol.
import type { AbiVariant } from './devnet';

/** Wire values of the Vyper enums (bit flags); unknown ids read 0. */
export const TxState = {
  UNKNOWN: 0,
  EMPTY: 1,
  BUFFERED: 2,
  READY: 4,
  EXECUTED: 8,
  FAILED: 16,
  EXPIRED: 32,
  REFUNDED: 64,
} as const;

export const COORDINATION_WINDOW_SECONDS = 30;
const MAX_FUTURE_TIMESTAMP = 86400;
const MIN_RESOLUTION_DELAY_BLOCKS = 2;
const MAX_TRANSACTIONS_PER_BLOCK = 100;
const MAX_USER_TRANSACTIONS_PER_BLOCK = 10;

export type ContractCall =
  | {
      kind: 'buffer';
      txId: string;
      origin: string;
      target: string;
      payload: string;
      dependency: string;
      timestamp: number;
    }
  | { kind: 'resolve'; txId: string }
  | { kind: 'mark_executed'; txId: string }
  | { kind: 'pause' }
  | { kind: 'unpause' };

export interface ExpectedEvent {
  name: string;
  /** Addresses checksummed, bytes32 as 0x hex, integers as numbers. */
  args: Record<string, string | number>;
}

export interface Outcome {
  status: 'mined' | 'reverted';
  revertReason?: string;
  /** Logs the receipt carries, in order. */
  events: ExpectedEvent[];
  /** A TransactionFailed that the Buffer variant logged and then reverted away. */
  silentFailure?: string;
  /** get_transaction_state(txId) after the call, for calls about one tx. */
  state?: number;
}

export interface BlockContext {
  number: number;
  time: number;
  sender: string;
}

interface StoredTx {
  state: number;
  timestamp: number;
  dependency: string;
  creationBlock: number;
}

export const ZERO_BYTES32 = `0x${'0'.repeat(64)}`;

export class ContractModel {
  private readonly txs = new Map<string, StoredTx>();
  private paused = false;
  private rateBlock = -1;
  private rateTotal = 0;
  private rateBySender = new Map<string, number>();

  constructor(
    readonly abi: AbiVariant,
    readonly coordinationWindow = COORDINATION_WINDOW_SECONDS
  ) {}

  stateOf(txId: string): number {
    return this.txs.get(txId.toLowerCase())?.state ?? TxState.UNKNOWN;
  }

  creationBlock(txId: string): number | undefined {
    return this.txs.get(txId.toLowerCase())?.creationBlock;
  }

  /** The published Vyper build needs each tx's state slot set to EMPTY before buffering. */
  prime(txId: string): void {
    const key = txId.toLowerCase();
    if (!this.txs.has(key)) {
      this.txs.set(key, { state: TxState.EMPTY, timestamp: 0, dependency: ZERO_BYTES32, creationBlock: 0 });
    }
  }

  /** Applies the call as the contract would in this block; state changes only if it is mined. */
  apply(call: ContractCall, block: BlockContext): Outcome {
    switch (call.kind) {
      case 'buffer':
        return this.buffer(call, block);
      case 'resolve':
        return this.abi === 'simple' ? this.resolveSimple(call.txId, block) : this.resolveBuffer(call.txId, block);
      case 'mark_executed':
        return this.markExecuted(call.txId);
      case 'pause':
      case 'unpause':
        return this.setPaused(call.kind === 'pause', block);
    }
  }

  private buffer(call: Extract<ContractCall, { kind: 'buffer' }>, block: BlockContext): Outcome {
    const key = call.txId.toLowerCase();
    const revert = (reason: string): Outcome => ({
      status: 'reverted',
      revertReason: reason,
      events: [],
      state: this.stateOf(key),
    });
    const isBuffer = this.abi === 'buffer';
    if (isBuffer) {
      if (this.paused) {
        return revert('Contract is paused');
      }
      const rateError = this.rateLimitError(block);
      if (rateError) {
        return revert(rateError);
      }
    }
    if (call.txId === ZERO_BYTES32) {
      return revert('Invalid transaction ID');
    }
    if (call.origin.toLowerCase() === call.target.toLowerCase()) {
      return revert(isBuffer ? 'Origin and target cannot be same' : 'Origin and target must be different');
    }
    if (isBuffer && call.payload === '0x') {
      return revert('Empty payload not allowed');
    }
    if (call.timestamp < block.time) {
      return revert('Timestamp cannot be in the past');
    }
    if (isBuffer && call.timestamp > block.time + MAX_FUTURE_TIMESTAMP) {
      return revert('Timestamp too far in future');
    }
    const current = this.stateOf(key);
    if (current !== TxState.UNKNOWN && current !== TxState.EMPTY) {
      return revert('Transaction already exists');
    }
    if (isBuffer) {
      this.countRateLimit(block);
    }
    this.txs.set(key, {
      state: TxState.BUFFERED,
      timestamp: call.timestamp,
      dependency: call.dependency.toLowerCase(),
      creationBlock: block.number,
    });
    const args: Record<string, string | number> = {
      tx_id: key,
      origin_rollup: call.origin,
      target_rollup: call.target,
    };
    if (isBuffer) {
      args.dependency_tx_id = call.dependency.toLowerCase();
    }
    args.timestamp = call.timestamp;
    return { status: 'mined', events: [{ name: 'TransactionBuffered', args }], state: TxState.BUFFERED };
  }

  private dependencySatisfied(entry: StoredTx): boolean {
    if (entry.dependency === ZERO_BYTES32) {
      return true;
    }
    const dependencyState = this.stateOf(entry.dependency);
    return dependencyState === TxState.READY || dependencyState === TxState.EXECUTED;
  }

  private resolveSimple(txId: string, block: BlockContext): Outcome {
    const key = txId.toLowerCase();
    const entry = this.txs.get(key);
    if (!entry || entry.state !== TxState.BUFFERED) {
      return {
        status: 'reverted',
        revertReason: 'Transaction not in buffered state',
        events: [],
        state: this.stateOf(key),
      };
    }
    const failed = (reason: string): Outcome => ({
      status: 'mined',
      events: [{ name: 'TransactionFailed', args: { tx_id: key, reason } }],
      state: entry.state,
    });
    if (block.time > entry.timestamp + this.coordinationWindow) {
      return failed('Transaction expired');
    }
    if (this.dependencySatisfied(entry) && block.time >= entry.timestamp) {
      entry.state = TxState.READY;
      return { status: 'mined', events: [{ name: 'TransactionReady', args: { tx_id: key } }], state: entry.state };
    }
    return failed('Dependencies not satisfied');
  }

  private resolveBuffer(txId: string, block: BlockContext): Outcome {
    const key = txId.toLowerCase();
    const state = this.stateOf(key);
    const revert = (reason: string, silent: boolean): Outcome => ({
      status: 'reverted',
      revertReason: reason,
      events: [],
      silentFailure: silent ? reason : undefined,
      state,
    });
    if (this.paused) {
      return revert('Contract is paused', false);
    }
    const entry = this.txs.get(key);
    if (!entry || state === TxState.EMPTY) {
      return revert('Transaction does not exist', true);
    }
    if (state !== TxState.BUFFERED) {
      return revert('Transaction not in buffered state', true);
    }
    if (block.number < entry.creationBlock + MIN_RESOLUTION_DELAY_BLOCKS) {
      return revert('Resolution too soon - flash loan protection', false);
    }
    if (block.time > entry.timestamp + this.coordinationWindow) {
      return revert('Transaction expired', true);
    }
    if (this.dependencySatisfied(entry) && block.time >= entry.timestamp) {
      entry.state = TxState.READY;
      return {
        status: 'mined',
        events: [{ name: 'TransactionReady', args: { tx_id: key, resolved_at: block.time } }],
        state: entry.state,
      };
    }
    return revert('Dependencies not satisfied or timing invalid', true);
  }

  private markExecuted(txId: string): Outcome {
    const entry = this.txs.get(txId.toLowerCase());
    if (!entry || entry.state !== TxState.READY) {
      return { status: 'reverted', revertReason: 'Transaction not ready', events: [], state: this.stateOf(txId) };
    }
    entry.state = TxState.EXECUTED;
    return { status: 'mined', events: [], state: entry.state };
  }

  private setPaused(paused: boolean, block: BlockContext): Outcome {
    if (this.abi !== 'buffer') {
      throw new Error('pause/unpause exist only on the Buffer variant');
    }
    this.paused = paused;
    const name = paused ? 'EmergencyPause' : 'EmergencyUnpause';
    const timeArg = paused ? 'paused_at' : 'unpaused_at';
    return { status: 'mined', events: [{ name, args: { caller: block.sender, [timeArg]: block.time } }] };
  }

  /** The Buffer variant's per-block limits on buffer_transaction (counted only when a buffer succeeds). */
  private rateLimitError(block: BlockContext): string | undefined {
    if (block.number !== this.rateBlock) {
      this.rateBlock = block.number;
      this.rateTotal = 0;
      this.rateBySender = new Map();
    }
    if (this.rateTotal >= MAX_TRANSACTIONS_PER_BLOCK) {
      return 'Block transaction limit exceeded';
    }
    if ((this.rateBySender.get(block.sender.toLowerCase()) ?? 0) >= MAX_USER_TRANSACTIONS_PER_BLOCK) {
      return 'User transaction limit exceeded';
    }
    return undefined;
  }

  private countRateLimit(block: BlockContext): void {
    const sender = block.sender.toLowerCase();
    this.rateTotal += 1;
    this.rateBySender.set(sender, (this.rateBySender.get(sender) ?? 0) + 1);
  }
}
