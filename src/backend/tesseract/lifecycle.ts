import { EventKind, type TesseractEvent } from './events';

/**
 * One tx_id's story on one deployment, paired from its events: Buffered, then Ready, with any failures.
 * A TransactionFailed log never changes the stored state (Simple logs it and returns, leaving the tx
 * BUFFERED to be retried; Buffer reverts it away), so a tx stays BUFFERED until its Ready: past
 * `timestamp + coordination_window` it is expired, and on TesseractBuffer that is a failure's only trace.
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

/** Time after which the contract treats the tx as expired: declared timestamp + coordination window. */
export function deadline(lifecycle: Lifecycle, coordinationWindow: number | null): number {
  const declared = lifecycle.buffered?.at ?? lifecycle.buffered?.timestamp;
  return declared === undefined || coordinationWindow === null ? Infinity : declared + coordinationWindow;
}
