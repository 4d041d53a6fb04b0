import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileJournal } from './filejournal';
import { compactEntries, StoredRecords, type JournalEntry } from './journal';

const tuner = { cap: 100, capStated: false, current: 100, floor: 1 };

function entry(fromBlock: number, count: number, rollbackFrom?: number): JournalEntry {
  const records = Array.from({ length: count }, (_, i) => ({
    block: fromBlock + i,
    bytes: Buffer.from(`record of block ${fromBlock + i}`),
  }));
  return {
    ...(rollbackFrom === undefined ? {} : { rollbackFrom }),
    records: StoredRecords.of(records),
    checkpoint: { indexedTo: fromBlock + count, confirmedTo: fromBlock, tailHashes: [[fromBlock, '0xab']], tuner },
  };
}

/** The entries loaded, each with its records' bytes as text (read during the call, as load requires). */
async function loadAll(journal: FileJournal) {
  const entries: Array<JournalEntry & { texts: string[] }> = [];
  const load = await journal.load((e) => {
    const texts = Array.from({ length: e.records.length }, (_, i) => Buffer.from(e.records.record(i).bytes).toString());
    entries.push({ ...e, texts });
  });
  return { entries, load };
}

const blocks = (entries: JournalEntry[]) =>
  entries.flatMap((e) => Array.from({ length: e.records.length }, (_, i) => e.records.block(i)));

describe('FileJournal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives back what was appended, in order, after a reopen', async () => {
    const file = path.join(dir, 'a.idx');
    const writer = new FileJournal(file, 'key');
    expect((await loadAll(writer)).entries).toEqual([]);
    await writer.append(entry(10, 3));
    await writer.append(entry(13, 2));
    await writer.close();
    const { entries, load } = await loadAll(new FileJournal(file, 'key'));
    expect(load).toEqual({ entries: 2, rollbacks: 0, warning: undefined });
    expect(blocks(entries)).toEqual([10, 11, 12, 13, 14]);
    expect(entries[1].checkpoint).toEqual(entry(13, 2).checkpoint);
    expect(entries[0].texts[2]).toBe('record of block 12');
  });

  it('starts empty, and says why, when the file was written for another key', async () => {
    const file = path.join(dir, 'a.idx');
    const writer = new FileJournal(file, 'contract A');
    await writer.load(() => undefined);
    await writer.append(entry(10, 3));
    await writer.close();
    const { entries, load } = await loadAll(new FileJournal(file, 'contract B'));
    expect(entries).toEqual([]);
    expect(load.warning).toMatch(/other deployment settings/);
  });

  it('drops a torn tail (a write cut short by kill -9) and keeps the whole entries before it', async () => {
    const file = path.join(dir, 'a.idx');
    const writer = new FileJournal(file, 'key');
    await writer.load(() => undefined);
    await writer.append(entry(10, 3));
    const sizeAfterFirst = statSync(file).size;
    await writer.append(entry(13, 5));
    await writer.close();
    truncateSync(file, statSync(file).size - 7);
    const reader = new FileJournal(file, 'key');
    const { entries, load } = await loadAll(reader);
    expect(blocks(entries)).toEqual([10, 11, 12]);
    expect(load.warning).toMatch(/torn or damaged entry/);
    // The damaged bytes are cut off, so the next entry follows the last good one.
    expect(statSync(file).size).toBe(sizeAfterFirst);
    await reader.append(entry(13, 1));
    await reader.close();
    expect(blocks((await loadAll(new FileJournal(file, 'key'))).entries)).toEqual([10, 11, 12, 13]);
  });

  it('detects a flipped bit by its checksum', async () => {
    const file = path.join(dir, 'a.idx');
    const writer = new FileJournal(file, 'key');
    await writer.load(() => undefined);
    await writer.append(entry(10, 3));
    await writer.append(entry(13, 5));
    await writer.close();
    const bytes = readFileSync(file);
    bytes[bytes.length - 20] ^= 0x04;
    writeFileSync(file, bytes);
    const { entries, load } = await loadAll(new FileJournal(file, 'key'));
    expect(blocks(entries)).toEqual([10, 11, 12]);
    expect(load.warning).toMatch(/checksum does not match/);
  });

  it('discards a file that is not an index file', async () => {
    const file = path.join(dir, 'a.idx');
    writeFileSync(file, 'something else entirely');
    const { entries, load } = await loadAll(new FileJournal(file, 'key'));
    expect(entries).toEqual([]);
    expect(load.warning).toMatch(/not an index file/);
  });

  it('compacts rollbacks away, keeping the live records and the last checkpoint', async () => {
    const file = path.join(dir, 'a.idx');
    const writer = new FileJournal(file, 'key');
    await writer.load(() => undefined);
    await writer.append(entry(10, 5));
    await writer.append(entry(13, 4, 13));
    await writer.compact();
    await writer.close();
    const { entries, load } = await loadAll(new FileJournal(file, 'key'));
    expect(load.rollbacks).toBe(0);
    expect(blocks(entries)).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(entries[entries.length - 1].checkpoint.indexedTo).toBe(17);
  });

  it('compacts to the records kept by retention, under the given checkpoint', async () => {
    const file = path.join(dir, 'a.idx');
    const writer = new FileJournal(file, 'key');
    await writer.load(() => undefined);
    // Blocks 10..39, two records each, in three entries.
    for (const from of [10, 20, 30]) {
      const two = entry(from, 10);
      const records = Array.from({ length: 20 }, (_, i) => ({ block: from + (i >> 1), bytes: Buffer.from(`r${i}`) }));
      await writer.append({ ...two, records: StoredRecords.of(records) });
    }
    const checkpoint = {
      indexedTo: 40,
      confirmedTo: 38,
      tailHashes: [[38, '0xcd']] as Array<[number, string]>,
      tuner,
      dropped: { records: 24, fromBlock: 22, summary: { buffered: 7 } },
    };
    await writer.compact({ fromBlock: 22, checkpoint });
    await writer.close();
    const { entries } = await loadAll(new FileJournal(file, 'key'));
    expect(blocks(entries)).toEqual(Array.from({ length: 36 }, (_, i) => 22 + (i >> 1)));
    expect(entries[entries.length - 1].checkpoint).toEqual(checkpoint);
  });

  it('splits a compaction only between blocks', () => {
    const records = Array.from({ length: 12 }, (_, i) => ({ block: 5 + Math.floor(i / 3), bytes: Buffer.from('x') }));
    const last = entry(5, 1).checkpoint;
    const compacted = compactEntries([{ records: StoredRecords.of(records), checkpoint: last }], 4);
    expect(compacted.map((e) => blocks([e]))).toEqual([
      [5, 5, 5, 6, 6, 6],
      [7, 7, 7, 8, 8, 8],
    ]);
    expect(compacted.map((e) => e.checkpoint.indexedTo)).toEqual([6, last.indexedTo]);
  });
});
