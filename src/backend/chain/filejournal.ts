import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  checksum,
  compactEntries,
  decodeEntry,
  encodeEntry,
  type IndexJournal,
  type JournalEntry,
  type JournalLoad,
  type Retain,
} from './journal';

/**
 * File format, version 1: an 8-byte magic with the version, the key (u32 length, UTF-8 JSON, u32 CRC-32),
 * then entries, each u32 payload length, u32 CRC-32 of the payload, payload (journal.ts). Entries are only
 * appended; compaction writes a new file and renames it over the old one, so a reader sees one or the other.
 */
const MAGIC = Buffer.from('TSMIDX\x00\x01', 'latin1');
/** No entry is this large (a chunk of 10k logs is ~1.5 MB): a larger length is damage, not data. */
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

/** One deployment's journal in a local file. */
export class FileJournal implements IndexJournal {
  readonly description: string;
  private handle?: FileHandle;
  /** Writes in order, one at a time. */
  private queue: Promise<void> = Promise.resolve();

  /** `key`: the deployment identity (journalKeyText); a file written for another key is replaced. */
  constructor(
    readonly file: string,
    private readonly key: string
  ) {
    this.description = `file ${file}`;
  }

  load(onEntry: (entry: JournalEntry) => void): Promise<JournalLoad> {
    return this.read(onEntry, false);
  }

  /**
   * Reads the file in large pieces; each entry's records lie in the read buffer (valid during onEntry) unless
   * `keep`, which copies them out.
   */
  private async read(onEntry: (entry: JournalEntry) => void, keep: boolean): Promise<JournalLoad> {
    await mkdir(path.dirname(this.file), { recursive: true });
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
      await this.create();
      return { entries: 0, rollbacks: 0 };
    }
    const counts = { entries: 0, rollbacks: 0 };
    let warning: string | undefined;
    try {
      const size = (await handle.stat()).size;
      const header = await this.readHeader(handle, size);
      if (typeof header === 'string') {
        await handle.close();
        await this.create();
        return { ...counts, warning: header };
      }
      let at = header;
      const reader = new PieceReader(handle, size);
      while (at < size) {
        const problem = await readEntry(reader, at, size, keep, (entry) => {
          counts.entries++;
          counts.rollbacks += entry.rollbackFrom === undefined ? 0 : 1;
          onEntry(entry);
        });
        if (typeof problem === 'string') {
          warning = `${this.file}: ${problem} at byte ${at} of ${size}; the entries after it were discarded`;
          await handle.truncate(at);
          await handle.datasync();
          break;
        }
        at = problem;
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.handle = handle;
    return { ...counts, warning };
  }

  append(entry: JournalEntry): Promise<void> {
    return this.enqueue(async () => {
      const handle = this.handle ?? (await open(this.file, 'a'));
      this.handle = handle;
      const framed = frame(encodeEntry(entry));
      const { size } = await handle.stat();
      await handle.write(framed, 0, framed.length, size);
      await handle.datasync();
    });
  }

  async compact(retain?: Retain): Promise<void> {
    const entries: JournalEntry[] = [];
    await this.close();
    await this.read((entry) => entries.push(entry), true);
    await this.rewrite(compactEntries(entries, undefined, retain));
  }

  private rewrite(entries: JournalEntry[]): Promise<void> {
    return this.enqueue(async () => {
      const temporary = `${this.file}.${process.pid}.tmp`;
      const out = await open(temporary, 'w');
      try {
        await out.write(this.header());
        for (const entry of entries) {
          await out.write(frame(encodeEntry(entry)));
        }
        await out.datasync();
      } finally {
        await out.close();
      }
      await this.handle?.close();
      this.handle = undefined;
      await rename(temporary, this.file);
      this.handle = await open(this.file, 'r+');
    });
  }

  reset(): Promise<void> {
    return this.enqueue(async () => {
      await this.handle?.close();
      this.handle = undefined;
      await this.create();
    });
  }

  close(): Promise<void> {
    return this.enqueue(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
  }

  /** Deletes the file (the deployment is gone from the settings). */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.file, { force: true });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private header(): Buffer {
    const key = Buffer.from(this.key, 'utf8');
    const out = Buffer.alloc(MAGIC.length + 8 + key.length);
    MAGIC.copy(out, 0);
    out.writeUInt32LE(key.length, MAGIC.length);
    key.copy(out, MAGIC.length + 4);
    out.writeUInt32LE(checksum(key), MAGIC.length + 4 + key.length);
    return out;
  }

  /** An empty journal with this key, in place of whatever was there (written aside, then renamed). */
  private async create(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    const out = await open(temporary, 'w');
    try {
      await out.write(this.header());
      await out.datasync();
    } finally {
      await out.close();
    }
    await rename(temporary, this.file);
    this.handle = await open(this.file, 'r+');
  }

  /** The offset of the first entry, or why the file cannot be used (another format, key or damage). */
  private async readHeader(handle: FileHandle, size: number): Promise<number | string> {
    const expected = this.header();
    if (size < expected.length) {
      return `${this.file}: shorter than its header (${size} bytes); discarded`;
    }
    const found = Buffer.alloc(expected.length);
    await handle.read(found, 0, found.length, 0);
    if (!found.subarray(0, MAGIC.length).equals(MAGIC)) {
      return `${this.file}: not an index file of this version; discarded`;
    }
    if (!found.equals(expected)) {
      // Another deployment identity (contract, chain, start block or ABI changed): not a fault.
      return `${this.file}: written for other deployment settings; started again`;
    }
    return expected.length;
  }
}

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(checksum(payload), 4);
  payload.copy(out, 8);
  return out;
}

