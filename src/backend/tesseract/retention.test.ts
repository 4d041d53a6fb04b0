/** @jest-environment node */
import { ConfirmedEvents, type ConfirmedTotals } from './confirmed';
import { EventKind, TesseractEvent, type EventKindCode } from './events';
import { EventTable, Stage, type StageCode } from './eventtable';
import { packWord } from './hex';
import { retentionExcess } from './indexstore';

const word = (n: number) => packWord('0x' + n.toString(16).padStart(64, '0'));
const NAMES = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed'];

/** A seeded history: txs buffered, some failing first, most becoming ready a few blocks later; one block a 12 s step. */
function history(count: number, seed: number): TesseractEvent[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const events: TesseractEvent[] = [];
  const open: number[] = [];
  let nextTx = 1;
  for (let block = 1; events.length < count; block++) {
    const perBlock = 1 + Math.floor(random() * 3);
    for (let index = 0; index < perBlock && events.length < count; index++) {
      let kind: EventKindCode = EventKind.Buffered;
      let tx = nextTx;
      if (open.length > 0 && random() < 0.6) {
        kind = random() < 0.25 ? EventKind.Failed : EventKind.Ready;
        const at = Math.floor(random() * open.length);
        tx = open[at];
        if (kind === EventKind.Ready) {
          open.splice(at, 1);
        }
      } else {
        open.push(nextTx++);
      }
      events.push(
        new TesseractEvent(
          block,
          index,
          1_700_000_000 + block * 12,
          kind,
          NAMES[kind],
          word(10_000_000 + events.length),
          word(tx),
          null,
          null,
          null,
          kind === EventKind.Failed ? 'Dependency failed' : null,
          null,
          random() < 0.5 ? 1_700_000_000 + block * 12 + 30 : null
        )
      );
    }
  }
  return events;
}

/** Everything the questions read of a table, by position and by tx_id. */
function answers(table: EventTable) {
  const positions = Array.from({ length: table.length }, (_, p) => p);
  const stages: StageCode[] = [Stage.Buffered, Stage.BufferedReady, Stage.BufferedFailed, Stage.BufferedFailedReady];
  const probes = positions.filter((p) => p % 7 === 0).concat(table.length);
  return {
    events: positions.map((p) => table.event(p)),
    lifecycles: positions.map((p) => table.lifecycle(table.txRefAt(p))),
    counts: probes.map((p) =>
      [EventKind.Buffered, EventKind.Ready, EventKind.Failed].map((k) => table.countBetween(k, 0, p))
    ),
    resolutions: probes.map((p) => {
      const n = table.resolutionCount(0, p);
      return n === 0 ? [] : [table.resolutionRank(0, p, 0), table.resolutionRank(0, p, n - 1)];
    }),
    stages: probes.map((p) =>
      stages.map((stage) => {
        const reached = table.reachedBefore(stage, p);
        return [reached, table.baseBelow(stage, reached, 1_700_000_000 + 6 * p)];
      })
    ),
  };
}

