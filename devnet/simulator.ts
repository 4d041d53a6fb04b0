// Operator traffic on Tesseract deployments, recorded in a ground-truth ledger.
//
// Live mode: lifecycles arrive at a seeded Poisson rate and play out in wall-clock time (buffer,
// resolve after a delay, execute), with dependency chains, early resolves that fail and are
// retried, expirations, bursts of expiring transactions, pauses of the Buffer variant and
// transactions buffered on two chains with the same tx_id. Fast mode (./fast-history.ts) writes
// days of block history in minutes.
import { latestBlock } from './chain';
import { DeploymentDriver, type PlannedCall } from './driver';
import type { Deployment } from './devnet';
import { LedgerWriter, summarizeLedger, type LedgerEntry, type LedgerSummary } from './ledger';
import { COORDINATION_WINDOW_SECONDS, TxState, ZERO_BYTES32, type ContractCall, type Outcome } from './model';
import { Prng } from './prng';
import { bufferCall, DEFAULT_MIX, rollupOf, type TrafficMix } from './traffic';
import { toHex } from './rpc';
import { writeFastHistory, type FastHistoryOptions } from './fast-history';

export type ExpiryMode = 'time-travel' | 'wait';

export interface SimulationOptions {
  deployments: readonly Deployment[];
  seed?: number | string;
  mix?: Partial<TrafficMix>;
  /** JSONL ledger file (truncated at start). Entries are also returned. */
  ledgerPath?: string;
  /** Stops immediately (in-flight calls finish, sleeping lifecycles end). */
  signal?: AbortSignal;
  /** Live mode: stop starting lifecycles after this many / after this many wall seconds, then drain. */
  until?: { lifecycles?: number; seconds?: number };
  /** Live mode: new lifecycles per minute across all deployments (default 30). */
  ratePerMinute?: number;
  /** Live mode: ready transactions are resolved 1..maxResolveDelay seconds after their timestamp (default 20). */
  maxResolveDelay?: number;
  /** Live mode: longest pause of a Buffer-variant deployment, seconds (default 20). */
  maxPauseSeconds?: number;
  /**
   * Live mode: 'time-travel' (default) jumps the chain clock past the window with evm_increaseTime;
   * 'wait' sleeps in wall time so the chain clock stays near the wall clock.
   */
  expiry?: ExpiryMode;
  /** Fast mode: write history with explicit block timestamps instead of live traffic. */
  fast?: FastHistoryOptions;
  log?: (message: string) => void;
}

export interface SimulationResult {
  entries: LedgerEntry[];
  summary: LedgerSummary;
  /** Logs emitted, per deployment name. */
  eventsByDeployment: Record<string, number>;
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  if (options.deployments.length === 0) {
    throw new Error('runSimulation needs at least one deployment');
  }
  // Live traffic is slow enough to write each entry at once; fast history writes in batches.
  const ledger = new LedgerWriter(options.ledgerPath, options.fast ? 1000 : 1);
  const drivers = options.deployments.map((d) => new DeploymentDriver(d, ledger));
  const prng = new Prng(options.seed ?? 1);
  const mix = { ...DEFAULT_MIX, ...options.mix };
  try {
    if (options.fast) {
      await writeFastHistory({ drivers, prng, mix, options: options.fast, log: options.log, signal: options.signal });
    } else {
      await new LiveTraffic(drivers, prng, mix, options).run();
    }
  } finally {
    ledger.flush();
  }
  const eventsByDeployment: Record<string, number> = {};
  for (const entry of ledger.entries) {
    eventsByDeployment[entry.deployment] = (eventsByDeployment[entry.deployment] ?? 0) + entry.events.length;
  }
  return { entries: ledger.entries, summary: summarizeLedger(ledger.entries), eventsByDeployment };
}

class Stopped extends Error {}

/** Serializes calls per deployment, tracks its chain clock and gates time travel. */
class LiveChain {
  private queue: Promise<unknown> = Promise.resolve();
  /** chain time − wall time, seconds, measured from the latest receipt. */
  private clockOffset = 0;
  private latestBlockTime = 0;

