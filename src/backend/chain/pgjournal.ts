import pg from 'pg';
import { redactUrls } from './errors';
import {
  decodeEntry,
  encodeEntry,
  type JournalEntry,
  type JournalLoad,
  type Retain,
  type SharedIndexJournal,
} from './journal';

/**
 * One deployment's journal in Postgres, shared by every process pointed at the database (Grafana replicas).
 * One process at a time writes a deployment: the one holding `pg_try_advisory_lock` on the deployment's slot,
 * on a session connection of its own. When that process dies its session ends, the lock is released and the
 * next process to sync takes it over, after reading every entry its predecessor committed. The others follow
 * the stored entries instead of asking the chain for logs. Entries are rows (slot, seq, key, payload);
 * rows of another key (the deployment's settings changed) are ignored by readers and deleted by the writer.
 */
const TABLE = 'tesseract_index_entries';
/** Rows read per query: entries are up to ~1.5 MB (a 10k-log chunk). */
const PAGE_ROWS = 64;

/** One pool per connection URL for the reads of every journal on it. */
const pools = new Map<string, pg.Pool>();
const schemaReady = new Map<string, Promise<void>>();

function poolFor(url: string): pg.Pool {
  let pool = pools.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 30_000 });
    // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    pools.set(url, pool);
  }
  return pool;
}

/** Creates the table once per URL; concurrent processes serialise on a transaction-level advisory lock. */
function ensureSchema(url: string): Promise<void> {
  let ready = schemaReady.get(url);
  if (!ready) {
    ready = (async () => {
      const client = await poolFor(url).connect();
      try {
        await client.query('BEGIN');
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended('tesseract_index_schema', 0))");
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${TABLE} (slot text NOT NULL, seq bigint NOT NULL, key text NOT NULL, payload bytea NOT NULL, PRIMARY KEY (slot, seq))`
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })();
    ready.catch(() => schemaReady.delete(url));
    schemaReady.set(url, ready);
  }
  return ready;
}

/** A database error in words without the connection URL (which may carry a password). */
function describe(error: unknown): string {
  return redactUrls(error instanceof Error ? error.message : String(error)).replace(
    /\bpostgres(?:ql)?:\/\/\S+/gi,
    '<url>'
  );
}

/** Whether every record of the entry, and its rollback, lie before `block`. */
function before(entry: JournalEntry, block: number): boolean {
  const { records } = entry;
  return (entry.rollbackFrom ?? -1) < block && (records.length === 0 || records.block(records.length - 1) < block);
}

export class PgJournal implements SharedIndexJournal {
  readonly description: string;
  /** The session holding this slot's advisory lock, while this process is the writer. */
  private writer?: pg.Client;
  /** Highest seq applied (loaded or read). */
  private lastSeq = 0;

  constructor(
    private readonly url: string,
    private readonly slot: string,
    private readonly key: string
  ) {
    this.description = `postgres (slot ${slot})`;
  }

  get isWriter(): boolean {
    return this.writer !== undefined;
  }

  async acquireWriter(): Promise<boolean> {
    if (this.writer) {
      return true;
    }
    await this.prepare();
    const client = new pg.Client({ connectionString: this.url });
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
        [this.slot]
      );
      if (!rows[0]?.locked) {
        await client.end();
        return false;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new Error(`the index store database: ${describe(error)}`);
    }
    // The session is the role: when it breaks, this process writes no more (another takes over).
    const lose = () => {
      if (this.writer === client) {
        this.writer = undefined;
      }
    };
    client.on('error', lose);
    client.on('end', lose);
    this.writer = client;
    // Rows of other settings are this writer's to clear.
    await client.query(`DELETE FROM ${TABLE} WHERE slot = $1 AND key <> $2`, [this.slot, this.key]);
    return true;
  }

  async load(onEntry: (entry: JournalEntry) => void): Promise<JournalLoad> {
    this.lastSeq = 0;
    const counts = { entries: 0, rollbacks: 0 };
    for (const entry of await this.readNew()) {
      counts.entries++;
      counts.rollbacks += entry.rollbackFrom === undefined ? 0 : 1;
      onEntry(entry);
    }
    return counts;
  }

  async readNew(): Promise<JournalEntry[]> {
    await this.prepare();
    const entries: JournalEntry[] = [];
    for (;;) {
      const { rows } = await this.query<{ seq: string; payload: Buffer }>(
        `SELECT seq, payload FROM ${TABLE} WHERE slot = $1 AND key = $2 AND seq > $3 ORDER BY seq LIMIT ${PAGE_ROWS}`,
        [this.slot, this.key, this.lastSeq]
      );
      for (const row of rows) {
        entries.push(decodeEntry(row.payload));
        this.lastSeq = Number(row.seq);
      }
      if (rows.length < PAGE_ROWS) {
        return entries;
      }
    }
  }

  async append(entry: JournalEntry): Promise<void> {
    const writer = this.writer;
    if (!writer) {
      throw new Error('this process is not the writer of the index store');
    }
    try {
      await writer.query(`INSERT INTO ${TABLE} (slot, seq, key, payload) VALUES ($1, $2, $3, $4)`, [
        this.slot,
        this.lastSeq + 1,
        this.key,
        encodeEntry(entry),
      ]);
    } catch (error) {
      throw new Error(`the index store database: ${describe(error)}`);
    }
    this.lastSeq++;
  }

  /**
   * Readers follow entries by seq, so rows are never rewritten (a reader would replay records twice) and dead
   * rows of rollbacks stay (reorgs are short). With `retain`, the writer deletes the leading rows that hold
   * only records before retain.fromBlock (one statement: a reader sees the rows before or after it); the first
   * row kept may still hold some, which a load drops by the checkpoint's `dropped` edge.
   */
  async compact(retain?: Retain): Promise<void> {
    const writer = this.writer;
    if (!retain || !writer) {
      return;
    }
    try {
      let through = 0;
      for (let after = 0; ;) {
        const { rows } = await writer.query<{ seq: string; payload: Buffer }>(
          `SELECT seq, payload FROM ${TABLE} WHERE slot = $1 AND key = $2 AND seq > $3 ORDER BY seq LIMIT ${PAGE_ROWS}`,
          [this.slot, this.key, after]
        );
        const stale = rows.findIndex((row) => !before(decodeEntry(row.payload), retain.fromBlock));
        through = Number(rows[(stale < 0 ? rows.length : stale) - 1]?.seq ?? through);
        if (stale >= 0 || rows.length < PAGE_ROWS) {
          break;
        }
        after = through;
      }
      await writer.query(`DELETE FROM ${TABLE} WHERE slot = $1 AND seq <= $2`, [this.slot, through]);
    } catch (error) {
      throw new Error(`the index store database: ${describe(error)}`);
    }
  }

  async reset(): Promise<void> {
    this.lastSeq = 0;
    if (this.writer) {
      await this.writer.query(`DELETE FROM ${TABLE} WHERE slot = $1`, [this.slot]);
    }
  }

  async close(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.end().catch(() => undefined);
  }

  private async prepare(): Promise<void> {
    try {
      await ensureSchema(this.url);
    } catch (error) {
      throw new Error(`the index store database: ${describe(error)}`);
    }
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await poolFor(this.url).query<R>(text, values);
    } catch (error) {
      throw new Error(`the index store database: ${describe(error)}`);
    }
  }
}
