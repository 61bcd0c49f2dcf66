import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WeftError } from '@weft/core';
import { storeError } from '../shared/store-errors.js';
import { DB_FILE } from './open-db.js';

/** What `checkStore` found. */
export interface StoreCheck {
  readonly file: string;
  readonly ok: boolean;
  /** `PRAGMA integrity_check` lines ('ok' when sound), or why the file cannot be read at all. */
  readonly problems: readonly string[];
  readonly schema: number | null;
  /** Bytes of the database file (and its WAL). */
  readonly bytes: number;
  readonly runs: number | null;
}

/**
 * Checks a store's database without changing it: SQLite's `integrity_check` (every page, every
 * index), the schema version, the number of runs. A zero-length or foreign file is reported, not
 * opened.
 */
export function checkStore(dir: string): StoreCheck {
  const file = join(dir, DB_FILE);
  const bytes = size(file) + size(`${file}-wal`);
  const base = { file, bytes };
  if (!existsSync(file))
    return { ...base, ok: false, problems: ['there is no store here'], schema: null, runs: null };
  if (statSync(file).size === 0)
    return { ...base, ok: false, problems: ['the file is empty (0 bytes)'], schema: null, runs: null };
  if (!isSqlite(file))
    return { ...base, ok: false, problems: ['not a SQLite database'], schema: null, runs: null };
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const lines = (db.pragma('integrity_check(100)') as { integrity_check: string }[]).map(
      (r) => r.integrity_check,
    );
    const problems = lines.length === 1 && lines[0] === 'ok' ? [] : lines;
    let schema: number | null = null;
    let runs: number | null = null;
    try {
      schema = Number(
        (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string }).value,
      );
      runs = (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
    } catch (e) {
      problems.push(`reading the store: ${(e as Error).message}`);
    }
    return { ...base, ok: problems.length === 0, problems, schema, runs };
  } catch (e) {
    return { ...base, ok: false, problems: [(e as Error).message], schema: null, runs: null };
  } finally {
    db?.close();
  }
}

/** What `repairStore` did. */
export interface StoreRepair {
  readonly file: string;
  /** Where the damaged database was kept. */
  readonly keptAside: string;
  /** Rows copied per table, and rows that could not be read. */
  readonly tables: Readonly<Record<string, { readonly copied: number; readonly lost: boolean }>>;
}

/**
 * Salvages a damaged store: moves `weft.db` (with its WAL) aside as `weft.db.damaged-<time>`,
 * then copies every row that can still be read into a new `weft.db` of the same schema (table by
 * table, by rowid or primary key, skipping unreadable pages) and rebuilds its indexes. The next
 * open migrates it if needed and reconciles its runs; the runs then resume.
 */
export function repairStore(dir: string): StoreRepair {
  const file = join(dir, DB_FILE);
  if (!existsSync(file))
    throw new WeftError('STORE_CORRUPT', `there is no store in ${dir} to repair`, { data: { file } });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const aside = `${file}.damaged-${stamp}`;
  try {
    for (const suffix of ['', '-wal', '-shm'])
      if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  } catch (e) {
    throw storeError(e, file, 'moving it aside');
  }
  const tables: Record<string, { copied: number; lost: boolean }> = {};
  if (statSync(aside).size === 0 || !isSqlite(aside)) return { file, keptAside: aside, tables };
  const src = new Database(aside, { fileMustExist: true });
  const tmp = `${file}.salvage-${process.pid}`;
  rmSync(tmp, { force: true });
  closeSync(openSync(tmp, 'w', 0o600));
  const dst = new Database(tmp);
  try {
    src.pragma('writable_schema = OFF');
    const schema = src
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'",
      )
      .all() as { type: string; name: string; sql: string }[];
    dst.pragma('auto_vacuum = INCREMENTAL');
    for (const t of schema.filter((s) => s.type === 'table')) dst.exec(t.sql);
    for (const t of schema.filter((s) => s.type === 'table')) tables[t.name] = copyTable(src, dst, t.name);
    for (const i of schema.filter((s) => s.type === 'index')) {
      try {
        dst.exec(i.sql);
      } catch {
        // an index that cannot be built over what was salvaged (a unique one with duplicates): skipped
      }
    }
  } finally {
    src.close();
    dst.close();
  }
  renameSync(tmp, file);
  return { file, keptAside: aside, tables };
}

/** Copies what can be read of a table: forward until a bad page, backward from the end, and by seeking past it. */
function copyTable(
  src: Database.Database,
  dst: Database.Database,
  table: string,
): { copied: number; lost: boolean } {
  const cols = src.prepare(`PRAGMA table_info("${table}")`).all() as { name: string; pk: number }[];
  const withoutRowid = /WITHOUT ROWID/i.test(
    (src.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(table) as { sql: string }).sql,
  );
  const key = withoutRowid
    ? cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => `"${c.name}"`)
    : ['rowid'];
  const all = cols.map((c) => `"${c.name}"`);
  const pick = withoutRowid ? all.join(', ') : ['rowid', ...all].join(', ');
  const insert = dst.prepare(
    `INSERT OR IGNORE INTO "${table}" (${withoutRowid ? all.join(', ') : ['rowid', ...all].join(', ')}) VALUES (${(withoutRowid ? all : ['rowid', ...all]).map(() => '?').join(', ')})`,
  );
  const order = key.join(', ');
  const keyOf = (row: unknown[]): unknown[] =>
    withoutRowid ? key.map((k) => row[all.indexOf(k)]) : [row[0]];
  let copied = 0;
  /** Copies rows until the source fails; the rows read before a failure are kept. */
  const copyRows = (
    sql: string,
    ...args: unknown[]
  ): { last: unknown[] | undefined; failed: boolean; n: number } => {
    let last: unknown[] | undefined;
    let failed = false;
    let n = 0;
    dst.transaction(() => {
      try {
        for (const row of src
          .prepare(sql)
          .raw(true)
          .iterate(...args) as Iterable<unknown[]>) {
          insert.run(...row);
          n++;
          last = keyOf(row);
        }
      } catch {
        failed = true;
      }
    })();
    copied += n;
    return { last, failed, n };
  };
  const forward = copyRows(`SELECT ${pick} FROM "${table}" ORDER BY ${order}`);
  if (!forward.failed) return { copied, lost: false };
  // From the end backwards, down to the damage.
  copyRows(`SELECT ${pick} FROM "${table}" ORDER BY ${key.map((k) => `${k} DESC`).join(', ')}`);
  // Seek past the damage in growing steps (when the last part of the key is a number).
  const n = key.length;
  let last = forward.last;
  let step = 1;
  while (last && typeof last[n - 1] === 'number' && step < 1 << 30) {
    const probe = [...last.slice(0, n - 1), (last[n - 1] as number) + step];
    const cond = n === 1 ? `${key[0]!} >= ?` : `(${order}) >= (${probe.map(() => '?').join(', ')})`;
    const r = copyRows(
      `SELECT ${pick} FROM "${table}" WHERE ${cond} ORDER BY ${order} LIMIT 10000`,
      ...probe,
    );
    if (r.last) {
      last = r.last;
      step = 1;
      if (!r.failed && r.n < 10000) break;
    } else if (!r.failed) break;
    else step *= 4;
  }
  return { copied, lost: true };
}

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function isSqlite(file: string): boolean {
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString('latin1') === 'SQLite format 3\0';
}
