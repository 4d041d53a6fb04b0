/** @jest-environment node */
import type { Frame } from '../grafana';
import { EventKind, TesseractEvent, type EventKindCode } from '../tesseract/events';
import { EventTable } from '../tesseract/eventtable';
import { packWord, shortHex } from '../tesseract/hex';
import { eventsQuery } from './events';
import { handlerContext, tableDeployment } from './testdeployment';

const hex = (n: number) => '0x' + n.toString(16).padStart(64, '0');
const NAMES = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed', 'EmergencyPause'];
const at = (kind: EventKindCode, time: number, tx: number | null, reason: string | null = null) =>
  new TesseractEvent(
    time,
    0,
    time,
    kind,
    NAMES[kind],
    packWord(hex(1000 + time)),
    tx === null ? null : packWord(hex(tx)),
    null,
    null,
    null,
    reason,
    null,
    null
  );

const table = EventTable.from([
  at(EventKind.Buffered, 100, 1),
  at(EventKind.Failed, 110, 1, 'Dependencies not satisfied'),
  at(EventKind.Pause, 115, null),
  at(EventKind.Failed, 120, 1, 'Dependencies not satisfied'),
  at(EventKind.Failed, 130, 2, 'Transaction expired'),
  at(EventKind.Ready, 140, 1),
]);
const fieldsOf = (frame: Frame) =>
  Object.fromEntries(frame.fields.map((field) => [field.name, field.values as unknown[]]));

describe('events handler', () => {
  it('answers a table of the newest matching events in the range, newest first, at most limit', async () => {
    const deployment = tableDeployment('optimism', table);
    const query = { queryType: 'events' as const, eventNames: ['TransactionFailed'], limit: 2, format: 'table' };
    const [frame] = await eventsQuery(handlerContext(query, [deployment], 0, 125_000));
    expect(frame.name).toBe('events');
    const fields = fieldsOf(frame);
    expect(frame.fields.map((field) => field.name)).toEqual([
      'time',
      'chain',
      'chain_id',
      'contract',
      'block',
      'log_index',
      'tx_hash',
      'event',
      'tx_id',
      'origin',
      'target',
      'dependency',
      'reason',
      'account',
      'text',
    ]);
    expect(fields.time).toEqual([120_000, 110_000]); // 130 is past the range end
    expect(fields.tx_id).toEqual([hex(1), hex(1)]);
    expect(fields.chain).toEqual(['optimism', 'optimism']);
    expect(fields.text).toEqual([
      `tx_id ${shortHex(hex(1))}, reason: Dependencies not satisfied`,
      `tx_id ${shortHex(hex(1))}, reason: Dependencies not satisfied`,
    ]);
  });

  it('answers one numeric-wide frame: a field per distinct event, tx_id and reason, and a zero per deployment', async () => {
    const deployment = tableDeployment('optimism', table);
    const query = { queryType: 'events' as const, eventNames: ['TransactionFailed'], format: 'value' };
    const frames = await eventsQuery(handlerContext(query, [deployment]));
    expect(frames.map((frame) => [frame.name, frame.meta?.type, frame.meta?.typeVersion])).toEqual([
      ['events', 'numeric-wide', [0, 1]],
    ]);
    expect(
      frames[0].fields.map((field) => [field.name, field.values, field.labels, field.config?.displayNameFromDS])
    ).toEqual([
      ['event', [0], deployment.labels, 'optimism events'],
      [
        'event',
        [1],
        { ...deployment.labels, event: 'TransactionFailed', tx_id: hex(2), reason: 'Transaction expired' },
        'optimism TransactionFailed',
      ],
      [
        'event',
        [1],
        { ...deployment.labels, event: 'TransactionFailed', tx_id: hex(1), reason: 'Dependencies not satisfied' },
        'optimism TransactionFailed',
      ],
    ]);
  });

  it('answers no frame in value format when there is no deployment (Grafana: no data)', async () => {
    const query = { queryType: 'events' as const, format: 'value' };
    expect(await eventsQuery(handlerContext(query, []))).toEqual([]);
  });

  it('filters by tx_id over the whole index and merges deployments newest first', async () => {
    const other = EventTable.from([at(EventKind.Buffered, 125, 1)]);
    const deployments = [tableDeployment('optimism', table), tableDeployment('arbitrum', other)];
    const query = { queryType: 'events' as const, txIds: [hex(1)], format: 'table' };
    const [frame] = await eventsQuery(handlerContext(query, deployments));
    const fields = fieldsOf(frame);
    expect(fields.time).toEqual([140_000, 125_000, 120_000, 110_000, 100_000]);
    expect(fields.chain).toEqual(['optimism', 'arbitrum', 'optimism', 'optimism', 'optimism']);
    expect(fields.event).toEqual([
      'TransactionReady',
      'TransactionBuffered',
      'TransactionFailed',
      'TransactionFailed',
      'TransactionBuffered',
    ]);
  });
});
