import { EventKind, kindOfName, type TesseractEvent } from './events';
import type { EventTable } from './eventtable';
import { unpackWord } from './hex';
import type { Lifecycle } from './lifecycle';

/**
 * The questions the handlers ask of one deployment's events, answered from the table without handing out its
 * columns: only the events returned become objects.
 */

/** Which events a list wants; empty lists and absent strings match everything. Comparisons ignore case. */
export interface EventFilter {
  names: readonly string[];
  /** Packed tx_ids. */
  txIds: readonly string[];
  origin?: string;
  target?: string;
  reasonContains?: string;
}

/**
 * The events in [fromMs, toMs] matching the filter, newest first: each call of the returned cursor gives the
 * next one's position, -1 after the last. Positions are valid while the table's revision stays the same (appends
 * keep them). With names, only the positions of their kinds are visited (a bit per kind, a word at a time); with
 * tx_ids, only the positions between each tx's first and last event. Only as many are visited as the caller
 * takes, and no event object is built: the caller builds those it shows (`table.event`).
 */
export function newestMatching(table: EventTable, filter: EventFilter, fromMs: number, toMs: number): () => number {
  const names = new Set(filter.names);
  const refs = new Set(filter.txIds.map((txId) => table.txRef(txId)));
  const origin = filter.origin?.toLowerCase();
  const target = filter.target?.toLowerCase();
  const reason = filter.reasonContains?.toLowerCase();
  const matches = (i: number) =>
    (names.size === 0 || names.has(table.name(i))) &&
    (refs.size === 0 || refs.has(table.txRefAt(i) || -1)) &&
    (!origin || table.origin(i)?.toLowerCase() === origin) &&
    (!target || table.target(i)?.toLowerCase() === target) &&
    (!reason || (table.reason(i)?.toLowerCase().includes(reason) ?? false));
  // Block times never decrease along the chain: the range is a run of positions.
  let from = table.firstAtOrAfter(fromMs / 1000);
  let before = table.firstAtOrAfter(Math.floor(toMs / 1000) + 1);
  if (refs.size > 0) {
    const spans = [...refs].filter((ref) => ref > 0).map((ref) => table.eventSpanOf(ref));
    if (spans.length === 0) {
      return () => -1;
    }
    from = Math.max(from, Math.min(...spans.map(([first]) => first)));
    before = Math.min(before, Math.max(...spans.map(([, last]) => last)) + 1);
  }
  const previousOfKinds =
    names.size === 0 ? undefined : table.previousOfKinds([...new Set([...names].map(kindOfName))]);
  const previous = (i: number) => (previousOfKinds ? previousOfKinds(from, i) : i > from ? i - 1 : -1);
  let at = before;
  return () => {
    while (at >= 0 && (at = previous(at)) >= 0) {
      const ms = table.timeAt(at) * 1000;
      if (ms >= fromMs && ms <= toMs && matches(at)) {
        return at;
      }
    }
    return -1;
  };
}

/**
 * Each tx_id's events (not those of kind Other) in chain order and its lifecycle, over the whole index: the
 * positions between its first and last event are visited, not the history.
 */
export function eventsOfTxs(
  table: EventTable,
  packedTxIds: readonly string[]
): Map<string, { events: TesseractEvent[]; lifecycle?: Lifecycle }> {
  const out = new Map<string, { events: TesseractEvent[]; lifecycle?: Lifecycle }>();
  for (const txId of packedTxIds) {
    const ref = table.txRef(txId);
    const events: TesseractEvent[] = [];
    const [first, last] = ref === 0 ? [-1, -1] : table.eventSpanOf(ref);
    for (let i = first; i >= 0 && i <= last; i++) {
      if (table.txRefAt(i) === ref && table.kindAt(i) !== EventKind.Other) {
        events.push(table.event(i));
      }
    }
    out.set(txId, { events, lifecycle: table.lifecycle(ref) });
  }
  return out;
}

/** Packed tx_ids of the Ready events with block time in [fromSeconds, endSeconds), the newest `max`, in chain order. */
export function readyTxIds(table: EventTable, fromSeconds: number, endSeconds: number, max: number): string[] {
  const from = table.firstAtOrAfter(fromSeconds);
  const out: string[] = [];
  const previousReady = table.previousOfKinds([EventKind.Ready]);
  for (let i = table.firstAtOrAfter(endSeconds); out.length < max && (i = previousReady(from, i)) >= 0;) {
    const ref = table.txRefAt(i);
    if (ref !== 0) {
      out.push(table.txId(ref));
    }
  }
  return out.reverse();
}

/** What a dashboard variable lists from the events. */
export type RecentValueKind = 'txIds' | 'rollups' | 'failureReasons';

/**
 * Distinct recent values, newest event first, at most `limit`: tx_ids (hex) of Buffered events, rollup
 * addresses (origin, target) of any event, reasons of Failed events. Stops at `limit` values.
 */
export function recentValues(table: EventTable, kind: RecentValueKind, limit: number): string[] {
  const out = new Set<string>();
  const add = (value: string | null) => {
    if (value !== null && out.size < limit) {
      out.add(value);
    }
  };
  const only = kind === 'txIds' ? EventKind.Buffered : kind === 'failureReasons' ? EventKind.Failed : undefined;
  const previousOnly = only === undefined ? undefined : table.previousOfKinds([only]);
  const previous = (i: number) => (previousOnly ? previousOnly(0, i) : i - 1);
  for (let i = previous(table.length); i >= 0 && out.size < limit; i = previous(i)) {
    if (kind === 'txIds') {
      const ref = table.txRefAt(i);
      add(ref === 0 ? null : unpackWord(table.txId(ref)));
    } else if (kind === 'failureReasons') {
      add(table.reason(i));
    } else {
      add(table.origin(i));
      add(table.target(i));
    }
  }
  return [...out];
}