describe('retention', () => {
  it('drops the oldest events once the excess passes the margin, by count or by days before the newest block', () => {
    const table = EventTable.from(history(1000, 1));
    expect(retentionExcess(table, { events: 900 })).toBe(0); // 100 beyond: under a quarter of 900
    expect(retentionExcess(table, { events: 700 })).toBe(300);
    const newest = table.timeAt(table.length - 1);
    const keepFrom = table.firstAtOrAfter(newest - 86_400 * 0.01);
    expect(retentionExcess(table, { days: 0.01 })).toBe(keepFrom);
    expect(table.timeAt(keepFrom - 1)).toBeLessThan(newest - 864);
    expect(retentionExcess(new EventTable(), { events: 1 })).toBe(0);
  });

  it('leaves a table that answers as one built from the kept events alone', () => {
    const events = history(3000, 2);
    const table = EventTable.from(events);
    const revision = table.revision;
    table.dropFirst(1234);
    expect(table.revision).toBeGreaterThan(revision);
    expect(table.length).toBe(3000 - 1234);
    expect(answers(table)).toEqual(answers(EventTable.from(events.slice(1234))));
    table.push(events[0]);
    expect(table.event(table.length - 1)).toEqual(events[0]);
  });

  it('keeps every field of the kept events: dependencies, addresses, accounts, reasons, names of other kinds', () => {
    const address = (n: number) => '0x' + n.toString(16).padStart(40, '0');
    const kinds: EventKindCode[] = [EventKind.Buffered, EventKind.Pause, EventKind.Other, EventKind.Failed];
    const events = Array.from({ length: 400 }, (_, n) => {
      const kind = kinds[n % kinds.length];
      const tx = kind === EventKind.Pause || kind === EventKind.Other ? null : word(n >> 1);
      return new TesseractEvent(
        1 + (n >> 2),
        n & 3,
        1_700_000_000 + (n >> 2) * 12,
        kind,
        kind === EventKind.Other ? `Role${n % 3}` : (NAMES[kind] ?? 'EmergencyPause'),
        word(20_000_000 + n),
        tx,
        tx && address(n % 5),
        tx && address(100 + (n % 7)),
        kind === EventKind.Buffered && n % 3 === 0 ? word(n >> 2) : null,
        kind === EventKind.Failed ? `reason ${n % 4}` : null,
        tx ? null : address(200 + (n % 2)),
        n % 2 === 0 ? 1_700_000_000 + n : null
      );
    });
    const table = EventTable.from(events);
    table.dropFirst(150);
    expect(Array.from({ length: table.length }, (_, p) => table.event(p))).toEqual(events.slice(150));
    expect(answers(table)).toEqual(answers(EventTable.from(events.slice(150))));
    // tx_ids named only by dropped events are gone: numbered from 1 again, in order of the kept events.
    expect(table.txCount).toBe(EventTable.from(events.slice(150)).txCount);
    expect(table.txRef(word(0))).toBe(0);
  });

  it('keeps the confirmed totals growing across drops and restarts, equal to the totals without retention', () => {
    const events = history(6000, 3);
    const whole = new EventTable();
    const wholeConfirmed = new ConfirmedEvents(whole, [30, 60]);
    const kept = new EventTable();
    let summary: ConfirmedTotals | undefined;
    const keptConfirmed = new ConfirmedEvents(kept, [30, 60]);
    let previous: ConfirmedTotals | undefined;
    let drops = 0;
    for (let at = 0; at < events.length; at += 250) {
      for (const event of events.slice(at, at + 250)) {
        whole.push(event);
        kept.push(event);
      }
      const head = events[Math.min(at + 249, events.length - 1)].blockNumber;
      const confirmedTo = head - 3;
      wholeConfirmed.advance(confirmedTo, head);
      // As the log index does: only confirmed blocks, whole blocks, summarized before they go.
      let count = retentionExcess(kept, { events: 1000 });
      const firstUnconfirmed = Array.from({ length: kept.length }, (_, p) => p).find(
        (p) => kept.blockAt(p) > confirmedTo
      );
      count = Math.min(count, firstUnconfirmed ?? kept.length);
      while (count > 0 && kept.blockAt(count - 1) === kept.blockAt(count)) {
        count--;
      }
      if (count > 0) {
        summary = keptConfirmed.dropping(count, summary);
        kept.dropFirst(count);
        drops++;
      }
      keptConfirmed.advance(confirmedTo, head);
      const totals = keptConfirmed.totals();
      const expected = wholeConfirmed.totals();
      expect({ ...totals, resolution: undefined }).toEqual({ ...expected, resolution: undefined });
      // Only Ready events confirmed after their Buffered was dropped go untimed.
      expect(totals.resolution.count).toBeLessThanOrEqual(expected.resolution.count);
      if (previous) {
        expect(totals.buffered).toBeGreaterThanOrEqual(previous.buffered);
        expect(totals.resolution.count).toBeGreaterThanOrEqual(previous.resolution.count);
      }
      previous = totals;
      expect(kept.length).toBeLessThanOrEqual(1250 + 250);
      if (at % 1000 === 0) {
        // A restart: the kept events replayed, counting from the stored summary, gives the same totals.
        const replayed = EventTable.from(Array.from({ length: kept.length }, (_, p) => kept.event(p)));
        const restarted = new ConfirmedEvents(replayed, [30, 60], () => summary);
        restarted.advance(confirmedTo, head);
        expect(restarted.totals()).toEqual(totals);
      }
    }
    expect(drops).toBeGreaterThan(5);
    expect(previous!.resolution.count).toBeGreaterThan(0.9 * wholeConfirmed.totals().resolution.count);
  });

  it("gives a reader that lags the writer's drops the writer's totals, also for events it never read", () => {
    const events = history(6000, 4);
    const writer = new EventTable();
    const writerConfirmed = new ConfirmedEvents(writer, [30, 60]);
    const reader = new EventTable();
    const readerConfirmed = new ConfirmedEvents(reader, [30, 60], () => summary);
    let summary: ConfirmedTotals | undefined;
    let edgeBlock = 0;
    let missed = 0;
    let previous: ConfirmedTotals | undefined;
    for (let at = 0, round = 0; at < events.length; at += 250, round++) {
      events.slice(at, at + 250).forEach((event) => writer.push(event));
      const head = events[Math.min(at + 249, events.length - 1)].blockNumber;
      const confirmedTo = head - 3;
      writerConfirmed.advance(confirmedTo, head);
      let count = retentionExcess(writer, { events: 500 });
      while (
        count > 0 &&
        (writer.blockAt(count - 1) === writer.blockAt(count) || writer.blockAt(count) > confirmedTo)
      ) {
        count--;
      }
      if (count > 0) {
        summary = writerConfirmed.dropping(count, summary);
        edgeBlock = writer.blockAt(count);
        writer.dropFirst(count);
      }
      if (round % 3 !== 2) {
        continue; // the reader reads every third round: the writer's drops between may take rows it never read
      }
      // What the store still holds past the reader's last block, then the stored edge, as the log index applies them.
      const last = reader.length > 0 ? reader.blockAt(reader.length - 1) : 0;
      const unread = Array.from({ length: writer.length }, (_, p) => writer.event(p)).filter(
        (e) => e.blockNumber > last
      );
      missed += events.filter((e) => e.blockNumber > last && e.blockNumber < (unread[0]?.blockNumber ?? 0)).length;
      unread.forEach((event) => reader.push(event));
      if (summary) {
        const trimmed = Array.from({ length: reader.length }, (_, p) => p).filter((p) => reader.blockAt(p) < edgeBlock);
        reader.dropFirst(trimmed.length);
        readerConfirmed.followDrop(trimmed.length, summary);
      }
      readerConfirmed.advance(confirmedTo, head);
      const totals = readerConfirmed.totals();
      expect(totals).toEqual(writerConfirmed.totals());
      if (previous) {
        expect(totals.buffered).toBeGreaterThanOrEqual(previous.buffered);
        expect(totals.resolution.count).toBeGreaterThanOrEqual(previous.resolution.count);
      }
      previous = totals;
    }
    expect(missed).toBeGreaterThan(0);
  });
});
