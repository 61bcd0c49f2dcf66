import { RunViewFold, type ExecutionPlan, type RunEvent, type RunMetrics, type RunView } from '@weft/core';
import { ErrorGroups, type ErrorGroup } from './error-groups.js';
import { OutputPreviews, type OutputPreview } from './output-previews.js';
import { TimelineBuilder, type TimelineData } from './timeline-builder.js';
import { TokenLog, type TokenText } from './token-log.js';

/**
 * What the run page shows, folded from a run's events up to `view.lastSeq`: per-node state (the
 * RunView of core), timeline spans, errors by code, the token text per step and output previews. Plain data: the
 * server sends it as JSON, the page continues it with the events after `view.lastSeq`.
 */
export interface RunSnapshot {
  readonly view: RunView;
  readonly timeline: TimelineData;
  readonly errors: ErrorGroup[];
  readonly tokens: TokenText[];
  readonly outputs: Record<string, OutputPreview>;
  /** The `time` of the last event folded (the engine's clock: ms, not necessarily epoch). */
  lastTime: number | null;
  /** The metrics of the last session that ended (its `run.finish`). */
  metrics: RunMetrics | null;
  /**
   * Events never folded: the log no longer held them when this fold read it (a store keeps a
   * bounded number per run). Non-zero means the counts start after them.
   */
  missed: number;
}

/** What one event changed, as bits (the page repaints only those parts). */
export const CHANGED = { view: 1, timeline: 2, errors: 4, tokens: 8, outputs: 16 } as const;

/**
 * Folds a run's events into a {@link RunSnapshot}, one at a time; on the server from the first event,
 * in the page from a snapshot at event n.
 * @example
 * const fold = new DashboardFold(plan);
 * for (const e of events) fold.apply(e);
 * JSON.stringify(fold.snapshot); // what the page boots from
 */
export class DashboardFold {
  readonly snapshot: RunSnapshot;
  readonly #view: RunViewFold;
  readonly #timeline: TimelineBuilder;
  readonly #errors: ErrorGroups;
  readonly #tokens: TokenLog;
  readonly #outputs: OutputPreviews;

  /** A fold from the start (no `from`), or continuing a snapshot (which it then mutates). */
  constructor(plan?: ExecutionPlan, from?: RunSnapshot) {
    this.#view = from ? RunViewFold.from(from.view, plan) : new RunViewFold(plan);
    this.#timeline = new TimelineBuilder(from?.timeline);
    this.#errors = new ErrorGroups(from?.errors);
    this.#tokens = new TokenLog(from?.tokens);
    this.#outputs = new OutputPreviews(from?.outputs);
    this.snapshot = {
      view: this.#view.view,
      timeline: this.#timeline.data,
      errors: this.#errors.groups,
      tokens: this.#tokens.steps,
      outputs: this.#outputs.previews,
      lastTime: from?.lastTime ?? null,
      metrics: from?.metrics ?? null,
      missed: from?.missed ?? 0,
    };
  }

  /** The seq of the last event folded. */
  get lastSeq(): number {
    return this.#view.view.lastSeq;
  }

  /**
   * Folds one event and returns what changed ({@link CHANGED} bits). An event at or before
   * `lastSeq` is ignored (0): following a stream after a reconnect never counts twice.
   */
  apply(e: RunEvent): number {
    const last = this.#view.view.lastSeq;
    if (e.seq <= last) return 0;
    // A frame of merged tokens (the service's SSE) starts at `seqFrom`: no gap when that follows on.
    const first = (e as { readonly seqFrom?: number }).seqFrom ?? e.seq;
    if (first > last + 1) this.snapshot.missed += first - last - 1;
    this.#view.apply(e);
    this.snapshot.lastTime = e.time;
    if (e.type === 'run.finish' && e.path.length === 0) this.snapshot.metrics = e.metrics;
    let changed = CHANGED.view;
    if (this.#timeline.apply(e)) changed |= CHANGED.timeline;
    if (this.#errors.apply(e)) changed |= CHANGED.errors;
    if (this.#tokens.apply(e)) changed |= CHANGED.tokens;
    if (this.#outputs.apply(e)) changed |= CHANGED.outputs;
    return changed;
  }
}
