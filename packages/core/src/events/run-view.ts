/**
 * The RunView fold: a run's events folded into per-node state, for the HTTP service
 * (`GET /v1/runs/{id}`), the dashboard and `weft runs <id>`. Pure: no I/O, no clock. A map is one
 * node with counters however many items it has; sub-pipelines nest under their node by path; the
 * edges actually taken are counted when the plan is known.
 */
import type { ExecutionPlan } from '../plan/execution-plan.js';
import type { RunEvent } from './types.js';
import type { EdgeTaken, NodeView, RunView } from './run-view-types.js';

export type { EdgeTaken, NodeError, NodeState, NodeView, RunView } from './run-view-types.js';

const newNode = (): NodeView => ({
  state: 'pending',
  invocations: 0,
  attempts: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  skipped: 0,
  retries: 0,
  tokens: 0,
  items: null,
  join: null,
  lastError: null,
  suspend: null,
  firstStartedAt: null,
  lastEndedAt: null,
  children: null,
});

/** Bookkeeping beside a node view that the view does not show. */
interface NodeTrack {
  pendingRetries: number;
  last: 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'suspended' | null;
}

const CANCEL_CODES = new Set(['STEP_CANCELLED', 'RUN_CANCELLED']);

/**
 * Folds events into a {@link RunView}, one at a time (O(1) per event). `view` is the live object:
 * read it (or serialise it) between `apply` calls.
 * @example
 * const fold = new RunViewFold(plan);
 * for (const e of events) fold.apply(e);
 * fold.view.nodes['square'].items; // { total: 10000, done: 10000, failed: 0, cached: 0 }
 */
export class RunViewFold {
  readonly view: RunView;
  readonly #plan: ExecutionPlan | undefined;
  readonly #track = new WeakMap<NodeView, NodeTrack>();
  readonly #edges = new Map<string, EdgeTaken>();
  /** Reverse routes per plan: target -> nodes that may route to it dynamically. */
  readonly #routedFrom = new WeakMap<ExecutionPlan, Map<string, string[]>>();

  constructor(plan?: ExecutionPlan) {
    this.#plan = plan;
    this.view = {
      runId: null,
      pipeline: plan?.name ?? null,
      planId: plan?.id ?? null,
      orchestrator: null,
      status: 'pending',
      sessions: 0,
      lastSeq: 0,
      events: 0,
      tokens: 0,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      error: null,
      suspended: [],
      nodes: plan ? nodesOf(plan) : {},
      edges: [],
    };
  }