  private open = 0;
  private travelers = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly driver: DeploymentDriver,
    private readonly stop: AbortSignal
  ) {
    stop.addEventListener('abort', () => this.notify(), { once: true });
  }

  get deployment(): Deployment {
    return this.driver.deployment;
  }

  chainNow(): number {
    return Math.max(Date.now() / 1000 + this.clockOffset, this.latestBlockTime);
  }

  async syncClock(): Promise<void> {
    this.observe((await latestBlock(this.driver.rpc)).timestamp);
  }

  private observe(blockTime: number): void {
    this.latestBlockTime = Math.max(this.latestBlockTime, blockTime);
    this.clockOffset = blockTime - Date.now() / 1000;
  }

  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Sends a call in its turn. */
  send(planned: PlannedCall): Promise<Outcome> {
    return this.exclusive(async () => {
      await this.ensureResolutionDelay(planned.call);
      const { entry, outcome } = await this.driver.sendOne(planned);
      this.observe(entry.blockTime);
      return outcome;
    });
  }

  /**
   * Counts a lifecycle as open (it has or will have txs waiting to resolve inside their window)
   * until the returned `leave` is called. New lifecycles wait while a time travel is pending.
   */
  async enter(): Promise<() => void> {
    await this.until(() => this.travelers === 0);
    this.open += 1;
    let left = false;
    return () => {
      if (!left) {
        left = true;
        this.open -= 1;
        this.notify();
      }
    };
  }

  /**
   * Leaves the caller's lifecycle, waits until no other lifecycle on this chain is open, then
   * moves the chain clock past `time` (evm_increaseTime), so the jump expires only the caller's txs.
   */
  async travelPast(time: number, leave: () => void): Promise<void> {
    leave();
    this.travelers += 1;
    try {
      await this.until(() => this.open === 0);
      await this.exclusive(async () => {
        const needed = Math.ceil(time - this.chainNow()) + 1;
        if (needed > 0) {
          await this.driver.rpc.call('evm_increaseTime', [toHex(needed)]);
          this.clockOffset += needed;
        }
      });
    } finally {
      this.travelers -= 1;
      this.notify();
    }
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.stop.aborted) {
        throw new Stopped();
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  /** The Buffer variant refuses to resolve within 2 blocks of buffering; mine empty blocks if needed. */
  private async ensureResolutionDelay(call: ContractCall): Promise<void> {
    if (this.deployment.abi !== 'buffer' || call.kind !== 'resolve') {
      return;
    }
    const created = this.driver.model.creationBlock(call.txId);
    if (created === undefined) {
      return;
    }
    const head = Number(await this.driver.rpc.call<string>('eth_blockNumber'));
    const missing = created + 2 - (head + 1);
    if (missing > 0) {
      await this.driver.rpc.call('anvil_mine', [toHex(missing)]);
    }
  }
}

class LiveTraffic {
  private readonly chains: LiveChain[];
  private readonly mix: TrafficMix;
  private readonly expiry: ExpiryMode;
  private readonly maxResolveDelay: number;
  private readonly maxPauseSeconds: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopController = new AbortController();
  private failure: unknown;
  private readonly pausing = new Set<string>();

