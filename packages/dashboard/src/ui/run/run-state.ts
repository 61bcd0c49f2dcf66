import { signal } from '@preact/signals';
import type { ExecutionPlan, NodeView, RunEvent } from '@weft/core';
import { CHANGED, DashboardFold } from '../../shared/dashboard-fold.js';
import type { RunSummary } from '../../shared/boot.js';
import type { RunSnapshot } from '../../shared/dashboard-fold.js';
import type { Api } from '../api.js';
import { epochNow, probe } from '../instrument.js';

/** Every event name of the run stream: Weft's event types and the service's own. */
const EVENT_TYPES: readonly RunEvent['type'][] = [
  'run.start',
  'run.finish',
  'run.suspend',
  'run.cancel',
  'run.timeout',
  'step.start',
  'step.end',
  'step.error',
  'step.retry',
  'step.skip',
  'token',
  'checkpoint',
  'state.update',
  'barrier.wait',
  'barrier.release',
  'barrier.timeout',
  'map.start',
  'map.item',
  'map.complete',
  'warning',
];

/**
 * The page repaints at most this often while events stream in (ms): a run emitting thousands of
 * events a second costs a repaint every 50 ms, not one per frame. A lone event still shows at the
 * next frame.
 */
const MIN_REPAINT_MS = 50;

/** Where the page's event stream is. */
export type Connection = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * The run page's state: the fold of the snapshot and of every event that follows it, the stream
 * that brings them, and one signal per part of the page, bumped at most once per animation frame.
 */
export class RunState {
  readonly fold: DashboardFold;
  readonly snap: RunSnapshot;
  readonly run: RunSummary;
  readonly api: Api;
  /** Bumped when the part changed (read them to subscribe). */
  readonly viewTick = signal(0);
  readonly timelineTick = signal(0);
  readonly errorsTick = signal(0);
  readonly tokensTick = signal(0);
  readonly outputsTick = signal(0);
  readonly connection = signal<Connection>('idle');
  readonly selected = signal<string | null>(null);
  readonly notice = signal<{ kind: 'error' | 'info'; text: string } | null>(null);
  #source: EventSource | null = null;
  #changed = 0;
  #scheduled = false;
  #lastFlush = -Infinity;
  #liveSince = Infinity;
  #times: number[] = [];

  constructor(api: Api, run: RunSummary, plan: ExecutionPlan | null, snapshot: RunSnapshot) {
    this.api = api;
    this.run = run;
    this.fold = new DashboardFold(plan ?? undefined, snapshot);
    this.snap = this.fold.snapshot;
    probe.snapshotSeq = this.fold.lastSeq;
  }

  /** The run's status now. */
  get status(): string {
    return this.snap.view.status;
  }

  /** The node view of a qualified id (`sub/inner`), if the run has one. */
  node(id: string): NodeView | undefined {
    const parts = id.split('/');
    let nodes: Record<string, NodeView> | null = this.snap.view.nodes;
    let n: NodeView | undefined;
    for (const p of parts) {
      n = nodes?.[p];
      nodes = n?.children ?? null;
    }
    return n;
  }

  /** Live-update latencies count from now on (events emitted after the page was ready). */
  markLive(): void {
    this.#liveSince = epochNow();
  }

  /** Follows the run's events after the fold's last seq, unless the run has ended. */
  follow(): void {
    const s = this.status;
    if (s !== 'running' && s !== 'pending') {
      this.#connect('ended');
      return;
    }
    this.#open();
  }

  /** Follows again (after Resume). */
  refollow(): void {
    this.#source?.close();
    this.#open();
  }

  /** Closes the stream. */
  close(): void {
    this.#source?.close();
    this.#source = null;
  }

  #open(): void {
    const es = new EventSource(this.api.eventStream(this.run.runId, this.fold.lastSeq));
    this.#source = es;
    this.#connect('connecting');
    es.onopen = () => {
      probe.connections++;
      this.#connect('live');
    };
    es.onerror = () => {
      this.#connect(es.readyState === EventSource.CLOSED ? 'ended' : 'reconnecting');
    };
    const onEvent = (m: MessageEvent<string>): void => this.#onEvent(JSON.parse(m.data) as RunEvent);
    for (const t of EVENT_TYPES) es.addEventListener(t, onEvent);
    es.addEventListener('end', () => {
      es.close();
      if (this.#source === es) this.#connect('ended');
    });
    es.addEventListener('reset', () => {
      // The events after our snapshot are no longer kept: start again from a fresh snapshot.
      es.close();
      location.reload();
    });
    es.addEventListener('shutdown', () => {
      this.#connect('reconnecting');
    });
    // The service could not read the log (its `error` event has data; a dropped connection has none).
    es.addEventListener('error', (m: Event) => {
      if (!(m instanceof MessageEvent) || typeof m.data !== 'string') return;
      const { code, message } = JSON.parse(m.data) as { code?: string; message?: string };
      this.notice.value = {
        kind: 'error',
        text: `${code ?? 'ERROR'}: ${message ?? 'the event stream failed'}`,
      };
    });
  }

  /** An event, or the service's merged frame of consecutive tokens (`seqFrom`..`seq`). */
  #onEvent(e: RunEvent & { readonly seqFrom?: number }): void {
    const before = this.fold.lastSeq;
    const changed = this.fold.apply(e);
    if (changed === 0) return;
    if (e.seqFrom !== undefined) probe.merged++;
    for (let s = Math.max(e.seqFrom ?? e.seq, before + 1); s <= e.seq; s++) probe.seen.push(s);
    this.#changed |= changed;
    if (e.time >= this.#liveSince) this.#times.push(e.time);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const later = (): void => {
      if (this.#scheduled) this.#flush();
    };
    const wait = MIN_REPAINT_MS - (performance.now() - this.#lastFlush);
    if (document.hidden) setTimeout(later, Math.max(wait, 100));
    else if (wait > 0) setTimeout(() => requestAnimationFrame(later), wait);
    else requestAnimationFrame(later);
  }

  /** Renders the folded changes not shown yet. */
  #flush(): void {
    this.#scheduled = false;
    this.#lastFlush = performance.now();
    const c = this.#changed;
    this.#changed = 0;
    if (c & CHANGED.view) this.viewTick.value++;
    if (c & CHANGED.timeline) this.timelineTick.value++;
    if (c & CHANGED.errors) this.errorsTick.value++;
    if (c & CHANGED.tokens) this.tokensTick.value++;
    if (c & CHANGED.outputs) this.outputsTick.value++;
    const times = this.#times;
    this.#times = [];
    if (times.length > 0)
      // Preact renders the signals' subscribers in a microtask queued before this one.
      queueMicrotask(() => {
        const now = epochNow();
        for (const t of times) probe.latencies.push(now - t);
      });
  }

  /**
   * Sets the connection state, first rendering the changes still waiting for a repaint: the header
   * re-renders on it and reads the fold, so every view must show the same events (the run's end is
   * never shown before its last tokens).
   */
  #connect(c: Connection): void {
    if (this.#scheduled) this.#flush();
    this.connection.value = c;
  }
}

/** Reads signals so the calling component re-renders when any of them changes. */
export function watch(...ticks: readonly { readonly value: number }[]): number {
  let sum = 0;
  for (const t of ticks) sum += t.value;
  return sum;
}
