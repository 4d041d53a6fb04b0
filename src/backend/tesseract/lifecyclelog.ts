import type { NewlyConfirmed } from './confirmed';
import { EventKind, type EventKindCode } from './events';
import type { EventTable } from './eventtable';
import { unpackWord } from './hex';

export type LifecycleFields = Record<string, string | number>;

/** Where lifecycle lines go (the data source wiring hands them to the plugin's logger). */
export interface LifecycleSink {
  info(message: string, fields: LifecycleFields): void;
  warn(message: string, fields: LifecycleFields): void;
}

/** The guide's logger messages ("Transaction buffered"), one per event kind. */
const MESSAGES: Partial<Record<EventKindCode, string>> = {
  [EventKind.Buffered]: 'Transaction buffered',
  [EventKind.Ready]: 'Transaction ready',
  [EventKind.Failed]: 'Transaction failed',
  [EventKind.Executed]: 'Transaction executed',
  [EventKind.Pause]: 'Emergency pause',
  [EventKind.Unpause]: 'Emergency unpause',
};

const SUPPRESSED_FIELD: Record<EventKindCode, string> = {
  [EventKind.Buffered]: 'suppressed_buffered',
  [EventKind.Ready]: 'suppressed_ready',
  [EventKind.Failed]: 'suppressed_failed',
  [EventKind.Executed]: 'suppressed_other',
  [EventKind.Pause]: 'suppressed_other',
  [EventKind.Unpause]: 'suppressed_other',
  [EventKind.Other]: 'suppressed_other',
};

/**
 * A token bucket of log lines shared by every deployment of the process: `capacity` lines at once, refilled
 * at `perSecond`. What it refuses is summarised, never queued.
 */
export class LineBudget {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number = Date.now
  ) {
    this.tokens = capacity;
    this.refilledAt = now();
  }

  /** Takes up to `wanted` lines; returns how many may be written. */
  take(wanted: number): number {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    const granted = Math.min(wanted, Math.floor(this.tokens));
    this.tokens -= granted;
    return granted;
  }
}

/** The fields of the event at `position`, named as the guide's JSON logger names them where it has them. */
export function lifecycleFields(table: EventTable, position: number, labels: LifecycleFields): LifecycleFields {
  const event = table.event(position);
  const fields: LifecycleFields = { ...labels, event: event.name };
  if (event.txId !== null) {
    fields.tx_id = unpackWord(event.txId);
  }
  // Ready and Failed name only the tx_id: the rollups come from its Buffered, so every line can be searched by them.
  const ref = table.txRefAt(position);
  const buffered = ref === 0 ? -1 : table.bufferedAt(ref);
  const origin = event.origin ?? (buffered >= 0 ? table.origin(buffered) : null);
  const target = event.target ?? (buffered >= 0 ? table.target(buffered) : null);
  if (origin !== null) {
    fields.origin = origin;
  }
  if (target !== null) {
    fields.target = target;
  }
  if (event.dependency !== null) {
    fields.dependency = unpackWord(event.dependency);
  }
  if (event.reason !== null) {
    fields.reason = event.reason;
  }
  if (event.account !== null) {
    fields.account = event.account;
  }
  fields.block = event.blockNumber;
  fields.log_index = event.logIndex;
  fields.tx_hash = unpackWord(event.txHash);
  // Not "timestamp": Grafana drops a plugin log field of that name.
  fields.block_time = new Date(event.timestamp * 1000).toISOString();
  return fields;
}

/**
 * Logs the newly confirmed events that are news (not history), one info line each, within the budget;
 * failures are written first when the budget is short, and one warn line says what was left out.
 * Returns the number of lines written for events.
 */
export function logNewEvents(
  table: EventTable,
  confirmed: NewlyConfirmed,
  labels: LifecycleFields,
  budget: LineBudget,
  sink: LifecycleSink
): number {
  const { firstNew, to } = confirmed;
  const wanted = to - firstNew;
  if (wanted <= 0) {
    return 0;
  }
  const granted = budget.take(wanted);
  let chosen: number[];
  if (granted === wanted) {
    chosen = Array.from({ length: wanted }, (_, i) => firstNew + i);
  } else {
    const failures: number[] = [];
    const others: number[] = [];
    for (let position = firstNew; position < to; position++) {
      (table.kindAt(position) === EventKind.Failed ? failures : others).push(position);
    }
    chosen = [...failures.slice(0, granted), ...others.slice(0, Math.max(0, granted - failures.length))].sort(
      (a, b) => a - b
    );
  }
  for (const position of chosen) {
    const kind = table.kindAt(position);
    sink.info(MESSAGES[kind] ?? `Tesseract event ${table.name(position)}`, lifecycleFields(table, position, labels));
  }
  if (chosen.length < wanted) {
    const summary: LifecycleFields = {
      ...labels,
      suppressed: wanted - chosen.length,
      suppressed_buffered: 0,
      suppressed_ready: 0,
      suppressed_failed: 0,
      suppressed_other: 0,
      from_block: table.blockAt(firstNew),
      to_block: table.blockAt(to - 1),
    };
    const logged = new Set(chosen);
    for (let position = firstNew; position < to; position++) {
      if (!logged.has(position)) {
        const key = SUPPRESSED_FIELD[table.kindAt(position)];
        summary[key] = (summary[key] as number) + 1;
      }
    }
    sink.warn('Tesseract events not logged: log rate limit', summary);
  }
  return chosen.length;
}
