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

  it('answers one numeric-long frame: a row per distinct event, tx_id and reason, and a zero per deployment', async () => {
    const deployment = tableDeployment('optimism', table);
    const query = { queryType: 'events' as const, eventNames: ['TransactionFailed'], format: 'value' };
    const frames = await eventsQuery(handlerContext(query, [deployment]));
    expect(frames.map((frame) => [frame.name, frame.meta?.type, frame.meta?.typeVersion])).toEqual([
      ['events', 'numeric-long', [0, 1]],
    ]);
    const [frame] = frames;
    // The long reader takes every string column as a label: none may be null.
    expect(frame.fields.map((field) => [field.name, field.type, field.nullable ?? false])).toEqual([
      ['chain', 'string', false],
      ['chain_id', 'string', false],
      ['contract', 'string', false],
      ['event', 'string', false],
      ['tx_id', 'string', false],
      ['reason', 'string', false],
      ['value', 'number', false],
    ]);
    const fields = fieldsOf(frame);
    expect(fields.chain).toEqual(['optimism', 'optimism', 'optimism']);
    expect(fields.event).toEqual(['', 'TransactionFailed', 'TransactionFailed']);
    expect(fields.tx_id).toEqual(['', hex(2), hex(1)]);
    expect(fields.reason).toEqual(['', 'Transaction expired', 'Dependencies not satisfied']);
    expect(fields.value).toEqual([0, 1, 1]);
  });

  it('cuts at limit after merging deployments, so each value row is among the newest events of all', async () => {
    const other = EventTable.from([at(EventKind.Failed, 125, 3, 'Transaction expired')]);
    const deployments = [tableDeployment('optimism', table), tableDeployment('arbitrum', other)];
    const query = { queryType: 'events' as const, eventNames: ['TransactionFailed'], limit: 2, format: 'value' };
    const [frame] = await eventsQuery(handlerContext(query, deployments));
    const fields = fieldsOf(frame);
    expect(fields.chain).toEqual(['optimism', 'arbitrum', 'optimism', 'arbitrum']);
    expect(fields.tx_id).toEqual(['', '', hex(2), hex(3)]);
    expect(fields.value).toEqual([0, 0, 1, 1]);
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
  it('orders a tie in block time by block and log index, then by deployment order', async () => {
    const event = (time: number, block: number, logIndex: number) =>
      Object.assign(at(EventKind.Pause, time, null), { blockNumber: block, logIndex });
    const first = EventTable.from([event(200, 5, 0), event(200, 5, 2)]);
    const second = EventTable.from([event(200, 5, 1), event(200, 5, 2), event(200, 6, 0)]);
    const deployments = [tableDeployment('optimism', first), tableDeployment('arbitrum', second)];
    const query = { queryType: 'events' as const, eventNames: ['EmergencyPause'], limit: 4, format: 'table' };
    const [frame] = await eventsQuery(handlerContext(query, deployments));
    const fields = fieldsOf(frame);
    expect(fields.block).toEqual([6, 5, 5, 5]);
    expect(fields.log_index).toEqual([0, 2, 2, 1]);
    expect(fields.chain).toEqual(['arbitrum', 'optimism', 'arbitrum', 'arbitrum']);
  });

  it('reads a table again when it was cut while another deployment answered', async () => {
    const cut = EventTable.from([
      at(EventKind.Failed, 110, 1, 'Dependencies not satisfied'),
      at(EventKind.Failed, 120, 2, 'Transaction expired'),
      at(EventKind.Failed, 130, 3, 'Transaction expired'),
    ]);
    let release: () => void = () => undefined;
    const slow = tableDeployment('arbitrum', EventTable.from([]));
    const late = new Promise<void>((resolve) => (release = resolve));
    (slow as unknown as { events: () => Promise<EventTable> }).events = async () => {
      await late;
      return EventTable.from([]);
    };
    const query = { queryType: 'events' as const, eventNames: ['TransactionFailed'], format: 'table' };
    const answer = eventsQuery(handlerContext(query, [tableDeployment('optimism', cut), slow]));
    await new Promise((resolve) => setImmediate(resolve));
    cut.truncate(1); // a reorg drops the two newest while arbitrum is still answering
    cut.push(at(EventKind.Failed, 125, 4, 'Transaction expired'));
    release();
    const fields = fieldsOf((await answer)[0]);
    expect(fields.time).toEqual([125_000, 110_000]);
    expect(fields.tx_id).toEqual([hex(4), hex(1)]);
  });
});
