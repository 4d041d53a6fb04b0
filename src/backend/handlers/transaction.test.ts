/** @jest-environment node */
import { decodeState } from '../tesseract/contract';
import { EventKind, TesseractEvent } from '../tesseract/events';
import { EventTable } from '../tesseract/eventtable';
import { outcomeOf } from './transaction';

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
