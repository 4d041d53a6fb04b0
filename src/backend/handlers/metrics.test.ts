/** @jest-environment node */
import type { Frame } from '../grafana';
import { EventKind, TesseractEvent, type EventKindCode } from '../tesseract/events';
import { EventTable } from '../tesseract/eventtable';
import { metricsQuery } from './metrics';
import { handlerContext, tableDeployment } from './testdeployment';

const NAMES = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed'];
const at = (kind: EventKindCode, time: number, tx: string) =>
  new TesseractEvent(
    time,
    0,
    time,
    kind,
    NAMES[kind],
    'h'.repeat(32),
    tx.padEnd(32, '.'),
    null,
    null,
    null,
    null,
    null,
    null
  );

// Buckets of 60 s from 0: a ready after 30 s, b ready after 90 s, c never (expires at 115 with a 55 s window).
const table = EventTable.from([
  at(EventKind.Buffered, 0, 'a'),
  at(EventKind.Buffered, 10, 'b'),
  at(EventKind.Ready, 30, 'a'),
  at(EventKind.Buffered, 60, 'c'),
  at(EventKind.Ready, 100, 'b'),
]);
const fieldsOf = (frame: Frame) => frame.fields.map((field) => [field.name, field.values]);

describe('metrics handler', () => {
  const deployment = tableDeployment('optimism', table, { coordinationWindow: 55 });

  it('answers one timeseries-multi frame per deployment and metric: bucket starts and labelled values', async () => {
    const query = {
      queryType: 'metrics' as const,
      metrics: ['ready', 'pending'],
      mode: 'timeseries',
      bucketSeconds: 60,
    };
    const frames = await metricsQuery(handlerContext(query, [deployment], 0, 119_999));
    expect(frames.map((frame) => [frame.name, frame.meta?.type])).toEqual([
      ['optimism ready', 'timeseries-multi'],
      ['optimism pending', 'timeseries-multi'],
    ]);
    expect(fieldsOf(frames[0])).toEqual([
      ['time', [0, 60_000]],
      ['ready', [1, 1]],
    ]);
    expect(fieldsOf(frames[1])).toEqual([
      ['time', [0, 60_000]],
      ['pending', [1, 0]], // at 59.999 b is pending; at 119.999 b is ready and c expired
    ]);
    expect(frames[1].fields[1].labels).toEqual({ ...deployment.labels, metric: 'pending' });
    expect(frames[1].fields[0].config?.interval).toBe(60_000);
  });

  it('answers one numeric-multi frame with one value over the range in window mode', async () => {
    const query = { queryType: 'metrics' as const, metrics: ['resolution_p50', 'silent_failures'], mode: 'window' };
    const frames = await metricsQuery(handlerContext(query, [deployment], 0, 119_999));
    expect(frames.map((frame) => [frame.name, frame.meta?.type, ...fieldsOf(frame)])).toEqual([
      ['optimism resolution_p50', 'numeric-multi', ['resolution_p50', [30]]],
      ['optimism silent_failures', 'numeric-multi', ['silent_failures', [1]]],
    ]);
  });
});
