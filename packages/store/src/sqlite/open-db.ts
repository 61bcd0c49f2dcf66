import { chmodSync, closeSync, existsSync, linkSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WeftError } from '@weft/core';
import { privateDir } from '../shared/private-fs.js';
import { REPAIR, storeError } from '../shared/store-errors.js';
import { Db } from './db.js';
import { migrateV1 } from './migrate-v1.js';
import { MEMO_LOG_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

/** The database file of a store directory. */
export const DB_FILE = 'weft.db';

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Options of {@link openDb}. */
export interface OpenDbOptions {
  /** Create the store when the directory holds none (default true). */
  readonly create?: boolean;
  /** A size cap for the database (SQLite `max_page_count`): writes beyond it are STORE_FULL. */
  readonly maxBytes?: number;
  /** Told what a migration did. */
  readonly onMigrate?: (from: number) => void;
}

/**
 * Opens (creating when missing, migrating an older schema) the database of a store directory.
 * A zero-length file, a file that is not SQLite, a SQLite file that is not a Weft store, and a
 * store written by a newer release are STORE_CORRUPT: never silently replaced by a fresh store.
 */
export function openDb(dir: string, o: OpenDbOptions = {}): Db {
  privateDir(dir);
  const file = join(dir, DB_FILE);
  if (!existsSync(file)) {
    if (o.create === false)
      throw new WeftError('STORE_CORRUPT', `there is no store in ${dir} (no ${DB_FILE})`, { data: { file } });
    createDb(file);
  }
  checkHeader(file);
  let raw: Database.Database | undefined;
  try {
    raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('cache_size = -32768');
    raw.pragma('wal_autocheckpoint = 8192');
    raw.pragma('busy_timeout = 10000');
    raw.pragma('foreign_keys = OFF');
    if (o.maxBytes !== undefined) {
      const page = raw.pragma('page_size', { simple: true }) as number;
      raw.pragma(`max_page_count = ${Math.max(16, Math.floor(o.maxBytes / page))}`);
    }
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    const db = new Db(file, raw);
    const version = schemaOf(db);
    if (version === SCHEMA_VERSION) {
      raw.exec(MEMO_LOG_SQL);
      return db;
    }
    if (version === 1) {
      migrateV1(db, dir);
      raw.exec(MEMO_LOG_SQL);
      o.onMigrate?.(1);
      return db;
    }
    throw new WeftError(
      'STORE_CORRUPT',
      `the store ${file} has schema ${version}, written by a newer release of Weft (this one reads ${SCHEMA_VERSION} and older): upgrade Weft`,
      { data: { file, schema: version } },
    );
  } catch (e) {
    raw?.close();
    throw storeError(e, file, 'opening it');
  }
}

/** Makes a new database atomically (built under a temporary name, then linked into place), 0600. */
function createDb(file: string): void {
  const tmp = `${file}.new-${process.pid}`;
  rmSync(tmp, { force: true });
  closeSync(openSync(tmp, 'w', 0o600));
  try {
    const raw = new Database(tmp);
    try {
      raw.pragma('auto_vacuum = INCREMENTAL');
      raw.pragma('journal_mode = DELETE');
      raw.transaction(() => {
        raw.exec(SCHEMA_SQL);
        const put = raw.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        put.run('app', 'weft');
        put.run('schema', String(SCHEMA_VERSION));
        put.run('created', new Date().toISOString());
      })();
    } finally {
      raw.close();
    }
    try {
      linkSync(tmp, file);
    } catch (e) {
      // Another process created it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } catch (e) {
    throw storeError(e, file, 'creating it');
  } finally {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}-journal`, { force: true });
  }
}

/** A zero-length or foreign file is refused before SQLite sees it. */
function checkHeader(file: string): void {
  const size = statSync(file).size;
  if (size === 0)
    throw new WeftError(
      'STORE_CORRUPT',
      `the store ${file} is an empty file (0 bytes): a store is never empty, so it was truncated or replaced. Restore it from a backup, or move it aside to start a new store; ${REPAIR}`,
      { data: { file, size } },
    );
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(HEADER))
    throw new WeftError(
      'STORE_CORRUPT',
      `${file} is not a Weft store (not a SQLite database): move it aside`,
      {
        data: { file },
      },
    );
}

/** The schema version of an open database; STORE_CORRUPT for a SQLite file that is not a Weft store. */
function schemaOf(db: Db): number {
  const hasMeta = db.raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  const row = hasMeta
    ? (db.raw.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)
    : undefined;
  const v = Number(row?.value);
  if (!row || !Number.isInteger(v) || v < 1)
    throw new WeftError(
      'STORE_CORRUPT',
      `${db.file} is a SQLite database, but not a Weft store: move it aside`,
      {
        data: { file: db.file },
      },
    );
  return v;
}
