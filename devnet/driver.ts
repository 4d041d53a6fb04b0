// One deployment as the simulator sees it: encodes calls, sends them from the operator (or the
// owner for pause/unpause), checks each receipt against the contract model and records the ledger.
import { AbiCoder, getAddress, Interface, keccak256, toBeHex, zeroPadValue } from 'ethers';
import { buildFor, type Deployment } from './devnet';
import { blockTime as fetchBlockTime, txParams, waitReceipt, type Receipt, type TxRequest } from './chain';
import type { LedgerEntry, LedgerIntent, LedgerWriter } from './ledger';
import { ContractModel, type ContractCall, type ExpectedEvent, type Outcome, TxState } from './model';
import { JsonRpc } from './rpc';

const GAS: Record<ContractCall['kind'], number> = {
  buffer: 700_000,
  resolve: 300_000,
  mark_executed: 100_000,
  pause: 100_000,
  unpause: 100_000,
};

/** `transactions` is storage slot 2 of the Vyper TesseractSimple; the state word is field 21 of the struct. */
const VYPER_TRANSACTIONS_SLOT = 2;
const VYPER_STATE_WORD = 21;

export class SimulationMismatchError extends Error {}

export interface PlannedCall {
  call: ContractCall;
  intent: LedgerIntent;
  crossRollup?: boolean;
}

export class DeploymentDriver {
  readonly rpc: JsonRpc;
  readonly model: ContractModel;
  private readonly iface: Interface;

  constructor(
    readonly deployment: Deployment,
    private readonly ledger: LedgerWriter
  ) {
    this.rpc = new JsonRpc(deployment.rpcUrl);
    this.model = new ContractModel(deployment.abi);
    this.iface = new Interface(buildFor(deployment.abi, deployment.build).abi);
  }

  senderOf(call: ContractCall): string {
    return call.kind === 'pause' || call.kind === 'unpause' ? this.deployment.owner : this.deployment.operator;
  }

  request(call: ContractCall, nonce?: number): TxRequest {
    return {
      from: this.senderOf(call),
      to: this.deployment.contract,
      data: this.encode(call),
      gas: GAS[call.kind],
      nonce,
    };
  }

  private encode(call: ContractCall): string {
    switch (call.kind) {
      case 'buffer':
        return this.iface.encodeFunctionData('buffer_transaction', [
          call.txId,
          call.origin,
          call.target,
          call.payload,
          call.dependency,
          call.timestamp,
        ]);
      case 'resolve':
        return this.iface.encodeFunctionData('resolve_dependency', [call.txId]);
      case 'mark_executed':
        return this.iface.encodeFunctionData(
          this.deployment.abi === 'simple' ? 'mark_executed' : 'mark_transaction_executed',
          [call.txId]
        );
      case 'pause':
        return this.iface.encodeFunctionData('emergency_pause', []);
      case 'unpause':
        return this.iface.encodeFunctionData('emergency_unpause', []);
    }
  }

  /**
   * For the Vyper build: the anvil_setStorageAt request that sets a fresh tx's state to EMPTY, or
   * undefined when nothing needs priming. Updates the model.
   */
  primeRequest(call: ContractCall): { method: string; params: unknown[] } | undefined {
    if (
      this.deployment.build !== 'vyper' ||
      call.kind !== 'buffer' ||
      this.model.stateOf(call.txId) !== TxState.UNKNOWN
    ) {
      return undefined;
    }
    this.model.prime(call.txId);
    return {
      method: 'anvil_setStorageAt',
      params: [this.deployment.contract, vyperStateSlot(call.txId), zeroPadValue(toBeHex(TxState.EMPTY), 32)],
    };
  }

  /** Predicts the outcome in the given block and updates the model. */
  predict(call: ContractCall, blockNumber: number, blockTime: number): Outcome {
    return this.model.apply(call, { number: blockNumber, time: blockTime, sender: this.senderOf(call) });
  }

