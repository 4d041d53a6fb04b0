import type { TesseractEvent } from './events';

/**
 * One tx_id's story on one deployment, paired from its events by the event table: Buffered, then Ready,
 * with any failures. A TransactionFailed log never changes the stored state (Simple logs it and returns, leaving the tx
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

/** Seconds from the Buffered block to the Ready block; null when either is missing. */
export function resolutionSeconds(lifecycle: Lifecycle): number | null {
  return lifecycle.buffered && lifecycle.ready ? lifecycle.ready.timestamp - lifecycle.buffered.timestamp : null;
}

/** Time after which the contract treats the tx as expired: declared timestamp + coordination window. */
export function deadline(lifecycle: Lifecycle, coordinationWindow: number | null): number {
  const buffered = lifecycle.buffered;
  return buffered ? expiryTime(buffered.at, buffered.timestamp, coordinationWindow) : Infinity;
}

/** The declared timestamp (else the Buffered block's) plus the window; never, when the window is unknown. */
export function expiryTime(declaredAt: number | null, bufferedAt: number, coordinationWindow: number | null): number {
  return coordinationWindow === null ? Infinity : (declaredAt ?? bufferedAt) + coordinationWindow;
}
