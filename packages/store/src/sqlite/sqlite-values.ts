import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { storeError } from '../shared/store-errors.js';
import { writePrivateAtomic } from '../shared/private-fs.js';
import { joinEncoded, type Encoded } from '../shared/value-codec.js';
import type { ValueBackend } from '../shared/values.js';
import type { Db } from './db.js';

/**
 * Values in SQLite (table `vals`), the large ones (at or above `fileBytes`) as files
 * `values/<2 hex>/<62 hex>` written atomically, so that a 200 MB value is written from the
 * caller's buffer without a copy. Rows are buffered and committed with the next transaction of the
 * store's writer (`commitPending`), so a value is never committed after what refers to it.
 */
export class SqliteValueBackend implements ValueBackend {
  readonly #db: Db;
  readonly #dir: string;
  readonly #fileBytes: number;
  readonly #reserve: (bytes: number) => void;
  readonly #pending = new Map<string, { bytes: number; data: Buffer | null }>();

  constructor(db: Db, dir: string, fileBytes: number, reserve: (bytes: number) => void) {
    this.#db = db;
    this.#dir = dir;
    this.#fileBytes = fileBytes;
    this.#reserve = reserve;
  }

  /** Where a large value's file is. */
  path(hash: string): string {
    const hex = hash.slice('sha256:'.length);
    return join(this.#dir, 'values', hex.slice(0, 2), hex.slice(2));
  }

  has(hash: string): boolean {
    if (this.#pending.has(hash)) return true;
    return (
      this.#db.do('reading a value', () => this.#db.stmt('SELECT 1 FROM vals WHERE hash = ?').get(hash)) !==
      undefined
    );
  }

  write(e: Encoded): void {
    if (this.#pending.has(e.hash)) return;
    if (e.bytes >= this.#fileBytes) {
      if (this.has(e.hash)) return;
      this.#reserve(e.bytes);
      const file = this.path(e.hash);
      try {
        writePrivateAtomic(file, [Uint8Array.of(e.tag), e.body]);
      } catch (err) {
        throw storeError(err, file, 'writing a value');
      }
      this.#pending.set(e.hash, { bytes: e.bytes, data: null });
    } else {
      this.#pending.set(e.hash, { bytes: e.bytes, data: joinEncoded(e) });
    }
  }

  read(hash: string): Uint8Array | undefined {
    const p = this.#pending.get(hash);
    if (p) return p.data ?? this.#readFile(hash);
    const row = this.#db.do(
      'reading a value',
      () =>
        this.#db.stmt('SELECT data, in_file FROM vals WHERE hash = ?').get(hash) as
          { data: Buffer | null; in_file: number } | undefined,
    );
    if (!row) return undefined;
    return row.in_file ? this.#readFile(hash) : (row.data ?? Buffer.alloc(0));
  }

  #readFile(hash: string): Uint8Array {
    const file = this.path(hash);
    try {
      return readFileSync(file);
    } catch (e) {
      // A missing file reads as empty bytes: the hash check reports it as damaged.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw storeError(e, file, 'reading a value');
    }
  }

  remove(hash: string): void {
    this.#pending.delete(hash);
    this.#db.do('forgetting a damaged value', () =>
      this.#db.stmt('DELETE FROM vals WHERE hash = ?').run(hash),
    );
    rmSync(this.path(hash), { force: true });
  }

  /** Inserts the buffered rows; call inside the writer's transaction. */
  commitPending(): void {
    if (this.#pending.size === 0) return;
    const ins = this.#db.stmt(
      'INSERT OR IGNORE INTO vals (hash, bytes, data, in_file, saved_at) VALUES (?, ?, ?, ?, ?)',
    );
    const now = Date.now();
    for (const [hash, p] of this.#pending) ins.run(hash, p.bytes, p.data, p.data === null ? 1 : 0, now);
  }

  /** True when rows wait to be committed. */
  hasPending(): boolean {
    return this.#pending.size > 0;
  }

  /** The buffered rows were committed. */
  committed(): void {
    this.#pending.clear();
  }

  /** Bytes of value files (for the store's size). */
  fileBytes(): number {
    const row = this.#db.do(
      'measuring values',
      () =>
        this.#db.stmt('SELECT COALESCE(SUM(bytes), 0) AS n FROM vals WHERE in_file = 1').get() as {
          n: number;
        },
    );
    return row.n;
  }

  /** Deletes values nothing refers to (memo, events, runs, snapshots hold their refs); returns bytes freed. */
  collect(): number {
    const dead = this.#db.do(
      'collecting values',
      () =>
        this.#db
          .stmt(
            `SELECT hash, bytes, in_file FROM vals WHERE hash NOT IN (SELECT hash FROM memo)
             AND hash NOT IN (SELECT hash FROM memo_log)
             AND hash NOT IN (SELECT hash FROM event_refs) AND hash NOT IN (SELECT hash FROM run_refs)`,
          )
          .all() as { hash: string; bytes: number; in_file: number }[],
    );
    let freed = 0;
    this.#db.tx('collecting values', () => {
      const del = this.#db.stmt('DELETE FROM vals WHERE hash = ?');
      for (const d of dead) del.run(d.hash);
    });
    for (const d of dead) {
      freed += d.bytes;
      if (d.in_file) rmSync(this.path(d.hash), { force: true });
    }
    return freed;
  }
}

/** The size of a file, 0 when it is missing. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
