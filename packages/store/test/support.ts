// Test support: damaging a store's database the way a failing disk would.
import { closeSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

/** The page numbers of a table or index (SQLite's dbstat), read from a closed database file. */
export function pagesOf(file: string, name: string): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno').all(name) as { pageno: number }[]
    ).map((r) => r.pageno);
  } finally {
    db.close();
  }
}

/** Overwrites whole pages of a database file with garbage. */
export function smashPages(file: string, pages: readonly number[], pageSize = 4096): void {
  const fd = openSync(file, 'r+');
  try {
    const junk = Buffer.alloc(pageSize, 0xa5);
    for (const p of pages) writeSync(fd, junk, 0, pageSize, (p - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}
