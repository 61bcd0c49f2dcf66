import type { WeftError } from '@weft/core';
import type { Db } from './db.js';
import type { SqliteValueBackend } from './sqlite-values.js';

/** One buffered write of the memo (an entry, a checkpoint). */
export type PendingWrite = () => void;

/** Writes buffered at most this many before they are committed at once. */
const BATCH = 4096;

/** Writes are committed at most this long after they were buffered. */
const COMMIT_MS = 10;

/**
 * The store's one writer: memo entries, checkpoints and values are buffered and committed in one
 * transaction (at {@link BATCH} writes, at the end of the event-loop turn, or with the next event
 * batch), so 100,000 memoised map items cost a few hundred commits, not 100,000. A commit that fails
 * (disk full) keeps the buffer and is reported by the next call that writes or flushes.
 */
export class SqliteWriter {
  readonly #db: Db;
  readonly #values: SqliteValueBackend;
  readonly #pending = new Map<string, PendingWrite>();
  #scheduled = false;
  #fault: WeftError | undefined;

  constructor(db: Db, values: SqliteValueBackend) {
    this.#db = db;
    this.#values = values;
  }

  /** Buffers a write under a key (a later write of the same key replaces it). */
  buffer(key: string, write: PendingWrite): void {
    this.throwFault();
    this.#pending.delete(key);
    this.#pending.set(key, write);
    if (this.#pending.size >= BATCH) this.commit();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      // Soon, not at once: a map's items land in the same commit (the event log's next batch, or this).
      setTimeout(() => {
        this.#scheduled = false;
        if (!this.#db.open) return;
        try {
          this.commit();
        } catch (e) {
          // Reported by the next write or flush.
          this.#fault = e as WeftError;
        }
      }, COMMIT_MS).unref();
    }
  }

  /** True when a write for `key` waits. */
  has(key: string): boolean {
    return this.#pending.has(key);
  }

  /** Commits the buffer (and `also`, in the same transaction). */
  commit(also?: () => void): void {
    this.throwFault();
    if (also === undefined && this.#pending.size === 0 && !this.#values.hasPending()) return;
    const writes = [...this.#pending.values()];
    this.#db.tx('writing to the store', () => {
      this.#values.commitPending();
      for (const w of writes) w();
      also?.();
    });
    this.#values.committed();
    this.#pending.clear();
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
