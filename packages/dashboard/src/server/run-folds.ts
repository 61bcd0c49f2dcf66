import type { ExecutionPlan } from '@weft/core';
import type { EventLog } from '@weft/core/store';
import { DashboardFold, type RunSnapshot } from '../shared/dashboard-fold.js';

interface Entry {
  readonly fold: DashboardFold;
  readonly planId: string | null;
  busy: Promise<unknown>;
  /** Aborts the tail that keeps the fold current while the run goes on. */
  following: AbortController | null;
}

/** Events read from the log per batch while catching a fold up. */
const BATCH = 10_000;

/**
 * One {@link DashboardFold} per run, kept between page loads (most recently used first, at most
 * `max`): opening the page of a 100,000-event run again folds only the events logged since, not the
 * whole log. The catch-ups of one run are serialised (never two readers applying the same events).
 * `follow` keeps a running run's fold current as its events are logged, so its page is ready at
 * once, even the first time. Events at or before a fold's last one are ignored, so a catch-up and a
 * tail can meet without counting anything twice.
 * @example
 * const folds = new RunFolds(store.events);
 * const snap = await folds.snapshot(runId, plan); // at the log's last event
 */
export class RunFolds {
  readonly #events: EventLog;
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();

  constructor(events: EventLog, max = 32) {
    this.#events = events;
    this.#max = max;
  }

  /**
   * The run's snapshot at its last logged event. Use it before the next `await`: the fold keeps
   * mutating it as later events are folded (the page's HTML is rendered from it synchronously).
   */
  snapshot(runId: string, plan: ExecutionPlan | null): Promise<RunSnapshot> {
    const entry = this.#entry(runId, plan);
    const next = entry.busy.then(async () => {
      for (;;) {
        const batch = await this.#events.read(runId, entry.fold.lastSeq, BATCH);
        for (const ev of batch) entry.fold.apply(ev);
        if (batch.length < BATCH) return entry.fold.snapshot;
      }
    });
    entry.busy = next.catch(() => undefined);
    return next;
  }

  /**
   * Folds the run's events as they are logged, until its top-level `run.finish` (an end or a
   * suspend; follow again after a resume), `forget`, `close`, or the fold leaves the cache.
   */
  follow(runId: string, plan: ExecutionPlan | null): void {
    const entry = this.#entry(runId, plan);
    if (entry.following) return;
    const ac = new AbortController();
    entry.following = ac;
    void (async () => {
      try {
        for await (const e of this.#events.tail(runId, entry.fold.lastSeq, ac.signal)) {
          entry.fold.apply(e);
          if (e.type === 'run.finish' && e.path.length === 0) break;
        }
      } catch {
        // The log could not be read: a later page load catches up with `snapshot`.
      } finally {
        ac.abort();
        if (entry.following === ac) entry.following = null;
      }
    })();
  }

  /** The last event folded for a run (undefined: no fold kept), and whether its fold follows the log. */
  state(runId: string): { readonly lastSeq: number; readonly following: boolean } | undefined {
    const e = this.#entries.get(runId);
    return e && { lastSeq: e.fold.lastSeq, following: e.following !== null };
  }

  /** Drops a run's fold (after the run was deleted). */
  forget(runId: string): void {
    this.#drop(runId);
  }

  /** Stops every tail and drops every fold. */
  close(): void {
    for (const id of [...this.#entries.keys()]) this.#drop(id);
  }

  #entry(runId: string, plan: ExecutionPlan | null): Entry {
    const planId = plan?.id ?? null;
    let e = this.#entries.get(runId);
    if (e) this.#entries.delete(runId);
    // A run resumed under another plan (or first seen without one) starts again.
    if (e && e.planId !== planId) {
      e.following?.abort();
      e = undefined;
    }
    e ??= { fold: new DashboardFold(plan ?? undefined), planId, busy: Promise.resolve(), following: null };
    this.#entries.set(runId, e);
    while (this.#entries.size > this.#max) this.#drop(this.#entries.keys().next().value!);
    return e;
  }

  #drop(runId: string): void {
    this.#entries.get(runId)?.following?.abort();
    this.#entries.delete(runId);
  }
}
