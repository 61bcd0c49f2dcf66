import type { RunRecord, RunStore, Store } from '@weft/core/store';
import type { RunSummary } from '../shared/boot.js';
import { runSummary } from './run-summary.js';

/** One change of the runs the store holds, numbered by the feed from 1. */
export type RunChange =
  | { readonly id: number; readonly kind: 'run'; readonly run: RunSummary }
  | { readonly id: number; readonly kind: 'gone'; readonly runId: string; readonly tenant: string | null }
  /** Runs went without the feed knowing which (a prune): a reader lists them again. */
  | { readonly id: number; readonly kind: 'reset' };

type Listener = (c: RunChange) => void;

/**
 * The runs list's live source: every change of a run record (created, started, resumed, ended,
 * deleted, marked interrupted), numbered, with the last `capacity` kept so a reader that reconnects
 * with the last id it saw gets what it missed. The store reports nothing itself, so the feed wraps
 * it: give `feed.watch(store)` to the engine (or the service) instead of the store.
 * @example
 * const feed = new RunFeed();
 * const engine = createEngine({ store: feed.watch(memoryStore()) });
 * feed.subscribe((c) => console.log(c.id, c.kind));
 */
export class RunFeed {
  readonly #capacity: number;
  readonly #kept: RunChange[] = [];
  readonly #listeners = new Set<Listener>();
  #lastId = 0;

  constructor(capacity = 1024) {
    this.#capacity = capacity;
  }

  /** The id of the last change (0 before any). */
  get lastId(): number {
    return this.#lastId;
  }

  /**
   * The changes after `after`, or null when some of them are no longer kept (the reader must list
   * the runs again). `after` beyond the last id is null too (a feed of another process).
   */
  since(after: number): readonly RunChange[] | null {
    if (after > this.#lastId) return null;
    if (after === this.#lastId) return [];
    const first = this.#kept[0];
    if (!first || first.id > after + 1) return null;
    return this.#kept.slice(after + 1 - first.id);
  }

  /** Calls `listener` with every later change; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Publishes a run record as it is now. */
  changed(rec: RunRecord): void {
    this.#push({ id: this.#lastId + 1, kind: 'run', run: runSummary(rec) });
  }

  /** Publishes a deleted run. */
  gone(runId: string, tenant: string | null): void {
    this.#push({ id: this.#lastId + 1, kind: 'gone', runId, tenant });
  }

  /** Publishes that runs went without saying which. */
  reset(): void {
    this.#push({ id: this.#lastId + 1, kind: 'reset' });
  }

  /**
   * The store with its run store watched: each write of a run record is published once it is
   * done (the record read back, so the sessions and last event number the store keeps are in it).
   * Everything else is the store itself.
   */
  watch(store: Store): Store {
    const runs = store.runs;
    const publish = async (runId: string): Promise<void> => {
      const rec = await runs.get(runId);
      if (rec) this.changed(rec);
    };
    const watched: RunStore = {
      put: async (record) => {
        await runs.put(record);
        await publish(record.runId);
      },
      get: (runId) => runs.get(runId),
      query: (q) => runs.query(q),
      delete: async (runId) => {
        const rec = await runs.get(runId);
        const deleted = await runs.delete(runId);
        if (deleted) this.gone(runId, rec?.tenant ?? null);
        return deleted;
      },
      openSession: async (runId, kind, owner) => {
        const s = await runs.openSession(runId, kind, owner);
        await publish(runId);
        return s;
      },
      closeSession: async (runId, session, status, lastSeq) => {
        await runs.closeSession(runId, session, status, lastSeq);
        await publish(runId);
      },
      sessions: (runId) => runs.sessions(runId),
      saveSnapshot: (runId, snapshot) => runs.saveSnapshot(runId, snapshot),
      loadSnapshot: (runId) => runs.loadSnapshot(runId),
      deleteSnapshot: (runId) => runs.deleteSnapshot(runId),
      reconcile: async (alive) => {
        const ids = await runs.reconcile(alive);
        for (const id of ids) await publish(id);
        return ids;
      },
      prune: async (o) => {
        const r = await runs.prune(o);
        if (r.runs > 0) this.reset();
        return r;
      },
      size: () => runs.size(),
    };
    return {
      runs: watched,
      events: store.events,
      memo: store.memo,
      locks: store.locks,
      audit: store.audit,
      values: store.values,
      owner: store.owner,
      durable: store.durable,
      close: () => store.close(),
    };
  }

  #push(c: RunChange): void {
    this.#lastId = c.id;
    this.#kept.push(c);
    if (this.#kept.length > this.#capacity) this.#kept.splice(0, this.#kept.length - this.#capacity);
    for (const l of this.#listeners) l(c);
  }
}
