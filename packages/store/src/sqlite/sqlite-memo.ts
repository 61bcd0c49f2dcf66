import { isWeftError } from '@weft/core';
import type { Memo, MemoPutOptions, WrittenFile } from '@weft/core/store';
import { decodeValue, encodeValue, joinEncoded } from '../shared/value-codec.js';
import type { Values } from '../shared/values.js';
import type { Db } from './db.js';
import type { SqliteWriter } from './sqlite-writer.js';

interface Row {
  hash: string;
  files: string | null;
  data: Buffer | null;
}

/** Logged entries moved into `memo` at once (at most this many wait in `memo_log`). */
const MERGE = 65_536;

/** Encoded values up to this many bytes are kept in the memo row (still hash-checked), not as value rows. */
const INLINE = 256;

interface Entry {
  readonly hash: string;
  readonly files?: readonly WrittenFile[];
  /** The encoded value, when it is kept in the row. */
  readonly data: Buffer | null;
}

/**
 * The memo in SQLite: keys to value hashes, written through the store's writer. A small value
 * (most map items) is kept in the memo row itself with its hash, so that a memoised item costs one
 * row, not two; reading it checks the hash all the same.
 *
 * Entries are committed (with the event batch that reports them) into `memo_log`, an append-only
 * table, and moved into the keyed `memo` table in key order {@link MERGE} at a time, when the store
 * is opened or closed, and before anything reads `memo` as a whole (`hasRun`, `expire`, `clear`,
 * collecting values): appending 100,000 entries writes a few MB, inserting them one batch at a
 * time into a random-keyed index rewrote a page per entry. This process reads its own logged
 * entries from memory until they are moved; another live process sees them once they are moved
 * (a cache miss until then, never a wrong value; a resumed run's `hasRun` moves them first).
 */
export class SqliteMemo implements Memo {
  readonly #db: Db;
  readonly #values: Values;
  readonly #writer: SqliteWriter;
  /** Entries waiting to be committed, so that reads see them. */
  readonly #pending = new Map<string, Entry>();
  /** Rowids in `memo_log` of the entries this process logged and has not moved into `memo`. */
  readonly #logged = new Map<string, number | bigint>();
  /** Rows in `memo_log` (as far as this process knows). */
  #logRows: number;
  readonly #pendingCheckpoints = new Map<string, Buffer | null>();
  /** Whether the checkpoints table may hold rows (a completed key then drops its checkpoint). */
  #checkpoints: boolean;