  constructor(
    drivers: DeploymentDriver[],
    private readonly prng: Prng,
    mix: TrafficMix,
    private readonly options: SimulationOptions
  ) {
    this.chains = drivers.map((d) => new LiveChain(d, this.stopController.signal));
    this.mix = mix;
    this.expiry = options.expiry ?? 'time-travel';
    this.maxResolveDelay = Math.max(1, Math.min(options.maxResolveDelay ?? 20, COORDINATION_WINDOW_SECONDS - 5));
    this.maxPauseSeconds = Math.max(1, options.maxPauseSeconds ?? 20);
    options.signal?.addEventListener('abort', () => this.stopController.abort(), { once: true });
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  async run(): Promise<void> {
    const ratePerMinute = this.options.ratePerMinute ?? 30;
    if (!(ratePerMinute > 0)) {
      throw new Error(`ratePerMinute must be positive, got ${ratePerMinute}`);
    }
    await Promise.all(this.chains.map((c) => c.syncClock()));
    const deadline =
      this.options.until?.seconds !== undefined ? Date.now() + this.options.until.seconds * 1000 : Infinity;
    const maxLifecycles = this.options.until?.lifecycles ?? Infinity;
    let started = 0;
    while (!this.stopped && started < maxLifecycles && Date.now() < deadline) {
      this.spawn(this.arrival(this.prng.fork()));
      started += 1;
      try {
        await this.sleep(this.prng.exponential(60_000 / ratePerMinute));
      } catch (error) {
        if (!(error instanceof Stopped)) {
          throw error;
        }
      }
    }
    this.log(`live traffic: ${started} lifecycles started, draining ${this.inFlight.size}`);
    while (this.inFlight.size > 0) {
      await Promise.race(this.inFlight);
    }
    if (this.failure) {
      throw this.failure;
    }
  }

  private spawn(task: Promise<void>): void {
    const tracked = task.catch((error: unknown) => {
      if (error instanceof Stopped) {
        return;
      }
      if (!this.failure) {
        this.failure = error;
        this.log(`simulation failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.stopController.abort();
    });
    const done = tracked.finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Resolves after `ms`, or throws Stopped once the simulation is stopping. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(new Stopped());
        return;
      }
      const timer = setTimeout(() => {
        this.stopController.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Stopped());
      };
      this.stopController.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async sleepUntilChainTime(chain: LiveChain, time: number): Promise<void> {
    const wait = (time - chain.chainNow()) * 1000;
    if (wait > 0) {
      await this.sleep(wait);
    }
  }

  private send(chain: LiveChain, planned: PlannedCall): Promise<Outcome> {
    if (this.stopped) {
      throw new Stopped();
    }
    return chain.send(planned);
  }

  private async arrival(rng: Prng): Promise<void> {
    const chain = rng.pick(this.chains);
    const pausable = this.chains.filter((c) => c.deployment.abi === 'buffer' && !this.pausing.has(c.deployment.name));
    if (pausable.length > 0 && rng.chance(this.mix.pause)) {
      return this.pauseWindow(rng, rng.pick(pausable));
    }
    if (rng.chance(this.mix.burst)) {
      return this.burst(rng, chain);
    }
    if (this.chains.length > 1 && rng.chance(this.mix.crossRollup)) {
      const other = rng.pick(this.chains.filter((c) => c !== chain));
      return this.crossRollup(rng, chain, other);
    }
    if (rng.chance(this.mix.dependencyChain)) {
      return this.dependencyChain(rng, chain, rng.int(2, 3));
    }
    return this.single(rng, chain);
  }

  private newTxId(rng: Prng): string {
    return rng.hex(32);
  }

  /** Timestamp argument for a buffer sent now: a little ahead of the chain clock. */
  private nextTimestamp(rng: Prng, chain: LiveChain): number {
    return Math.ceil(chain.chainNow()) + rng.int(1, 4);
  }

  private async buffer(chain: LiveChain, call: Extract<ContractCall, { kind: 'buffer' }>, crossRollup = false) {
    return this.send(chain, { call, intent: 'lifecycle', crossRollup });
  }

  /** Resolve, retrying after a pause; then maybe execute. Returns the final state. */
  private async resolveAndExecute(
    rng: Prng,
    chain: LiveChain,
    txId: string,
    timestamp: number,
    crossRollup = false
  ): Promise<void> {
    let intent: PlannedCall['intent'] = 'lifecycle';
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = await this.send(chain, { call: { kind: 'resolve', txId }, intent, crossRollup });
      if (outcome.state === TxState.READY) {
        if (rng.chance(this.mix.execute)) {
          await this.sleep(rng.int(500, 1000 * Math.min(5, this.maxResolveDelay)));
          await this.send(chain, { call: { kind: 'mark_executed', txId }, intent: 'execute', crossRollup });
        }
        return;
      }
      if (outcome.revertReason !== 'Contract is paused') {
        return;
      }
      // Paused: the operator retries while the window lasts.
      await this.sleep(rng.int(1000, 1000 * Math.max(2, Math.min(5, this.maxPauseSeconds))));
      if (chain.chainNow() > timestamp + COORDINATION_WINDOW_SECONDS) {
        return;
      }
      intent = 'retry-after-pause';
    }
  }

  /** Lets the window of the txs pass (in wall time or by time travel), then resolves each of them. */
  private async expireAndResolve(
    chain: LiveChain,
    calls: Array<Extract<ContractCall, { kind: 'buffer' }>>,
    intent: 'expire' | 'burst',
    leave: () => void
  ): Promise<void> {
    const expiredAt = Math.max(...calls.map((c) => c.timestamp)) + COORDINATION_WINDOW_SECONDS;
    if (this.expiry === 'wait') {
      await this.sleepUntilChainTime(chain, expiredAt + 1);
    } else {
      await chain.travelPast(expiredAt, leave);
    }
    for (const call of calls) {
      await this.send(chain, { call: { kind: 'resolve', txId: call.txId }, intent });
    }
  }

  /** Runs one lifecycle on a chain, counted as open there (see LiveChain.enter). */
  private async onChain(chain: LiveChain, body: (leave: () => void) => Promise<void>): Promise<void> {
    const leave = await chain.enter();
    try {
      await body(leave);
    } finally {
      leave();
    }
  }

  private resolveDelay(rng: Prng): number {
    return rng.int(1, this.maxResolveDelay);
  }

  private single(rng: Prng, chain: LiveChain): Promise<void> {
    return this.onChain(chain, async (leave) => {
      const txId = this.newTxId(rng);
      const call = bufferCall(rng, chain.deployment, txId, this.nextTimestamp(rng, chain));
      if ((await this.buffer(chain, call)).status !== 'mined') {
        return;
      }
      const roll = rng.next();
      if (roll < this.mix.abandon) {
        return;
      }
      if (roll < this.mix.abandon + this.mix.expire) {
        await this.sleep(rng.int(1000, 4000));
        await this.expireAndResolve(chain, [call], 'expire', leave);
        return;
      }
      await this.sleepUntilChainTime(chain, call.timestamp + this.resolveDelay(rng));
      await this.resolveAndExecute(rng, chain, txId, call.timestamp);
    });
  }

  private dependencyChain(rng: Prng, chain: LiveChain, length: number): Promise<void> {
    return this.onChain(chain, async () => {
      const calls: Array<Extract<ContractCall, { kind: 'buffer' }>> = [];
      for (let i = 0; i < length; i++) {
        const dependency = i === 0 ? ZERO_BYTES32 : calls[i - 1].txId;
        const call = bufferCall(rng, chain.deployment, this.newTxId(rng), this.nextTimestamp(rng, chain), dependency);
        if ((await this.buffer(chain, call)).status !== 'mined') {
          break;
        }
        calls.push(call);
      }
      if (calls.length === 0) {
        return;
      }
      const last = calls[calls.length - 1];
      const latestTimestamp = Math.max(...calls.map((c) => c.timestamp));
      await this.sleepUntilChainTime(chain, latestTimestamp + rng.int(1, Math.max(1, this.maxResolveDelay - 5)));
      let retryLast = false;
      if (rng.chance(this.mix.dependencyEarly)) {
        const early = await this.send(chain, {
          call: { kind: 'resolve', txId: last.txId },
          intent: 'dependency-early',
        });
        retryLast = early.state === TxState.BUFFERED;
      }
      for (const call of calls) {
        const isLast = call === last;
        if (isLast && rng.chance(0.5)) {
          await this.sleep(rng.int(300, 2000));
        }
        const intent = isLast && retryLast ? 'dependency-retry' : 'lifecycle';
        const outcome = await this.send(chain, { call: { kind: 'resolve', txId: call.txId }, intent });
        if (outcome.state !== TxState.READY) {
          return;
        }
        if (rng.chance(this.mix.execute)) {
          await this.send(chain, { call: { kind: 'mark_executed', txId: call.txId }, intent: 'execute' });
        }
      }
    });
  }

  /** Both legs of a cross-rollup transaction: the same tx_id buffered and resolved on two chains. */
  private async crossRollup(rng: Prng, source: LiveChain, destination: LiveChain): Promise<void> {
    const txId = this.newTxId(rng);
    const origin = rollupOf(source.deployment);
    const target = rollupOf(destination.deployment);
    // Each leg draws from its own generator: the legs run concurrently.
    const legs = [source, destination].map((chain) => {
      const legRng = rng.fork();
      return this.onChain(chain, async () => {
        const call: Extract<ContractCall, { kind: 'buffer' }> = {
          kind: 'buffer',
          txId,
          origin,
          target,
          payload: legRng.hex(legRng.int(32, 128)),
          dependency: ZERO_BYTES32,
          timestamp: this.nextTimestamp(legRng, chain),
        };
        if ((await this.buffer(chain, call, true)).status !== 'mined') {
          return;
        }
        await this.sleepUntilChainTime(chain, call.timestamp + this.resolveDelay(legRng));
        await this.resolveAndExecute(legRng, chain, txId, call.timestamp, true);
      });
    });
    await Promise.all(legs);
  }

  /** An incident: several transactions buffered in quick succession, all resolved after expiry. */
  private burst(rng: Prng, chain: LiveChain): Promise<void> {
    return this.onChain(chain, async (leave) => {
      const size = rng.int(5, 12);
      this.log(`burst of ${size} expiring transactions on ${chain.deployment.name}`);
      const buffered: Array<Extract<ContractCall, { kind: 'buffer' }>> = [];
      for (let i = 0; i < size; i++) {
        const call = bufferCall(rng, chain.deployment, this.newTxId(rng), this.nextTimestamp(rng, chain));
        if ((await this.send(chain, { call, intent: 'burst' })).status === 'mined') {
          buffered.push(call);
        }
      }
      if (buffered.length > 0) {
        await this.expireAndResolve(chain, buffered, 'burst', leave);
      }
    });
  }

  /** Pauses a Buffer-variant deployment for a while; traffic meanwhile reverts with "Contract is paused". */
  private async pauseWindow(rng: Prng, chain: LiveChain): Promise<void> {
    const seconds = rng.int(Math.min(5, this.maxPauseSeconds), this.maxPauseSeconds);
    this.pausing.add(chain.deployment.name);
    this.log(`pausing ${chain.deployment.name} for ${seconds} s`);
    let paused = false;
    try {
      paused = (await this.send(chain, { call: { kind: 'pause' }, intent: 'pause' })).status === 'mined';
      await this.sleep(seconds * 1000);
    } finally {
      // Unpause even when stopping, so a stopped simulation does not leave the contract paused.
      if (paused) {
        await chain.send({ call: { kind: 'unpause' }, intent: 'unpause' });
      }
      this.pausing.delete(chain.deployment.name);
    }
  }
}
