import { RunViewFold, type RunView } from '@weft/core';
import type { RunRecord, Store } from '@weft/core/store';
import type { PipelineTable } from '../pipelines/pipeline-table.js';

interface Entry {
  readonly fold: RunViewFold;
  busy: Promise<unknown>;
}

/**
 * RunView folds of runs, kept between requests (most recently used first, at most `max`): a GET
 * folds only the events logged since the last one, so asking again about a 100,000-event run costs
 * the new events, not the whole log. Folds of one run are serialised (never two readers applying the
 * same events).
 */
export class RunViews {
  readonly #store: Store;
  readonly #pipelines: PipelineTable;
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();

  constructor(store: Store, pipelines: PipelineTable, max = 256) {
    this.#store = store;
    this.#pipelines = pipelines;
    this.#max = max;
  }

  /** The run's view at its last logged event. */
  view(rec: RunRecord): Promise<RunView> {
    let e = this.#entries.get(rec.runId);
    if (e) this.#entries.delete(rec.runId);
    else {
      const registered = this.#pipelines.has(rec.pipeline) ? this.#pipelines.get(rec.pipeline) : undefined;
      const plan = registered?.plan.id === rec.planId ? registered.plan : undefined;
      e = { fold: new RunViewFold(plan), busy: Promise.resolve() };
    }
    this.#entries.set(rec.runId, e);
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    const entry = e;
    const next = entry.busy.then(async () => {
      const events = await this.#store.events.read(rec.runId, entry.fold.view.lastSeq);
      entry.fold.applyAll(events);
      return entry.fold.view;
    });
    entry.busy = next.catch(() => undefined);
    return next;
  }

  /** Drops a run's fold (after DELETE). */
  forget(runId: string): void {
    this.#entries.delete(runId);
  }
}
