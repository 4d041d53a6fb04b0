/** @jest-environment node */
import { EventKind, TesseractEvent, type EventKindCode } from './events';
import { EventTable, WordSet } from './eventtable';
import { packWord } from './hex';

/** A packed word whose bytes differ only at the end, as sequential user-chosen tx_ids do. */
const word = (n: number) => packWord('0x' + n.toString(16).padStart(64, '0'));

function event(position: number, kind: EventKindCode, tx: number | null, extra: Partial<TesseractEvent> = {}) {
  return new TesseractEvent(
    100 + Math.floor(position / 2),
    position % 2,
    1_700_000_000 + position,
    kind,
    ['TransactionBuffered', 'TransactionReady', 'TransactionFailed', 'EmergencyPause'][kind] ?? 'Other',
    word(1_000_000 + position),
    tx === null ? null : word(tx),
    extra.origin ?? null,
    extra.target ?? null,
    extra.dependency ?? null,
    extra.reason ?? null,
    extra.account ?? null,
    extra.at ?? null
  );
}

describe('WordSet', () => {
  it('numbers 100k words sharing a 30-byte prefix from 1, finds each again and reads it back', () => {
    const words = new WordSet();
    const numbers = Array.from({ length: 100_000 }, (_, n) => words.intern(word(n)));
    expect(numbers.every((ref, n) => ref === n + 1)).toBe(true);
    expect(words.size).toBe(100_000);
    for (const n of [0, 1, 65_535, 99_999]) {
      expect(words.find(word(n))).toBe(n + 1);
      expect(words.word(n + 1)).toBe(word(n));
      expect(words.intern(word(n))).toBe(n + 1);
    }
    expect(words.find(word(100_000))).toBe(0);
  });
});

describe('EventTable', () => {
  const rich = event(0, EventKind.Buffered, 7, {
    origin: '0x00000000000000000000000000000000000A11cE',
    target: '0x0000000000000000000000000000000000000B0b',
    dependency: word(6),
    at: 1_700_000_099,
  });

  it('gives back declared times of any size (none, 0, the 32-bit edge, past it, beyond 2^53), also after a truncation', () => {
    const times = [null, 0, 1_700_000_099, 2 ** 32 - 3, 2 ** 32 - 2, 2 ** 32, 2 ** 60, null];
    const events = times.map((at, position) => event(position, EventKind.Buffered, position, { at }));
    const table = EventTable.from(events);
    expect(times.map((_, position) => table.event(position).at)).toEqual(times);
    table.truncate(5);
    table.push(event(5, EventKind.Buffered, 5, { at: 12 }));
    expect([4, 5].map((position) => table.event(position).at)).toEqual([2 ** 32 - 2, 12]);
  });

  it('gives back every field of an event as pushed', () => {
    const failed = event(1, EventKind.Failed, 7, { reason: 'Transaction expired' });
    const pause = event(2, EventKind.Pause, null, { account: '0x00000000000000000000000000000000000A11cE' });
    const table = EventTable.from([rich, failed, pause]);
    expect([table.event(0), table.event(1), table.event(2)]).toEqual([rich, failed, pause]);
    expect([table.length, table.blockAt(2), table.origin(0), table.reason(1)]).toEqual([
      3,
      101,
      rich.origin,
      'Transaction expired',
    ]);
    expect([table.countOf(EventKind.Buffered), table.countOf(EventKind.Pause), table.countOf(EventKind.Ready)]).toEqual(
      [1, 1, 0]
    );
  });

  it('keeps each tx lifecycle as events arrive: first Buffered, first Ready, first failure and the failure count', () => {
    const table = EventTable.from([
      rich,
      event(1, EventKind.Failed, 7, { reason: 'first' }),
      event(2, EventKind.Failed, 7, { reason: 'second' }),
      event(3, EventKind.Ready, 7),
      event(4, EventKind.Ready, 7),
    ]);
    const lifecycle = table.lifecycle(table.txRef(word(7)))!;
    expect([lifecycle.buffered?.timestamp, lifecycle.ready?.timestamp, lifecycle.failed?.reason]).toEqual([
      1_700_000_000,
      1_700_000_003,
      'first',
    ]);
    expect([lifecycle.txId, lifecycle.failures]).toEqual([word(7), 2]);
    // A dependency is numbered but has no lifecycle of its own; an unknown tx_id has no number.
    expect(table.lifecycle(table.txRef(word(6)))).toBeUndefined();
    expect(table.txRef(word(8))).toBe(0);
  });

  it('replays lifecycles and counts when a reorg truncates it, and grows past its first capacity', () => {
    const events = Array.from({ length: 5000 }, (_, i) =>
      event(i, i % 2 === 0 ? EventKind.Buffered : EventKind.Ready, Math.floor(i / 2))
    );
    const table = EventTable.from(events);
    expect(table.event(4999)).toEqual(events[4999]);
    table.truncate(4001); // drops the Ready of tx 2000 and both events of 2001..2499
    expect([table.length, table.countOf(EventKind.Ready), table.countOf(EventKind.Buffered)]).toEqual([
      4001, 2000, 2001,
    ]);
    expect(table.lifecycle(table.txRef(word(2000)))?.ready).toBeNull();
    expect(table.lifecycle(table.txRef(word(1999)))?.ready?.timestamp).toBe(1_700_000_000 + 3999);
    table.push(event(4001, EventKind.Ready, 2000));
    expect(table.lifecycle(table.txRef(word(2000)))?.ready?.timestamp).toBe(1_700_000_000 + 4001);
  });

  it('finds the first event at or after a time', () => {
    const table = EventTable.from([0, 1, 2].map((i) => event(i, EventKind.Buffered, i)));
    expect([0, 1_700_000_001, 1_700_000_001.5, 1_800_000_000].map((t) => table.firstAtOrAfter(t))).toEqual([
      0, 1, 2, 3,
    ]);
  });
});