  /** Compares a receipt with the predicted outcome, then records the ledger entry. */
  record(planned: PlannedCall, outcome: Outcome, receipt: Receipt, blockTime: number): LedgerEntry {
    this.verify(planned, outcome, receipt);
    const { call } = planned;
    const entry: Omit<LedgerEntry, 'seq'> = {
      deployment: this.deployment.name,
      chainId: this.deployment.chainId,
      contract: this.deployment.contract,
      action: call.kind,
      intent: planned.intent,
      from: this.senderOf(call),
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      blockTime,
      outcome: outcome.status,
      events: outcome.events,
    };
    if (call.kind !== 'pause' && call.kind !== 'unpause') {
      entry.txId = call.txId.toLowerCase();
      entry.state = outcome.state;
    }
    if (planned.crossRollup) {
      entry.crossRollup = true;
    }
    if (outcome.revertReason) {
      entry.revertReason = outcome.revertReason;
    }
    if (outcome.silentFailure) {
      entry.silentFailure = outcome.silentFailure;
    }
    if (call.kind === 'buffer') {
      entry.buffer = {
        origin: call.origin,
        target: call.target,
        dependency: call.dependency.toLowerCase(),
        timestamp: call.timestamp,
        payloadBytes: (call.payload.length - 2) / 2,
      };
    }
    return this.ledger.add(entry);
  }

  private verify(planned: PlannedCall, outcome: Outcome, receipt: Receipt): void {
    const where = `${this.deployment.name} ${planned.call.kind} (${planned.intent}) tx ${receipt.transactionHash}`;
    const minedOnChain = receipt.status === '0x1';
    if (minedOnChain !== (outcome.status === 'mined')) {
      throw new SimulationMismatchError(
        `${where}: chain says ${minedOnChain ? 'mined' : 'reverted'}, model says ${outcome.status}` +
          (outcome.revertReason ? ` (${outcome.revertReason})` : '')
      );
    }
    const logs = receipt.logs.filter((log) => log.address.toLowerCase() === this.deployment.contract.toLowerCase());
    if (logs.length !== outcome.events.length) {
      throw new SimulationMismatchError(
        `${where}: ${logs.length} logs on chain, model expects ${outcome.events.length}`
      );
    }
    logs.forEach((log, index) => {
      const parsed = this.iface.parseLog(log);
      const expected: ExpectedEvent = outcome.events[index];
      if (!parsed || parsed.name !== expected.name) {
        throw new SimulationMismatchError(`${where}: log ${index} is ${parsed?.name}, model expects ${expected.name}`);
      }
      for (const [name, value] of Object.entries(expected.args)) {
        const actual = normalizeArg(parsed.args.getValue(name));
        if (actual !== String(value).toLowerCase()) {
          throw new SimulationMismatchError(`${where}: ${expected.name}.${name} is ${actual}, model expects ${value}`);
        }
      }
    });
  }

  /** Sends one call and waits for it (live mode: one call per block, automine or interval mining). */
  async sendOne(planned: PlannedCall): Promise<{ entry: LedgerEntry; outcome: Outcome }> {
    const prime = this.primeRequest(planned.call);
    if (prime) {
      await this.rpc.call(prime.method, prime.params);
    }
    const hash = await this.rpc.call<string>('eth_sendTransaction', [txParams(this.request(planned.call))]);
    const receipt = await waitReceipt(this.rpc, hash);
    const blockNumber = Number(receipt.blockNumber);
    const blockTime = await fetchBlockTime(this.rpc, blockNumber);
    const outcome = this.predict(planned.call, blockNumber, blockTime);
    return { entry: this.record(planned, outcome, receipt, blockTime), outcome };
  }
}

function normalizeArg(value: unknown): string {
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value)) {
    return getAddress(value).toLowerCase();
  }
  return String(value).toLowerCase();
}

/** Storage slot of `transactions[txId].state` in the Vyper 0.3.10 TesseractSimple layout. */
export function vyperStateSlot(txId: string): string {
  const base = BigInt(
    keccak256(AbiCoder.defaultAbiCoder().encode(['uint256', 'bytes32'], [VYPER_TRANSACTIONS_SLOT, txId]))
  );
  return zeroPadValue(toBeHex(base + BigInt(VYPER_STATE_WORD)), 32);
}
