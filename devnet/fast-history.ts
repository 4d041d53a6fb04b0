// Fast history: days of block timestamps and tens of thousands of events in minutes. Automine is
// switched off; each block's calls are sent with explicit nonces and gas, then the block is mined
// at a chosen timestamp (evm_mine with a timestamp) and its receipts are checked
// against the contract model. Traffic comes in episodes (a few blocks seconds apart, separated by
// minutes): buffers, early resolves that fail, resolves, executions, expiries carried to the next
// episode, bursts, pauses of the Buffer variant and cross-rollup legs on two chains.
import type { DeploymentDriver, PlannedCall } from './driver';
import { latestBlock, txParams, type Receipt } from './chain';
import type { LedgerIntent } from './ledger';
import { TxState, ZERO_BYTES32, type ContractCall, type Outcome } from './model';
import type { Prng } from './prng';
import { toHex, type RpcRequest } from './rpc';
import { bufferCall, rollupOf, type TrafficMix } from './traffic';

export interface FastHistoryOptions {
  /** Span of block timestamps to write, starting at each chain's latest block. */
  days: number;
  /** Target number of contract logs across all deployments (reached approximately, slightly over). */
  events: number;
}

interface FastContext {
  drivers: DeploymentDriver[];
  prng: Prng;
  mix: TrafficMix;
  options: FastHistoryOptions;
  log?: (message: string) => void;
  signal?: AbortSignal;
}

type BufferCall = Extract<ContractCall, { kind: 'buffer' }>;

interface Lifecycle {
  call: BufferCall;
  /** Index of the lifecycle (same episode, same chain) this one depends on. */
  dependsOn?: number;
  early: boolean;
  fate: 'ready' | 'expire' | 'abandon';
  execute: boolean;
  crossRollup: boolean;
  /** 1 or 2: which resolve block resolves it. */
  slot: 1 | 2;
}

interface Deferred {
  txId: string;
  timestamp: number;
  intent: LedgerIntent;
}

const MIN_EPISODE_GAP_SECONDS = 90;
const ESTIMATED_EVENTS_PER_LIFECYCLE = 2.1;
const MIN_LIFECYCLES_PER_EPISODE = 8;
const MAX_LIFECYCLES_PER_EPISODE = 40;

class FastChain {
  blockNumber = 0;
  blockTime = 0;
  startTime = 0;
  /** Contract logs written so far. */
  events = 0;
  deferred: Deferred[] = [];
  private readonly nonces = new Map<string, number>();

  constructor(readonly driver: DeploymentDriver) {}

  async init(): Promise<void> {
    const rpc = this.driver.rpc;
    const latest = await latestBlock(rpc);
    this.blockNumber = latest.number;
    this.blockTime = latest.timestamp;
    this.startTime = this.blockTime + 1;
    const { owner, operator } = this.driver.deployment;
    for (const account of [owner, operator]) {
      this.nonces.set(
        account.toLowerCase(),
        Number(await rpc.call<string>('eth_getTransactionCount', [account, 'pending']))
      );
    }
  }

  private nextNonce(sender: string): number {
    const key = sender.toLowerCase();
    const nonce = this.nonces.get(key) ?? 0;
    this.nonces.set(key, nonce + 1);
    return nonce;
  }

