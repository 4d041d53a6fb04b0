import { eventCodec } from './eventcodec';
import { EventKind, TesseractEvent } from './events';
import { packWord } from './hex';

const word = (n: number) => packWord(`0x${n.toString(16).padStart(64, '0')}`);

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
    const bytes = eventCodec.encode(
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
      )
    );
    expect(() => eventCodec.decode(bytes.subarray(0, bytes.length - 1))).toThrow(/shorter/);
    expect(() => eventCodec.decode(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/unknown fields/);
  });
});
