/** @jest-environment node */
import { ConfirmedEvents } from './confirmed';
import { EventKind, TesseractEvent, type EventKindCode } from './events';
import { EventTable } from './eventtable';
import { packWord, unpackWord } from './hex';
import { LineBudget, logNewEvents, type LifecycleFields } from './lifecyclelog';

const word = (n: number) => packWord('0x' + n.toString(16).padStart(64, '0'));
const NAMES = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed'];

/** An event of tx `tx` in `block` at `time`; failures carry a reason. */
function event(block: number, index: number, time: number, kind: EventKindCode, tx: number): TesseractEvent {
  return new TesseractEvent(
    block,
    index,
    time,
    kind,
    NAMES[kind],
    word(900_000 + block * 100 + index),
    word(tx),
    '0x' + '11'.repeat(20),
    '0x' + '22'.repeat(20),
    null,
    kind === EventKind.Failed ? 'Dependency failed' : null,
    null,
    null
  );
}

describe('ConfirmedEvents', () => {
  it('counts each confirmed event once, times first Ready from first Buffered, and keeps totals across a reorg of the tail', () => {
    const table = new EventTable();
    const confirmed = new ConfirmedEvents(table, [10, 60]);
    table.push(event(1, 0, 100, EventKind.Buffered, 1));
    table.push(event(2, 0, 105, EventKind.Ready, 1)); // 5 s
    table.push(event(3, 0, 110, EventKind.Buffered, 2));
    expect(confirmed.ready).toBe(false);
    // First sync: head 5, confirmed to 3 (history, not news).
    const first = confirmed.advance(3, 5);
    expect(first).toEqual({ from: 0, to: 3, firstNew: 3, first: true, historyToBlock: 5 });
    expect(confirmed.totals()).toEqual({
      buffered: 2,
      ready: 1,
      failed: 0,
      resolution: { cumulativeCounts: [1, 1], sum: 5, count: 1 },
    });
    // Block 6 (unconfirmed) is reorged away before it is confirmed: never counted.
    table.push(event(6, 0, 130, EventKind.Failed, 2));
    expect(confirmed.advance(4, 6).to).toBe(3);
    table.truncate(3);
    table.push(event(6, 0, 131, EventKind.Failed, 2));
    table.push(event(7, 0, 200, EventKind.Ready, 2)); // 90 s
    table.push(event(7, 1, 200, EventKind.Ready, 2)); // a second Ready: counted, not timed
    const later = confirmed.advance(7, 9);
    expect(later).toEqual({ from: 3, to: 6, firstNew: 3, first: false, historyToBlock: 5 });
    expect(confirmed.totals()).toEqual({
      buffered: 2,
      ready: 3,
      failed: 1,
      resolution: { cumulativeCounts: [1, 1], sum: 95, count: 2 },
    });
  });

  it('treats events above the first sync head as news even when they were indexed by it', () => {
    const table = new EventTable();
    const confirmed = new ConfirmedEvents(table);
    table.push(event(4, 0, 100, EventKind.Buffered, 1));
    table.push(event(9, 0, 150, EventKind.Buffered, 2));
    expect(confirmed.advance(8, 10)).toMatchObject({ from: 0, to: 1, firstNew: 1 });
    table.push(event(11, 0, 160, EventKind.Buffered, 3));
    // Block 9 was in the first sync (history, at or below its head 10); block 11 is news.
    expect(confirmed.advance(12, 14)).toMatchObject({ from: 1, to: 3, firstNew: 2 });
  });
});

describe('logNewEvents', () => {
  const labels = { chain: 'optimism', chain_id: '10', contract: '0xC0' };
  const collect = () => {
    const lines: Array<{ level: string; message: string; fields: LifecycleFields }> = [];
    return {
      lines,
      sink: {
        info: (message: string, fields: LifecycleFields) => lines.push({ level: 'info', message, fields }),
        warn: (message: string, fields: LifecycleFields) => lines.push({ level: 'warn', message, fields }),
      },
    };
  };

  it("writes one line per new event with the guide's fields", () => {
    const table = new EventTable();
    table.push(event(3, 0, 1_700_000_000, EventKind.Buffered, 7));
    table.push(event(4, 2, 1_700_000_012, EventKind.Failed, 7));
    const { lines, sink } = collect();
    const written = logNewEvents(
      table,
      { from: 0, to: 2, firstNew: 0, first: false, historyToBlock: 2 },
      labels,
      new LineBudget(10, 1),
      sink
    );
    expect(written).toBe(2);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'Transaction buffered'],
      ['info', 'Transaction failed'],
    ]);
    expect(lines[1].fields).toEqual({
      ...labels,
      event: 'TransactionFailed',
      tx_id: unpackWord(word(7)),
      origin: '0x' + '11'.repeat(20),
      target: '0x' + '22'.repeat(20),
      reason: 'Dependency failed',
      block: 4,
      log_index: 2,
      tx_hash: unpackWord(word(900_402)),
      block_time: '2023-11-14T22:13:32.000Z',
    });
    expect(lines[0].fields.reason).toBeUndefined();
  });

  it('bounds a burst of 10k events by the budget, failures first, with one summary of the rest', () => {
    const table = new EventTable();
    for (let i = 0; i < 10_000; i++) {
      const kind = i % 10 === 9 ? EventKind.Failed : i % 2 === 0 ? EventKind.Buffered : EventKind.Ready;
      table.push(event(50 + Math.floor(i / 1000), i % 1000, 1_700_000_000, kind, i));
    }
    let now = 0;
    const budget = new LineBudget(100, 10, () => now);
    const { lines, sink } = collect();
    const newly = { from: 0, to: 10_000, firstNew: 0, first: false, historyToBlock: 49 };
    expect(logNewEvents(table, newly, labels, budget, sink)).toBe(100);
    const info = lines.filter((l) => l.level === 'info');
    expect(info).toHaveLength(100);
    expect(info.every((l) => l.message === 'Transaction failed')).toBe(true);
    expect(info.map((l) => l.fields.block)).toEqual([...info.map((l) => l.fields.block)].sort((a, b) => +a - +b));
    const summaries = lines.filter((l) => l.level === 'warn');
    expect(summaries).toEqual([
      {
        level: 'warn',
        message: 'Tesseract events not logged: log rate limit',
        fields: {
          ...labels,
          suppressed: 9900,
          suppressed_buffered: 5000,
          suppressed_ready: 4000,
          suppressed_failed: 900,
          suppressed_other: 0,
          from_block: 50,
          to_block: 59,
        },
      },
    ]);
    // The budget refills at 10 lines a second: 2 s later, 20 more.
    now = 2000;
    const { lines: next, sink: nextSink } = collect();
    expect(logNewEvents(table, { ...newly, firstNew: 9_970 }, labels, budget, nextSink)).toBe(20);
    expect(next.filter((l) => l.level === 'warn')[0].fields.suppressed).toBe(10);
  });
});
