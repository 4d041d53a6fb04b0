import { eventCodec } from './eventcodec';
import { EventKind, TesseractEvent, type EventKindCode } from './events';
import { EventTable } from './eventtable';
import { packWord } from './hex';

const word = (n: number) => packWord(`0x${n.toString(16).padStart(64, '0')}`);

/** A Ready event with only the fields every event has. */
const readyEvent = () =>
  new TesseractEvent(
    7,
    0,
    1,
    EventKind.Ready,
    'TransactionReady',
    word(1),
    word(2),
    null,
    null,
    null,
    null,
    null,
    null
  );

describe('eventCodec', () => {
  it('gives back every field, present or absent', () => {
    const events = [
      new TesseractEvent(
        7,
        0,
        1_700_000_000,
        EventKind.Buffered,
        'TransactionBuffered',
        word(1),
        word(2),
        '0x00000000000000000000000000000000000000a1',
        '0x00000000000000000000000000000000000000b2',
        word(3),
        null,
        null,
        1_700_000_060
      ),
      new TesseractEvent(
        4_000_000_000,
        65_535,
        4_294_967_295,
        EventKind.Failed,
        'TransactionFailed',
        word(0xff),
        word(2),
        null,
        null,
        null,
        'dépendance pas prête ✗',
        null,
        1.5
      ),
      new TesseractEvent(
        9,
        3,
        1,
        EventKind.Pause,
        'EmergencyPause',
        word(9),
        null,
        null,
        null,
        null,
        'r'.repeat(40_000),
        '0x00000000000000000000000000000000000000c3',
        null
      ),
    ];
    for (const event of events) {
      expect(eventCodec.decode(eventCodec.encode(event))).toEqual(event);
    }
  });

  it('refuses bytes that are not one whole event', () => {
    const bytes = eventCodec.encode(readyEvent());
    expect(() => eventCodec.decode(bytes.subarray(0, bytes.length - 1))).toThrow(/shorter/);
    expect(() => eventCodec.decode(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/unknown fields/);
  });

  it('builds, in place from the stored bytes, the same table as pushing the decoded events', () => {
    // Mixed kinds, shared and new tx_ids, dependencies, every string field, some absent, non-ASCII reasons.
    const kinds: EventKindCode[] = [EventKind.Buffered, EventKind.Ready, EventKind.Failed, EventKind.Pause];
    const events = Array.from({ length: 3000 }, (_, i) => {
      const kind = kinds[i % 4];
      return new TesseractEvent(
        100 + Math.floor(i / 3),
        i % 3,
        1_700_000_000 + i,
        kind,
        ['TransactionBuffered', 'TransactionReady', 'TransactionFailed', 'EmergencyPause'][kind],
        word(1_000_000 + i),
        kind === EventKind.Pause ? null : word(Math.floor(i / 4)),
        i % 5 === 0 ? null : `0x${(i % 7).toString(16).padStart(40, '0')}`,
        i % 2 === 0 ? `0x${(i % 3).toString(16).padStart(40, 'b')}` : null,
        i % 6 === 0 ? word(Math.floor(i / 4) + 1) : null,
        kind === EventKind.Failed ? ['Transaction expired', 'dépendance ✗', ''][i % 3] : null,
        kind === EventKind.Pause ? '0x00000000000000000000000000000000000000c3' : null,
        i % 4 === 3 ? null : 1_700_000_000 + i * 1.5
      );
    });
    const pushed = EventTable.from(events);
    // Records packed one after another in one buffer, as a loaded journal entry holds them.
    const encoded = events.map((event) => Buffer.from(eventCodec.encode(event)));
    const bytes = Buffer.concat([Buffer.from([1, 2, 3]), ...encoded]);
    const inPlace = new EventTable();
    let at = 3;
    for (const record of encoded) {
      eventCodec.decodeInto!(inPlace, bytes, at, at + record.length);
      at += record.length;
    }
    expect(inPlace.length).toBe(events.length);
    expect(inPlace.txCount).toBe(pushed.txCount);
    for (let position = 0; position < events.length; position++) {
      expect(inPlace.event(position)).toEqual(events[position]);
    }
    for (let ref = 1; ref <= pushed.txCount; ref++) {
      expect(inPlace.txId(ref)).toBe(pushed.txId(ref));
      expect(inPlace.lifecycle(ref)).toEqual(pushed.lifecycle(ref));
      // Numbered the same both ways, so a word interned from bytes is found by its packed string.
      expect(inPlace.txRef(pushed.txId(ref))).toBe(ref);
    }
    for (const kind of kinds) {
      expect(inPlace.countOf(kind)).toBe(pushed.countOf(kind));
    }
    expect(inPlace.resolutionCount(0, events.length)).toBe(pushed.resolutionCount(0, events.length));
  });

  it('leaves the table as it was when the bytes in place are not one whole event', () => {
    const table = new EventTable();
    const bytes = Buffer.from(eventCodec.encode(readyEvent()));
    expect(() => eventCodec.decodeInto!(table, bytes, 0, bytes.length - 1)).toThrow(/shorter/);
    const flipped = Buffer.from(bytes);
    flipped[12] = 9; // an unknown kind
    expect(() => eventCodec.decodeInto!(table, flipped, 0, flipped.length)).toThrow(/unknown fields/);
    expect([table.length, table.txCount]).toEqual([0, 0]);
  });
});
