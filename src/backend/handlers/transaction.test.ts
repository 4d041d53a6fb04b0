/** @jest-environment node */
import { decodeState } from '../tesseract/contract';
import { EventKind, TesseractEvent } from '../tesseract/events';
import { EventTable } from '../tesseract/eventtable';
import { packTxId, unpackWord } from '../tesseract/hex';
import { outcomeOf, transactionQuery } from './transaction';
import { handlerContext, tableDeployment } from './testdeployment';

const tx = 'x'.repeat(32);
const event = (kind: typeof EventKind.Buffered | typeof EventKind.Failed, time: number) =>
  new TesseractEvent(time, 0, time, kind, 'e', 'h'.repeat(32), tx, null, null, null, null, null, time);

describe('transaction outcome', () => {
  const lifecycleOf = (table: EventTable) => table.lifecycle(table.txRef(tx));
  const buffered = lifecycleOf(EventTable.from([event(EventKind.Buffered, 100)]));
  const retried = lifecycleOf(EventTable.from([event(EventKind.Buffered, 100), event(EventKind.Failed, 110)]));
  const state = (raw: bigint) => decodeState('buffer', raw);

  it('follows the stored state when it is final, and the clock while the tx is BUFFERED', () => {
    expect(outcomeOf(state(4n), buffered, 30, 500)).toBe('ready');
    expect(outcomeOf(state(8n), buffered, 30, 500)).toBe('executed');
    expect(outcomeOf(state(32n), buffered, 30, 500)).toBe('expired');
    expect(outcomeOf(state(0n), undefined, 30, 500)).toBe('not buffered');
    expect(outcomeOf(state(2n), buffered, 30, 130)).toBe('pending');
    expect(outcomeOf(state(2n), buffered, 30, 131)).toBe('expired');
    expect(outcomeOf(state(2n), retried, 30, 120)).toBe('awaiting retry');
    expect(outcomeOf(state(2n), retried, 30, 131)).toBe('failed');
    expect(outcomeOf(state(2n), buffered, null, 10_000)).toBe('pending');
  });
});

describe('transaction handler', () => {
  const other = 'y'.repeat(32);
  const unknown = '0x' + '7'.repeat(64);
  const table = EventTable.from([
    event(EventKind.Buffered, 100),
    new TesseractEvent(105, 0, 105, EventKind.Buffered, 'e', 'h'.repeat(32), other, null, null, null, null, null, 105),
    event(EventKind.Failed, 110),
  ]);
  const states = new Map([
    [tx, decodeState('buffer', 2n)],
    [packTxId(unknown), decodeState('buffer', 0n)],
  ]);

  it('answers a row per event of the tx in chain order, with its state and outcome, and a state-only row for a tx without events', async () => {
    const deployment = tableDeployment('optimism', table, { headTime: 120, coordinationWindow: 30, states });
    const query = { queryType: 'transaction' as const, txIds: [unpackWord(tx), unknown] };
    const [frame] = await transactionQuery(handlerContext(query, [deployment]));
    const column = (name: string) => frame.fields.find((field) => field.name === name)?.values;
    expect(frame.name).toBe('transaction');
    expect(column('time')).toEqual([100_000, 110_000, null]);
    expect(column('tx_id')).toEqual([unpackWord(tx), unpackWord(tx), unknown]);
    expect(column('state')).toEqual(['BUFFERED', 'BUFFERED', 'UNKNOWN']);
    expect(column('outcome')).toEqual(['awaiting retry', 'awaiting retry', 'not buffered']);
    expect(column('chain')).toEqual(['optimism', 'optimism', 'optimism']);
  });
});
