import type { RunEvent } from '@weft/core';

/** How a span ended (`running` while open). */
export const SPAN_STATUS = {
  running: 0,
  ok: 1,
  failed: 2,
  retried: 3,
  skipped: 4,
  cancelled: 5,
  suspended: 6,
} as const;

/** Marks on the timeline: a retry scheduled, a map item's error, a worker lost (WORKER_CRASHED). */
export const MARK_KIND = { retry: 1, itemError: 2, workerLost: 3 } as const;

/**
 * Timeline spans in columns (one array per field, index = span), so 10,000 spans are a few small
 * arrays in JSON and in the page. A span is one attempt of one invocation of one node; times are ms
 * after `t0` (the first event), `end` is -1 while the attempt runs. `items` counts the map items done
 * during the span.
 */
export interface TimelineData {
  t0: number | null;
  /** Qualified node ids; `row[i]` indexes this list. */
  rows: string[];
  row: number[];
  invocation: number[];
  attempt: number[];
  start: number[];
  end: number[];
  status: number[];
  items: number[];
  markRow: number[];
  markTime: number[];
  markKind: number[];
}

/** An empty timeline. */
export const emptyTimeline = (): TimelineData => ({
  t0: null,
  rows: [],
  row: [],
  invocation: [],
  attempt: [],
  start: [],
  end: [],
  status: [],
  items: [],
  markRow: [],
  markTime: [],
  markKind: [],
});

const CANCEL_CODES = new Set(['STEP_CANCELLED', 'RUN_CANCELLED']);

/**
 * Builds timeline spans from a run's events, one event at a time (O(1) each), on the server for the
 * snapshot and in the page for what follows it.
 * @example
 * const t = new TimelineBuilder();
 * for (const e of events) t.apply(e);
 * t.data.start.length; // spans
 */
export class TimelineBuilder {
  readonly data: TimelineData;
  readonly #rowOf = new Map<string, number>();
  /** `row:invocation` -> the index of its open span. */
  readonly #open = new Map<string, number>();

  constructor(data: TimelineData = emptyTimeline()) {
    this.data = data;
    data.rows.forEach((r, i) => this.#rowOf.set(r, i));
    for (let i = 0; i < data.end.length; i++)
      if (data.end[i] === -1) this.#open.set(`${data.row[i]}:${data.invocation[i]}`, i);
  }

  /** Spans so far. */
  get spanCount(): number {
    return this.data.start.length;
  }

  /** Folds one event; returns whether the drawing changed (spans or marks; not item counts). */
  apply(e: RunEvent): boolean {
    const d = this.data;
    d.t0 ??= e.time;
    const t = e.time - d.t0;
    switch (e.type) {
      case 'step.start': {
        const row = this.#row(e.path, e.step);
        const key = `${row}:${e.invocation}`;
        const prev = this.#open.get(key);
        if (prev !== undefined) this.#close(key, prev, t, SPAN_STATUS.retried);
        this.#open.set(key, d.start.length);
        d.row.push(row);
        d.invocation.push(e.invocation);
        d.attempt.push(e.attempt);
        d.start.push(t);
        d.end.push(-1);
        d.status.push(SPAN_STATUS.running);
        d.items.push(0);
        return true;
      }
      case 'step.end':
        return this.#end(e.path, e.step, e.invocation, t, SPAN_STATUS.ok);
      case 'step.error': {
        const row = this.#row(e.path, e.step);
        if (e.error.code === 'WORKER_CRASHED') this.#mark(row, t, MARK_KIND.workerLost);
        if (e.index !== undefined) {
          this.#mark(row, t, MARK_KIND.itemError);
          return true;
        }
        const status = e.willRetry
          ? SPAN_STATUS.retried
          : CANCEL_CODES.has(e.error.code)
            ? SPAN_STATUS.cancelled
            : SPAN_STATUS.failed;
        this.#end(e.path, e.step, e.invocation, t, status);
        return true;
      }
      case 'step.retry':
        this.#mark(this.#row(e.path, e.step), t, MARK_KIND.retry);
        return true;
      case 'step.skip':
        return e.invocation !== undefined && this.#end(e.path, e.step, e.invocation, t, SPAN_STATUS.skipped);
      case 'map.item': {
        const row = this.#row(e.path, e.step);
        const open = this.#open.get(`${row}:${e.invocation}`);
        if (e.ok && open !== undefined) d.items[open]!++;
        if (e.ok) return false; // a count beside the span, not drawn: no repaint of the timeline
        this.#mark(row, t, MARK_KIND.itemError);
        return true;
      }
      case 'run.suspend':
        for (const r of e.reasons) {
          const row = this.#rowOf.get([...e.path, r.step].join('/'));
          if (row === undefined) continue;
          for (const [key, i] of this.#open)
            if (d.row[i] === row) this.#close(key, i, t, SPAN_STATUS.suspended);
        }
        return true;
      case 'run.finish':
        if (e.path.length > 0) return false;
        for (const [key, i] of this.#open)
          this.#close(key, i, t, e.status === 'suspended' ? SPAN_STATUS.suspended : SPAN_STATUS.cancelled);
        return true;
      case 'run.start':
      case 'run.cancel':
      case 'run.timeout':
      case 'token':
      case 'checkpoint':
      case 'state.update':
      case 'barrier.wait':
      case 'barrier.release':
      case 'barrier.timeout':
      case 'map.start':
      case 'map.complete':
      case 'warning':
        return false;
    }
  }

  #row(path: readonly string[], step: string): number {
    const id = path.length === 0 ? step : `${path.join('/')}/${step}`;
    let r = this.#rowOf.get(id);
    if (r === undefined) {
      r = this.data.rows.length;
      this.data.rows.push(id);
      this.#rowOf.set(id, r);
    }
    return r;
  }

  #end(path: readonly string[], step: string, invocation: number, t: number, status: number): boolean {
    const key = `${this.#row(path, step)}:${invocation}`;
    const i = this.#open.get(key);
    if (i === undefined) return false;
    this.#close(key, i, t, status);
    return true;
  }

  #close(key: string, i: number, t: number, status: number): void {
    this.data.end[i] = t;
    this.data.status[i] = status;
    this.#open.delete(key);
  }

  #mark(row: number, t: number, kind: number): void {
    this.data.markRow.push(row);
    this.data.markTime.push(t);
    this.data.markKind.push(kind);
  }
}