  /** Mines one block at `time` holding `calls` in order; returns each call's outcome. */
  async mine(time: number, calls: PlannedCall[]): Promise<Outcome[]> {
    const rpc = this.driver.rpc;
    const blockTime = Math.max(time, this.blockTime + 1);
    const number = this.blockNumber + 1;
    const primes: RpcRequest[] = [];
    const sends: RpcRequest[] = [];
    const outcomes: Outcome[] = [];
    for (const planned of calls) {
      const prime = this.driver.primeRequest(planned.call);
      if (prime) {
        primes.push(prime);
      }
      outcomes.push(this.driver.predict(planned.call, number, blockTime));
      const request = this.driver.request(planned.call);
      request.nonce = this.nextNonce(request.from);
      sends.push({ method: 'eth_sendTransaction', params: [txParams(request)] });
    }
    // Storage priming and pool insertion only have to be done before the block is mined.
    const hashes = (await rpc.batch<string>([...primes, ...sends])).slice(primes.length);
    await rpc.call('evm_mine', [blockTime]);
    const receipts = calls.length > 0 ? await rpc.call<Receipt[]>('eth_getBlockReceipts', [toHex(number)]) : [];
    if (receipts.length !== calls.length) {
      throw new Error(
        `${this.driver.deployment.name} block ${number}: ${receipts.length} receipts for ${calls.length} calls`
      );
    }
    receipts.forEach((receipt, index) => {
      if (receipt.transactionHash !== hashes[index]) {
        throw new Error(`${this.driver.deployment.name} block ${number}: transactions were reordered`);
      }
      this.driver.record(calls[index], outcomes[index], receipt, blockTime);
      this.events += outcomes[index].events.length;
    });
    this.blockNumber = number;
    this.blockTime = blockTime;
    return outcomes;
  }
}

export async function writeFastHistory(context: FastContext): Promise<void> {
  const { drivers, prng, mix, options, log } = context;
  if (!(options.days > 0) || !(options.events > 0)) {
    throw new Error('fast history needs days > 0 and events > 0');
  }
  const chains = drivers.map((d) => new FastChain(d));
  await Promise.all(chains.map((c) => c.init()));
  // Blocks are mined only by us, at chosen timestamps: no automine, no interval mining.
  await Promise.all(
    chains.map((c) =>
      c.driver.rpc.batch([
        { method: 'evm_setAutomine', params: [false] },
        { method: 'evm_setIntervalMining', params: [0] },
      ])
    )
  );
  try {
    const totalSeconds = options.days * 86400;
    const lifecyclesPerChain = options.events / ESTIMATED_EVENTS_PER_LIFECYCLE / chains.length;
    const maxEpisodes = Math.max(1, Math.floor(totalSeconds / MIN_EPISODE_GAP_SECONDS));
    const averageLifecycles = Math.min(
      MAX_LIFECYCLES_PER_EPISODE,
      Math.max(MIN_LIFECYCLES_PER_EPISODE, lifecyclesPerChain / maxEpisodes)
    );
    let offset = 0;
    let episodes = 0;
    let nextReport = 0.1;
    const totalEvents = () => chains.reduce((sum, c) => sum + c.events, 0);
    while (totalEvents() < options.events) {
      if (context.signal?.aborted) {
        log?.('fast history stopped');
        return;
      }
      const plans = planEpisodes(chains, prng, mix, averageLifecycles);
      await Promise.all(chains.map((chain, i) => runEpisode(chain, chain.startTime + offset, plans[i], prng)));
      episodes += 1;
      const done = totalEvents();
      if (done / options.events >= nextReport) {
        log?.(`fast history: ${done} events, ${episodes} episodes, ${(offset / 86400).toFixed(2)} days`);
        nextReport += 0.1;
      }
      const perEpisode = done / episodes;
      const remainingEpisodes = Math.max(1, (options.events - done) / perEpisode);
      const gap = Math.max(MIN_EPISODE_GAP_SECONDS, (totalSeconds - offset) / remainingEpisodes);
      offset += Math.round(gap * (0.5 + prng.next()));
    }
    // Pending resolves of the last episode's expiring txs are left unsent: they stay BUFFERED.
    log?.(`fast history: ${totalEvents()} events in ${episodes} episodes over ${(offset / 86400).toFixed(2)} days`);
  } finally {
    await Promise.all(chains.map((c) => restoreMining(c.driver)));
  }
}

interface EpisodePlan {
  lifecycles: Lifecycle[];
  /** Every lifecycle of the episode expires (an incident). */
  burst: boolean;
  pause: boolean;
}