  /** Folds one event. */
  apply(e: RunEvent): void {
    const v = this.view;
    v.lastSeq = e.seq;
    v.events++;
    v.runId ??= e.runId;
    switch (e.type) {
      case 'run.start':
        if (e.path.length > 0) return;
        v.sessions++;
        v.status = 'running';
        v.pipeline = e.pipeline;
        v.planId = e.planId;
        v.orchestrator = e.orchestrator;
        v.startedAt ??= e.time;
        v.finishedAt = null;
        v.durationMs = null;
        v.error = null;
        v.suspended = [];
        return;
      case 'run.finish':
        if (e.path.length > 0) return;
        v.status = e.status;
        v.finishedAt = e.time;
        v.durationMs = e.durationMs;
        v.error = e.error ? { code: e.error.code, message: e.error.message } : null;
        if (e.status !== 'suspended') this.#settleAll(v.nodes);
        return;
      case 'run.suspend':
        v.suspended = e.reasons.map((r) => ({ ...r }));
        for (const r of e.reasons) {
          const n = this.#node(e.path, r.step);
          const t = this.#t(n);
          n.running = 0;
          t.pendingRetries = 0;
          t.last = 'suspended';
          n.suspend = { reason: r.reason, ...(r.data !== undefined ? { data: r.data } : {}) };
          this.#state(n);
        }
        return;
      case 'run.cancel':
      case 'run.timeout':
      case 'state.update':
      case 'checkpoint':
      case 'warning':
        return;
      case 'step.start': {
        const n = this.#node(e.path, e.step);
        const t = this.#t(n);
        n.attempts++;
        n.running++;
        n.suspend = null;
        if (e.attempt === 1) {
          n.invocations++;
          this.#edgesInto(e.path, e.step);
        } else if (t.pendingRetries > 0) t.pendingRetries--;
        n.firstStartedAt ??= e.time;
        this.#state(n);
        return;
      }
      case 'step.end': {
        const n = this.#node(e.path, e.step);
        this.#end(n, e.time, 'succeeded');
        n.succeeded++;
        this.#state(n);
        return;
      }
      case 'step.error': {
        const n = this.#node(e.path, e.step);
        n.lastError = {
          code: e.error.code,
          message: e.error.message,
          ...(e.error.stack !== undefined ? { stack: e.error.stack } : {}),
          invocation: e.invocation,
          attempt: e.attempt,
          ...(e.index !== undefined ? { index: e.index } : {}),
          willRetry: e.willRetry,
        };
        if (e.index !== undefined) return; // a map item's attempt: the map goes on
        const cancelled = CANCEL_CODES.has(e.error.code);
        this.#end(n, e.time, e.willRetry ? null : cancelled ? 'cancelled' : 'failed');
        if (e.willRetry) this.#t(n).pendingRetries++;
        else if (!cancelled) n.failed++;
        this.#state(n);
        return;
      }
      case 'step.retry': {
        const n = this.#node(e.path, e.step);
        n.retries++;
        return;
      }
      case 'step.skip': {
        const n = this.#node(e.path, e.step);
        n.skipped++;
        if (e.invocation !== undefined) this.#end(n, e.time, 'skipped');
        else this.#t(n).last ??= 'skipped';
        this.#state(n);
        return;
      }
      case 'token': {
        const count = e.tokens.length;
        this.#node(e.path, e.step).tokens += count;
        v.tokens += count;
        return;
      }
      case 'barrier.wait': {
        const n = this.#node(e.path, e.step);
        n.join = { arrived: e.arrived, expected: e.expected, released: false, timedOut: false };
        this.#edge(e.path, e.from, e.step);
        return;
      }
      case 'barrier.release': {
        const n = this.#node(e.path, e.step);
        const expected = n.join?.expected ?? e.arrived.length;
        n.join = { arrived: e.arrived.length, expected, released: true, timedOut: false };
        return;
      }
      case 'barrier.timeout': {
        const n = this.#node(e.path, e.step);
        n.join = {
          arrived: e.arrived.length,
          expected: e.arrived.length + e.missing.length,
          released: false,
          timedOut: true,
        };
        return;
      }
      case 'map.start': {
        const n = this.#node(e.path, e.step);
        const items = (n.items ??= { total: 0, done: 0, failed: 0, cached: 0 });
        items.total = items.total === null || e.total === null ? null : items.total + e.total;
        return;
      }
      case 'map.item': {
        const items = (this.#node(e.path, e.step).items ??= { total: null, done: 0, failed: 0, cached: 0 });
        if (e.ok) items.done++;
        else items.failed++;
        if (e.cached) items.cached++;
        return;
      }
      case 'map.complete': {
        const items = this.#node(e.path, e.step).items;
        // A map of unknown size knows it now.
        if (items && items.total === null) items.total = items.done + items.failed;
        return;
      }
    }
  }

  /** Folds many events. */
  applyAll(events: Iterable<RunEvent>): this {
    for (const e of events) this.apply(e);
    return this;
  }

  /**
   * A fold that continues from a view serialised at event n (the dashboard follows a run in the
   * browser from the service's snapshot): apply the events after `view.lastSeq` to it. The fold takes
   * `view` over and mutates it. What the view does not show is rebuilt from it: a node `running` with
   * no invocation running waits for a retry; a settled node keeps its state until its next event.
   * @example
   * const fold = RunViewFold.from(JSON.parse(snapshotJson), plan);
   * for (const e of eventsAfter(fold.view.lastSeq)) fold.apply(e);
   */
  static from(view: RunView, plan?: ExecutionPlan): RunViewFold {
    const fold = new RunViewFold(plan);
    Object.assign(fold.view, view);
    fold.#seed(fold.view.nodes);
    for (const e of fold.view.edges) fold.#edges.set(edgeKey(e.path, e.from, e.to), e);
    return fold;
  }

  #seed(nodes: Record<string, NodeView>): void {
    for (const n of Object.values(nodes)) {
      const t = this.#t(n);
      if (n.state === 'running') t.pendingRetries = n.running === 0 ? 1 : 0;
      else if (n.state !== 'pending') t.last = n.state;
      if (n.children) this.#seed(n.children);
    }
  }

