/** @jest-environment node */
import { EventKind, TesseractEvent, type EventKindCode } from '../tesseract/events';
import { EventTable } from '../tesseract/eventtable';
import { packWord, shortHex } from '../tesseract/hex';
import { variablesQuery } from './variables';
import { handlerContext, tableDeployment } from './testdeployment';

const hex = (n: number) => '0x' + n.toString(16).padStart(64, '0');
const ALICE = '0x00000000000000000000000000000000000000A1';
const BOB = '0x00000000000000000000000000000000000000B2';
const NAMES = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed'];
const at = (kind: EventKindCode, time: number, tx: number, reason: string | null = null) =>
  new TesseractEvent(
    time,
    0,
    time,
    kind,
    NAMES[kind],
    'h'.repeat(32),
    packWord(hex(tx)),
    kind === EventKind.Buffered ? ALICE : null,
    kind === EventKind.Buffered ? BOB : null,
    null,
    reason,
    null,
    null
  );

const table = EventTable.from([
  at(EventKind.Buffered, 1, 1),
  at(EventKind.Failed, 2, 1, 'Transaction expired'),
  at(EventKind.Buffered, 3, 2),
  at(EventKind.Failed, 4, 2, 'Dependencies not satisfied'),
  at(EventKind.Buffered, 5, 3),
  at(EventKind.Failed, 6, 3, 'Dependencies not satisfied'),
]);
const rows = async (variable: string, limit = 100) => {
  const [frame] = await variablesQuery(
    handlerContext({ queryType: 'variables', variable, limit }, [tableDeployment('optimism', table)])
  );
  expect(frame.fields.map((field) => field.name)).toEqual(['text', 'value']);
  return frame.fields[1].values.map((value, i) => [frame.fields[0].values[i], value]);
};

describe('variables handler', () => {
  it('lists recent tx_ids newest first, shortened in the text', async () => {
    expect(await rows('txIds', 2)).toEqual([
      [shortHex(hex(3)), hex(3)],
      [shortHex(hex(2)), hex(2)],
    ]);
  });

  it('lists failure reasons and rollups once each, newest first', async () => {
    expect(await rows('failureReasons')).toEqual([
      ['Dependencies not satisfied', 'Dependencies not satisfied'],
      ['Transaction expired', 'Transaction expired'],
    ]);
    expect(await rows('rollups')).toEqual([
      [ALICE, ALICE],
      [BOB, BOB],
    ]);
  });
});