/** Pieces of a file read at least READ_AHEAD_BYTES at a time: a replay makes few reads, whatever its entries' sizes. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;

class PieceReader {
  private buffer = Buffer.allocUnsafe(0);
  /** File offset of buffer[0], and how many bytes of the buffer are read. */
  private start = 0;
  private filled = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number
  ) {}

  /** The file's bytes [at, at + length) (within its size): a view valid until the next call. */
  async bytes(at: number, length: number): Promise<Buffer> {
    if (at < this.start || at + length > this.start + this.filled) {
      const want = Math.min(this.size - at, Math.max(length, READ_AHEAD_BYTES));
      if (this.buffer.length < want) {
        this.buffer = Buffer.allocUnsafe(want);
      }
      this.start = at;
      this.filled = 0;
      while (this.filled < want) {
        const { bytesRead } = await this.handle.read(this.buffer, this.filled, want - this.filled, at + this.filled);
        if (bytesRead === 0) {
          break;
        }
        this.filled += bytesRead;
      }
      if (this.filled < length) {
        throw new Error(`the file ended at byte ${at + this.filled} while it was read`);
      }
    }
    return this.buffer.subarray(at - this.start, at - this.start + length);
  }
}

/** Reads the entry at `at` (a copy when `keep`) into onEntry: the next offset, or what is wrong with it. */
async function readEntry(
  reader: PieceReader,
  at: number,
  size: number,
  keep: boolean,
  onEntry: (entry: JournalEntry) => void
): Promise<number | string> {
  if (at + 8 > size) {
    return 'a torn entry header';
  }
  const head = await reader.bytes(at, 8);
  const length = head.readUInt32LE(0);
  const expected = head.readUInt32LE(4);
  if (length > MAX_ENTRY_BYTES || at + 8 + length > size) {
    return 'a torn or damaged entry (its length runs past the end of the file)';
  }
  const read = await reader.bytes(at + 8, length);
  const payload = keep ? Buffer.from(read) : read;
  if (checksum(payload) !== expected) {
    return 'an entry whose checksum does not match (damaged)';
  }
  let entry: JournalEntry;
  try {
    entry = decodeEntry(payload);
  } catch (error) {
    return `an entry that does not decode (${(error as Error).message})`;
  }
  onEntry(entry);
  return at + 8 + length;
}
