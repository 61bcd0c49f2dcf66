import type { ExecutionPlan } from '@weft/core';
import type { EventLog } from '@weft/core/store';
import { DashboardFold, type RunSnapshot } from '../shared/dashboard-fold.js';

interface Entry {
  readonly fold: DashboardFold;
  readonly planId: string | null;
  busy: Promise<unknown>;
}

/** Events read from the log per batch while catching a fold up. */
const BATCH = 10_000;

/**
 * One {@link DashboardFold} per run, kept between page loads (most recently used first, at most
 * `max`): opening the page of a 100,000-event run again folds only the events logged since, not the
 * whole log. The catch-ups of one run are serialised (never two readers applying the same events).
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
   * mutating it as later calls catch up (the page's HTML is rendered from it synchronously).
   */
  snapshot(runId: string, plan: ExecutionPlan | null): Promise<RunSnapshot> {
    const planId = plan?.id ?? null;
    let e = this.#entries.get(runId);
    if (e) this.#entries.delete(runId);
    // A run resumed under another plan (or first seen without one) starts again.
    if (!e || e.planId !== planId)
      e = { fold: new DashboardFold(plan ?? undefined), planId, busy: Promise.resolve() };
    this.#entries.set(runId, e);
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    const entry = e;
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

  /** Drops a run's fold (after the run was deleted). */
  forget(runId: string): void {
    this.#entries.delete(runId);
  }
}