  constructor(db: Db, values: Values, writer: SqliteWriter) {
    this.#db = db;
    this.#values = values;
    this.#writer = writer;
    this.#checkpoints =
      db.do('reading checkpoints', () => db.stmt('SELECT 1 FROM checkpoints LIMIT 1').get()) !== undefined;
    // What a crashed or older process left in the log is moved now, so every reader finds it.
    this.#logRows = db.do('reading the memo', () => db.stmt('SELECT 1 FROM memo_log LIMIT 1').get()) ? 1 : 0;
    if (this.#logRows > 0) this.merge();
  }

  /**
   * Moves the logged entries into `memo` (in key order, the last of a key winning), in the writer's
   * next transaction with whatever it buffered.
   */
  merge(): void {
    this.#bufferMerge();
    this.#writer.commit();
  }

  #bufferMerge(): void {
    this.#writer.buffer('memo-merge', () => {
      this.#db
        .stmt(
          `INSERT OR REPLACE INTO memo (key, hash, files, run_id, saved_at, data)
           SELECT key, hash, files, run_id, saved_at, data FROM memo_log ORDER BY key, rowid`,
        )
        .run();
      this.#db.stmt('DELETE FROM memo_log').run();
      this.#logged.clear();
      this.#logRows = 0;
    });
  }

  /**
   * A read the store fails (damaged pages, I/O) is a miss here, so that no step sees a storage
   * error as its own; the fault is reported by the next flush, which stops the run.
   */
  get(key: string): { readonly value: unknown; readonly files?: readonly WrittenFile[] } | undefined {
    try {
      return this.#get(key);
    } catch (e) {
      if (!isWeftError(e) || !e.code.startsWith('STORE_')) throw e;
      this.#writer.fail(e);
      return undefined;
    }
  }

  #get(key: string): { readonly value: unknown; readonly files?: readonly WrittenFile[] } | undefined {
    let hash: string;
    let files: readonly WrittenFile[] | undefined;
    let data: Buffer | null;
    const p = this.#pending.get(key);
    if (p) ({ hash, files, data } = p);
    else {
      const row = this.#db.do('reading the memo', () => this.#row(key));
      if (!row) return undefined;
      hash = row.hash;
      data = row.data;
      files = row.files ? (JSON.parse(row.files) as WrittenFile[]) : undefined;
    }
    let found: { readonly value: unknown } | undefined;
    try {
      found =
        data === null
          ? this.#values.lookup(hash)
          : this.#values.checked(hash, data, () =>
              this.#db.do('forgetting a damaged value', () => {
                this.#db.stmt('DELETE FROM memo WHERE key = ? AND hash = ?').run(key, hash);
                this.#db.stmt('DELETE FROM memo_log WHERE key = ? AND hash = ?').run(key, hash);
                this.#logged.delete(key);
              }),
            );
    } catch (e) {
      // Reported by the value store; the step runs again and its put stores the value anew.
      if (!isWeftError(e) || e.data['edited'] !== true) throw e;
    }
    if (!found) return undefined;
    return files ? { value: found.value, files } : { value: found.value };
  }

  /** The stored row of a key: the one this process logged (read by rowid) or the keyed one. */
  #row(key: string): Row | undefined {
    const rowid = this.#logged.get(key);
    if (rowid !== undefined) {
      const logged = this.#db
        .stmt('SELECT key, hash, files, data FROM memo_log WHERE rowid = ?')
        .get(rowid) as (Row & { key: string }) | undefined;
      // Gone (moved by another process, or its run deleted): the keyed table says.
      if (logged?.key === key) return logged;
    }
    return this.#db.stmt('SELECT hash, files, data FROM memo WHERE key = ?').get(key) as Row | undefined;
  }

  put(key: string, value: unknown, o: MemoPutOptions = {}): void {
    let hash: string;
    let data: Buffer | null = null;
    const recent = this.#values.recent(value);
    if (recent) hash = recent.$weftValue;
    else {
      const e = encodeValue(value);
      hash = e.hash;
      if (e.bytes <= INLINE) data = joinEncoded(e);
      else this.#values.putEncoded(e, value);
    }
    const files = o.files && o.files.length > 0 ? JSON.stringify(o.files) : null;
    const runId = o.runId ?? null;
    const entry: Entry = { hash, data, ...(o.files ? { files: o.files } : {}) };
    this.#pending.set(key, entry);
    this.#pendingCheckpoints.set(key, null);
    this.#writer.buffer(`m:${key}`, () => {
      const { lastInsertRowid } = this.#db
        .stmt('INSERT INTO memo_log (key, hash, files, run_id, saved_at, data) VALUES (?, ?, ?, ?, ?, ?)')
        .run(key, hash, files, runId, Date.now(), data);
      this.#logRows++;
      this.#logged.set(key, lastInsertRowid);
      if (this.#checkpoints) this.#db.stmt('DELETE FROM checkpoints WHERE key = ?').run(key);
      if (this.#pending.get(key)?.hash === hash) this.#pending.delete(key);
      if (this.#pendingCheckpoints.get(key) === null) this.#pendingCheckpoints.delete(key);
    });
    if (this.#logRows + this.#pending.size >= MERGE) this.#bufferMerge();
  }

  checkpoint(key: string): { readonly value: unknown } | undefined {
    try {
      return this.#checkpoint(key);
    } catch (e) {
      if (!isWeftError(e) || !e.code.startsWith('STORE_')) throw e;
      this.#writer.fail(e);
      return undefined;
    }
  }

  #checkpoint(key: string): { readonly value: unknown } | undefined {
    if (this.#pendingCheckpoints.has(key)) {
      const b = this.#pendingCheckpoints.get(key);
      return b ? { value: decodeValue(b) } : undefined;
    }
    const row = this.#db.do(
      'reading a checkpoint',
      () =>
        this.#db.stmt('SELECT value FROM checkpoints WHERE key = ?').get(key) as
          { value: Buffer } | undefined,
    );
    return row ? { value: decodeValue(row.value) } : undefined;
  }

  putCheckpoint(key: string, value: unknown, o: { readonly runId?: string } = {}): void {
    const bytes = joinEncoded(encodeValue(value, 'a checkpoint'));
    this.#checkpoints = true;
    this.#pendingCheckpoints.set(key, bytes);
    this.#writer.buffer(`c:${key}`, () => {
      this.#db
        .stmt('INSERT OR REPLACE INTO checkpoints (key, value, run_id, saved_at) VALUES (?, ?, ?, ?)')
        .run(key, bytes, o.runId ?? null, Date.now());
      if (this.#pendingCheckpoints.get(key) === bytes) this.#pendingCheckpoints.delete(key);
    });
    // Committed now: a step goes on (writes past the point) once its checkpoint is reported.
    this.#writer.commit();
  }

  flush(): void {
    this.#writer.commit();
  }

  hasRun(runId: string): boolean {
    this.merge();
    return this.#db.do(
      'reading the memo',
      () =>
        this.#db.stmt('SELECT 1 FROM memo WHERE run_id = ? LIMIT 1').get(runId) !== undefined ||
        this.#db.stmt('SELECT 1 FROM checkpoints WHERE run_id = ? LIMIT 1').get(runId) !== undefined,
    );
  }

  /** Drops cross-run entries and checkpoints of no run stored at or before `before` (ms since the epoch). */
  expire(before: number): number {
    this.merge();
    return this.#db.tx('expiring the cache', () => {
      const n = this.#db.stmt('DELETE FROM memo WHERE run_id IS NULL AND saved_at <= ?').run(before).changes;
      this.#db.stmt('DELETE FROM checkpoints WHERE run_id IS NULL AND saved_at <= ?').run(before);
      return n;
    });
  }

  clear(): number {
    this.merge();
    return this.#db.tx(
      'clearing the memo',
      () => this.#db.stmt('DELETE FROM memo WHERE run_id IS NULL').run().changes,
    );
  }
}