/** Decides one episode for every chain, then mirrors cross-rollup legs onto their partner chains. */
function planEpisodes(chains: FastChain[], prng: Prng, mix: TrafficMix, average: number): EpisodePlan[] {
  const plans = chains.map((chain) => planChainEpisode(chain, prng, mix, average));
  chains.forEach((chain, index) => {
    const others = chains.filter((c) => c !== chain);
    if (others.length === 0) {
      return;
    }
    for (const lifecycle of [...plans[index].lifecycles]) {
      if (lifecycle.dependsOn !== undefined || lifecycle.fate !== 'ready' || !prng.chance(mix.crossRollup)) {
        continue;
      }
      const partner = prng.pick(others);
      lifecycle.crossRollup = true;
      lifecycle.call.origin = rollupOf(chain.driver.deployment);
      lifecycle.call.target = rollupOf(partner.driver.deployment);
      plans[chains.indexOf(partner)].lifecycles.push({
        ...lifecycle,
        call: { ...lifecycle.call, payload: prng.hex(prng.int(32, 128)) },
        early: false,
        execute: prng.chance(mix.execute),
        slot: prng.chance(0.5) ? 1 : 2,
      });
    }
  });
  return plans;
}

function planChainEpisode(chain: FastChain, prng: Prng, mix: TrafficMix, average: number): EpisodePlan {
  const deployment = chain.driver.deployment;
  const burst = prng.chance(mix.burst * average);
  const count = Math.max(2, Math.round(average * (0.5 + prng.next()) * (burst ? 1.5 : 1)));
  const lifecycles: Lifecycle[] = [];
  for (let i = 0; i < count; i++) {
    const dependsOn = i > 0 && prng.chance(mix.dependencyChain) ? prng.int(Math.max(0, i - 3), i - 1) : undefined;
    const roll = prng.next();
    let fate: Lifecycle['fate'] = 'ready';
    if (burst || (roll >= mix.abandon && roll < mix.abandon + mix.expire)) {
      fate = 'expire';
    } else if (roll < mix.abandon) {
      fate = 'abandon';
    }
    lifecycles.push({
      call: bufferCall(
        prng,
        deployment,
        prng.hex(32),
        0,
        dependsOn === undefined ? ZERO_BYTES32 : lifecycles[dependsOn].call.txId
      ),
      dependsOn,
      early: dependsOn !== undefined && prng.chance(mix.dependencyEarly),
      fate,
      execute: prng.chance(mix.execute),
      crossRollup: false,
      slot: prng.chance(0.5) ? 1 : 2,
    });
  }
  // A dependent never resolves in an earlier block than its dependency.
  for (const lifecycle of lifecycles) {
    if (lifecycle.dependsOn !== undefined && lifecycles[lifecycle.dependsOn].slot === 2) {
      lifecycle.slot = 2;
    }
  }
  return { lifecycles, burst, pause: deployment.abi === 'buffer' && prng.chance(mix.pause * average) };
}

/**
 * Blocks of one episode on one chain, starting at `start`:
 *   buffer blocks (≤10 buffers each on the Buffer variant, its per-sender limit), 1 s apart;
 *   an empty block on the Buffer variant (resolution must wait 2 blocks);
 *   R1 4–12 s later: early resolves of dependents (fail), then slot-1 resolves;
 *   R2 2–8 s later: slot-2 resolves and retries of the early ones;
 *   R3 2–20 s later: executions. Expiring txs are resolved at the start of the next episode.
 * On a pause episode the contract is paused before R1 and unpaused in R3: its resolves revert and
 * are carried to the next episode, by which time the txs have expired.
 */
