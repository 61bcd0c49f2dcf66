import type { WeftError } from '@weft/core';
import type { Db } from './db.js';
import type { SqliteValueBackend } from './sqlite-values.js';

/** One buffered write of the memo (an entry, a checkpoint). */
export type PendingWrite = () => void;

/** Writes buffered at most this many before they are committed at once. */
const BATCH = 4096;

/** Writes are committed at most this long after they were buffered. */
const COMMIT_MS = 10;

/** Lazy writes (memo entries) buffered at most this many... */
const LAZY_BATCH = 20_000;

/** ...or this long, unless a flush, a checkpoint or the close commits them sooner. */
const LAZY_MS = 1000;

/**
 * The store's one writer: memo entries, checkpoints and values are buffered and committed in one
 * transaction (at {@link BATCH} writes, {@link COMMIT_MS} after the first, or with the next event
 * batch), so 100,000 memoised map items cost a few dozen commits, not 100,000. Memo entries are
 * lazy: they wait for up to {@link LAZY_MS} (or {@link LAZY_BATCH} of them) even when events are
 * committed, because each lands on a random page of the memo's index and fewer, larger commits
 * write far fewer pages; a crash then loses at most that much completed work, which runs again on
 * resume. `commit()` without arguments (memo flush, a checkpoint, close) commits everything. A
 * commit that fails (disk full) keeps the buffer and is reported by the next call that writes or
 * flushes.
 */
export class SqliteWriter {
  readonly #db: Db;
  readonly #values: SqliteValueBackend;
  readonly #eager = new Map<string, PendingWrite>();
  readonly #lazy = new Map<string, PendingWrite>();
  #scheduled = false;
  #lazyScheduled = false;
  #fault: WeftError | undefined;

  constructor(db: Db, values: SqliteValueBackend) {
    this.#db = db;
    this.#values = values;
  }

  /** Buffers a write under a key (a later write of the same key replaces it); `lazy` for memo entries. */
  buffer(key: string, write: PendingWrite, lazy = false): void {
    this.throwFault();
    this.#eager.delete(key);
    this.#lazy.delete(key);
    if (lazy) {
      this.#lazy.set(key, write);
      if (this.#lazy.size >= LAZY_BATCH) this.commit();
      else if (!this.#lazyScheduled) {
        this.#lazyScheduled = true;
        setTimeout(() => {
          this.#lazyScheduled = false;
          this.#background(true);
        }, LAZY_MS).unref();
      }
      return;
    }
    this.#eager.set(key, write);
    if (this.#eager.size >= BATCH) this.#commit(undefined, false);
    else if (!this.#scheduled) {
      this.#scheduled = true;
      // Soon, not at once: a map's items land in the same commit (the event log's next batch, or this).
      setTimeout(() => {
        this.#scheduled = false;
        this.#background(false);
      }, COMMIT_MS).unref();
    }
  }

  #background(all: boolean): void {
    if (!this.#db.open) return;
    try {
      this.#commit(undefined, all);
    } catch (e) {
      // Reported by the next write or flush.
      this.#fault = e as WeftError;
    }
  }

  /** True when a write for `key` waits. */
  has(key: string): boolean {
    return this.#eager.has(key) || this.#lazy.has(key);
  }

  /**
   * Commits the buffer and `also` in one transaction: with `also` (an event batch, a record), the
   * lazy writes only once they are due; without it, everything.
   */
  commit(also?: () => void): void {
    this.#commit(also, also === undefined || this.#lazy.size >= LAZY_BATCH);
  }

  #commit(also: (() => void) | undefined, all: boolean): void {
    this.throwFault();
    const lazy = all && this.#lazy.size > 0;
    if (also === undefined && this.#eager.size === 0 && !lazy && !this.#values.hasPending()) return;
    const writes = [...this.#eager.values(), ...(lazy ? this.#lazy.values() : [])];
    this.#db.tx('writing to the store', () => {
      this.#values.commitPending();
      for (const w of writes) w();
      also?.();
    });
    this.#values.committed();
    this.#eager.clear();
    if (lazy) this.#lazy.clear();
  }

  /** Records a fault found while reading (damaged pages): the next write or flush reports it. */
  fail(e: WeftError): void {
    this.#fault ??= e;
  }

  /** Throws the fault of a commit that failed, once; the next commit tries again. */
  throwFault(): void {
    const f = this.#fault;
    if (!f) return;
    this.#fault = undefined;
    throw f;
  }
}
