import { EventKind, type TesseractEvent } from './events';

/**
 * One tx_id's story on one deployment, paired from its events: Buffered, then Ready or Failed. A Simple
 * contract leaves a failed tx BUFFERED (it may be retried and become ready later), so the first Ready and
 * the first Failed are both kept. A tx that is neither and is past `timestamp + coordination_window`
 * is expired; on TesseractBuffer that is the only trace of a failure (its failure logs are reverted).
 */
export interface Lifecycle {
  /** Packed tx_id. */
  txId: string;
  buffered: TesseractEvent | null;
  ready: TesseractEvent | null;
  failed: TesseractEvent | null;
  failures: number;
}

/** Pairs events by tx_id; events must come in chain order (as the log index keeps them). */
export function buildLifecycles(events: readonly TesseractEvent[]): Map<string, Lifecycle> {
  const byTx = new Map<string, Lifecycle>();
  for (const event of events) {
    if (event.txId === null || event.kind === EventKind.Other) {
      continue;
    }
    let lifecycle = byTx.get(event.txId);
    if (!lifecycle) {
      lifecycle = { txId: event.txId, buffered: null, ready: null, failed: null, failures: 0 };
      byTx.set(event.txId, lifecycle);
    }
    switch (event.kind) {
      case EventKind.Buffered:
        lifecycle.buffered ??= event;
        break;
      case EventKind.Ready:
        lifecycle.ready ??= event;
        break;
      case EventKind.Failed:
        lifecycle.failed ??= event;
        lifecycle.failures++;
        break;
    }
  }
  return byTx;
}

/** Seconds from the Buffered block to the Ready block; null when either is missing. */
export function resolutionSeconds(lifecycle: Lifecycle): number | null {
  return lifecycle.buffered && lifecycle.ready ? lifecycle.ready.timestamp - lifecycle.buffered.timestamp : null;
}

/** Block time at which the tx stopped waiting (first Ready or Failed), or Infinity while it waits. */
export function settledAt(lifecycle: Lifecycle): number {
  return Math.min(lifecycle.ready?.timestamp ?? Infinity, lifecycle.failed?.timestamp ?? Infinity);
}

/** Time after which the contract treats the tx as expired: declared timestamp + coordination window. */
export function deadline(lifecycle: Lifecycle, coordinationWindow: number | null): number {
  const declared = lifecycle.buffered?.at ?? lifecycle.buffered?.timestamp;
  return declared === undefined || coordinationWindow === null ? Infinity : declared + coordinationWindow;
}

export type Outcome = 'ready' | 'failed' | 'pending' | 'expired' | 'unbuffered';

/** Where the tx stands at `atSeconds`, from its events alone ('unbuffered': no Buffered event indexed). */
export function outcomeAt(lifecycle: Lifecycle, atSeconds: number, coordinationWindow: number | null): Outcome {
  if (!lifecycle.buffered) {
    return 'unbuffered';
  }
  const readyAt = lifecycle.ready?.timestamp ?? Infinity;
  const failedAt = lifecycle.failed?.timestamp ?? Infinity;
  if (Math.min(readyAt, failedAt) <= atSeconds) {
    return readyAt <= failedAt ? 'ready' : 'failed';
  }
  return atSeconds > deadline(lifecycle, coordinationWindow) ? 'expired' : 'pending';
}