async function runEpisode(chain: FastChain, start: number, plan: EpisodePlan, prng: Prng): Promise<void> {
  const model = chain.driver.model;
  const isBuffer = chain.driver.deployment.abi === 'buffer';
  const perBlock = isBuffer ? 10 : 50;
  const carried = chain.deferred;
  chain.deferred = [];

  const latestCarriedExpiry = Math.max(0, ...carried.map((d) => d.timestamp + model.coordinationWindow + 1));
  let time = Math.max(start, chain.blockTime + 1, latestCarriedExpiry);
  const carriedCalls = carried.map((d): PlannedCall => ({ call: { kind: 'resolve', txId: d.txId }, intent: d.intent }));
  const buffered: Lifecycle[] = [];
  for (let first = 0; first < plan.lifecycles.length; first += perBlock) {
    const chunk = plan.lifecycles.slice(first, first + perBlock);
    for (const lifecycle of chunk) {
      lifecycle.call.timestamp = time + prng.int(0, 3);
    }
    const bufferCalls = chunk.map((l): PlannedCall => ({
      call: l.call,
      intent: plan.burst && l.fate === 'expire' ? 'burst' : 'lifecycle',
      crossRollup: l.crossRollup,
    }));
    const outcomes = await chain.mine(time, first === 0 ? [...carriedCalls, ...bufferCalls] : bufferCalls);
    outcomes.slice(outcomes.length - chunk.length).forEach((outcome, i) => {
      if (outcome.status === 'mined') {
        buffered.push(chunk[i]);
      }
    });
    time += 1;
  }
  if (isBuffer) {
    await chain.mine(time, []);
  }

  for (const l of buffered) {
    if (l.fate === 'expire') {
      chain.deferred.push({ txId: l.call.txId, timestamp: l.call.timestamp, intent: plan.burst ? 'burst' : 'expire' });
    }
  }
  const toResolve = buffered.filter((l) => l.fate === 'ready');
  const resolveCall = (l: Lifecycle, intent: LedgerIntent): PlannedCall => ({
    call: { kind: 'resolve', txId: l.call.txId },
    intent,
    crossRollup: l.crossRollup,
  });

  // R1: dependents resolved before their dependency fail; then the first half resolves in order.
  const r1Time = time + prng.int(3, 11);
  await chain.mine(r1Time, [
    ...(plan.pause ? [{ call: { kind: 'pause' as const }, intent: 'pause' as const }] : []),
    ...toResolve.filter((l) => l.early).map((l) => resolveCall(l, 'dependency-early')),
    ...toResolve.filter((l) => l.slot === 1 && !l.early).map((l) => resolveCall(l, 'lifecycle')),
  ]);
  // R2: the rest, and the retries of the early ones (dependencies come first: lower index).
  const r2Time = r1Time + prng.int(2, 8);
  await chain.mine(
    r2Time,
    toResolve
      .filter((l) => l.slot === 2 || l.early)
      .map((l) => resolveCall(l, l.early ? 'dependency-retry' : 'lifecycle'))
  );
  // R3: executions; after a pause, the unpause, and the unresolved txs carried to the next episode.
  const r3: PlannedCall[] = toResolve
    .filter((l) => l.execute && model.stateOf(l.call.txId) === TxState.READY)
    .map((l) => ({
      call: { kind: 'mark_executed', txId: l.call.txId },
      intent: 'execute',
      crossRollup: l.crossRollup,
    }));
  if (plan.pause) {
    r3.push({ call: { kind: 'unpause' }, intent: 'unpause' });
    for (const l of toResolve) {
      if (model.stateOf(l.call.txId) === TxState.BUFFERED) {
        chain.deferred.push({ txId: l.call.txId, timestamp: l.call.timestamp, intent: 'retry-after-pause' });
      }
    }
  }
  await chain.mine(r2Time + prng.int(2, 20), r3);
}

/** Back to the deployment's own mining mode: its block interval, or one block per transaction. */
async function restoreMining(driver: DeploymentDriver): Promise<void> {
  const { blockTime } = driver.deployment;
  if (blockTime) {
    await driver.rpc.call('evm_setIntervalMining', [blockTime]);
  } else {
    await driver.rpc.call('evm_setAutomine', [true]);
  }
}
