// Traffic shape shared by the live and fast simulators.
import type { Deployment } from './devnet';
import { ZERO_BYTES32, type ContractCall } from './model';
import type { Prng } from './prng';
import { rollupAddress, ROLLUP_NAMES } from './rollups';

export interface TrafficMix {
  /** Share of lifecycles that are dependency chains (2–3 txs, each depending on the previous). */
  dependencyChain: number;
  /** Share of dependency chains whose dependent is resolved first (fails, then is retried). */
  dependencyEarly: number;
  /** Share of lifecycles resolved only after the coordination window (expiry). */
  expire: number;
  /** Share of lifecycles never resolved (they stay BUFFERED). */
  abandon: number;
  /** Share of ready transactions that are then marked executed. */
  execute: number;
  /** Share of lifecycles buffered on two chains with the same tx_id. */
  crossRollup: number;
  /** Per arrival: chance that a burst of expiring transactions starts on one chain. */
  burst: number;
  /** Per arrival: chance that a Buffer-variant deployment is paused for a while. */
  pause: number;
}

export const DEFAULT_MIX: TrafficMix = {
  dependencyChain: 0.2,
  dependencyEarly: 0.4,
  expire: 0.08,
  abandon: 0.03,
  execute: 0.7,
  crossRollup: 0.15,
  burst: 0.01,
  pause: 0.01,
};

/** The rollup a deployment stands for, and the others it trades with. */
export function rollupOf(deployment: Deployment): string {
  return rollupAddress(deployment.name);
}

function counterpartRollup(prng: Prng, deployment: Deployment): string {
  return rollupAddress(prng.pick(ROLLUP_NAMES.filter((name) => name !== deployment.name)));
}

/** A buffer call between this deployment's rollup and another one, either direction. */
export function bufferCall(
  prng: Prng,
  deployment: Deployment,
  txId: string,
  timestamp: number,
  dependency = ZERO_BYTES32
): Extract<ContractCall, { kind: 'buffer' }> {
  const local = rollupOf(deployment);
  const remote = counterpartRollup(prng, deployment);
  const outbound = prng.chance(0.5);
  return {
    kind: 'buffer',
    txId,
    origin: outbound ? local : remote,
    target: outbound ? remote : local,
    payload: prng.hex(prng.int(32, 128)),
    dependency,
    timestamp,
  };
}