  #t(n: NodeView): NodeTrack {
    let t = this.#track.get(n);
    if (!t) {
      t = { pendingRetries: 0, last: null };
      this.#track.set(n, t);
    }
    return t;
  }

  #end(n: NodeView, time: number, outcome: NodeTrack['last']): void {
    if (n.running > 0) n.running--;
    n.lastEndedAt = time;
    if (outcome !== null) this.#t(n).last = outcome;
  }

  #state(n: NodeView): void {
    const t = this.#t(n);
    n.state = n.running > 0 || t.pendingRetries > 0 ? 'running' : (t.last ?? 'pending');
  }

  /** The run ended (not suspended): what was still in flight was cancelled. */
  #settleAll(nodes: Record<string, NodeView>): void {
    for (const n of Object.values(nodes)) {
      const t = this.#t(n);
      if (n.running > 0 || t.pendingRetries > 0) {
        n.running = 0;
        t.pendingRetries = 0;
        t.last = 'cancelled';
        this.#state(n);
      }
      if (n.children) this.#settleAll(n.children);
    }
  }

  /** The node `step` at sub-pipeline `path`, created when the plan did not list it. */
  #node(path: readonly string[], step: string): NodeView {
    let nodes = this.view.nodes;
    for (const p of path) {
      const parent = (nodes[p] ??= newNode());
      nodes = parent.children ??= {};
    }
    return (nodes[step] ??= newNode());
  }

  /** A first attempt of `to` started: count the plan edges from parents that have completed. */
  #edgesInto(path: readonly string[], to: string): void {
    const plan = this.#planAt(path);
    const node = plan?.nodes[to];
    if (!plan || !node || (node.join !== null && node.parents.length > 1)) return;
    const from = [...node.parents, ...(this.#routes(plan).get(to) ?? [])];
    for (const f of from) {
      const n = this.#node(path, f);
      if (n.succeeded > 0) this.#edge(path, f, to);
    }
  }

  #edge(path: readonly string[], from: string, to: string): void {
    const key = edgeKey(path, from, to);
    const edge = this.#edges.get(key);
    if (edge) {
      edge.count++;
      return;
    }
    const created: EdgeTaken = { path: [...path], from, to, count: 1 };
    this.#edges.set(key, created);
    this.view.edges.push(created);
  }

  #planAt(path: readonly string[]): ExecutionPlan | undefined {
    let plan = this.#plan;
    for (const p of path) plan = plan?.nodes[p]?.sub ?? undefined;
    return plan;
  }

  #routes(plan: ExecutionPlan): Map<string, string[]> {
    let m = this.#routedFrom.get(plan);
    if (!m) {
      m = new Map();
      for (const n of Object.values(plan.nodes))
        for (const r of n.routes) if (!n.to.includes(r)) m.set(r, [...(m.get(r) ?? []), n.name]);
      this.#routedFrom.set(plan, m);
    }
    return m;
  }
}

const edgeKey = (path: readonly string[], from: string, to: string): string =>
  `${path.join('/')}\u0000${from}\u0000${to}`;

/** Every node of a plan as `pending`, subs with their children. */
function nodesOf(plan: ExecutionPlan): Record<string, NodeView> {
  const out: Record<string, NodeView> = {};
  for (const node of Object.values(plan.nodes).sort((a, b) => a.index - b.index)) {
    const v = newNode();
    if (node.kind === 'map') v.items = { total: 0, done: 0, failed: 0, cached: 0 };
    if (node.join !== null && node.parents.length > 1)
      v.join = { arrived: 0, expected: node.parents.length, released: false, timedOut: false };
    if (node.sub) v.children = nodesOf(node.sub);
    out[node.name] = v;
  }
  return out;
}

/**
 * Folds a whole event stream at once.
 * @example const view = foldRunView(events, plan); view.status; // 'succeeded'
 */
export function foldRunView(events: Iterable<RunEvent>, plan?: ExecutionPlan): RunView {
  return new RunViewFold(plan).applyAll(events).view;
}
