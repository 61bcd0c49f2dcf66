import type Database from 'better-sqlite3';
import { guarded, storeError } from '../shared/store-errors.js';

/** The open database with its file name, for error messages; every call is mapped to a coded error. */
export class Db {
  readonly file: string;
  readonly raw: Database.Database;
  readonly #stmts = new Map<string, Database.Statement>();
  readonly #plucked = new Map<string, Database.Statement>();

  constructor(file: string, raw: Database.Database) {
    this.file = file;
    this.raw = raw;
  }

  /** A prepared statement (cached by its text). */
  stmt(sql: string): Database.Statement {
    let s = this.#stmts.get(sql);
    if (!s)
      this.#stmts.set(sql, (s = guarded(this.file, 'preparing a statement', () => this.raw.prepare(sql))));
    return s;
  }

  /** A prepared statement that returns each row's first column only (cached by its text). */
  pluck(sql: string): Database.Statement {
    let s = this.#plucked.get(sql);
    if (!s)
      this.#plucked.set(
        sql,
        (s = guarded(this.file, 'preparing a statement', () => this.raw.prepare(sql).pluck())),
      );
    return s;
  }

  /** Runs `fn` mapping failures to coded errors. */
  do<T>(what: string, fn: () => T): T {
    return guarded(this.file, what, fn);
  }

  /** Runs `fn` in one immediate transaction (all or nothing). */
  tx<T>(what: string, fn: () => T): T {
    try {
      return this.raw.transaction(fn).immediate();
    } catch (e) {
      throw storeError(e, this.file, what);
    }
  }

  get open(): boolean {
    return this.raw.open;
  }
}
