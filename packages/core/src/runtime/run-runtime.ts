import type { TimerHandle } from '../clock/clock.js';
import type { Pipeline } from '../definition/pipeline.js';
import type { StateKey } from '../definition/reducers.js';
import type { ErrorHandler } from '../definition/types.js';
import { WeftError, deserializeError, serializeError } from '../errors/weft-error.js';
import type { ChainLink, TaskHooks } from '../orchestrator/types.js';
import type { SchedulerEnv } from '../scheduler/env.js';
import { ROOT, Scheduler } from '../scheduler/schedule.js';
import type {
  Effect,
  ExecState,
  Invocation,
  SchedulerEvent,
  SchedulerOutcome,
  SchedulerState,
} from '../scheduler/types.js';
import { isThenable, runErrorHandlers } from './error-handlers.js';
import type { ExecutionDeps } from './execution-deps.js';
import { ChainCarriers } from './chain-carriers.js';
import { itemSource, type ItemSource, type Pulled } from './item-source.js';
import type { LazyAbortController } from './lazy-abort.js';
import { memoPort } from './memo-port.js';
import type { RunSnapshot } from './snapshot.js';
import { sendTask, type PathInfo, type TaskPorts } from './task-dispatch.js';

/**
 * A backend lost the worker running a task and runs it again from its start elsewhere (the
 * bullmq orchestrator's optional `TaskHooks.restarted`; declared here until that hook is on the
 * shared seam, so the runtime already answers it).
 */
interface RestartHook {
  restarted(info: { readonly reason: string; readonly message: string }): void;
}

/** How the run's execution ended. */
export type ExecutionOutcome =
  | { readonly status: 'succeeded'; readonly output: unknown }
  | { readonly status: 'failed' | 'cancelled' | 'timedOut'; readonly error: WeftError }
  | {
      readonly status: 'suspended';
      readonly snapshot: RunSnapshot;
      readonly reasons: readonly { step: string; reason: string; data?: unknown }[];
    };

/** An event as fed: its time and the stream's room are filled in when its turn comes. */
type Fed = SchedulerEvent;

/**
 * The thin runtime of one run: it feeds the scheduler events (task outcomes, timers, handler
 * answers, pulled items, a drained event stream) and performs the effects it returns — dispatch to
 * the orchestrator, timers on the injected clock, events, pulls, error handlers. It decides nothing.
 */
export class RunRuntime {
  readonly #d: ExecutionDeps;
  readonly #scheduler: Scheduler;
  #state: SchedulerState;
  readonly #queue: Fed[] = [];
  #head = 0;
  #busy = false;
  readonly #controllers = new Map<number, LazyAbortController>();
  readonly #timers = new Map<string, TimerHandle>();
  readonly #sources = new Map<number, ItemSource>();
  readonly #chains: ChainCarriers;
  readonly #paths = new Map<string, PathInfo>();
  readonly #keys = new Map<string, Readonly<Record<string, StateKey>>>();
  readonly #ports: TaskPorts;
  #resolve!: (o: ExecutionOutcome) => void;
  readonly #done: Promise<ExecutionOutcome>;

  constructor(deps: ExecutionDeps) {
    this.#d = deps;
    this.#done = new Promise((r) => (this.#resolve = r));
    const o = deps.options;
    const env: SchedulerEnv = {
      plan: deps.plan,
      maxSteps: o.maxSteps,
      maxConcurrency: o.maxConcurrency,
      chunkSize: o.chunkSize,
      parallelism: deps.orchestrator.parallelism,
      defaultChunkSize: deps.orchestrator.defaultChunkSize,
      random: deps.random,
      stateKeys: (path) => this.#stateKeys(path),
      handles: (path, node) => this.#handles(path, node),
      memo: memoPort(o.memo, o.overrides),
      chains: (path) =>
        deps.orchestrator.capabilities.chains === true &&
        o.overrides.size === 0 &&
        !o.memo &&
        this.#path(path).middleware.length === 0,
    };
    this.#scheduler = new Scheduler(env);
    this.#chains = new ChainCarriers({
      done: (inv, outcome) => this.#feed({ now: 0, room: 0, t: 'done', inv, outcome }),
      unlinked: (inv) => this.#feed({ now: 0, room: 0, t: 'unlinked', inv }),
      metrics: deps.metrics,
      controllers: this.#controllers,
    });
    this.#state = this.#scheduler.initial(deps.runId, undefined);
    this.#ports = { runId: deps.runId, orchestrator: deps.orchestrator, overrides: o.overrides };
  }

  /** Starts from the beginning with `input`. */
  start(input: unknown): Promise<ExecutionOutcome> {
    this.#state = this.#scheduler.initial(this.#d.runId, input);
    this.#feed({ now: 0, room: 0, t: 'start' });
    return this.#done;
  }

  /** Continues from a snapshot (the scheduler state as it was persisted); suspended steps re-run with `resume`. */
  resume(snapshot: RunSnapshot, resumeValue: unknown): Promise<ExecutionOutcome> {
    this.#state = snapshot;
    this.#feed({ now: 0, room: 0, t: 'resume', value: resumeValue });
    return this.#done;
  }

  /** Stops everything in flight and ends with `status` (cancel, timeout, or an outer failure). */
  abort(status: 'failed' | 'cancelled' | 'timedOut', error: WeftError): void {
    this.#feed({ now: 0, room: 0, t: 'abort', status, error: serializeError(error) });
  }

  get outcome(): Promise<ExecutionOutcome> {
    return this.#done;
  }

  /** The run's own execution. */
  get #root(): ExecState {
    return this.#state.execs[ROOT]!;
  }

  /** The current run state. */
  get state(): Readonly<Record<string, unknown>> {
    return this.#root.state;
  }

  /** Outputs of every node that completed, by name (the last activation's). */
  get outputs(): Readonly<Record<string, unknown>> {
    return this.#root.outputs;
  }

  // ---------------------------------------------------------------- the loop

  /** Feeds an event; one fed while another is being handled waits its turn (events are handled in order). */
  #feed(event: Fed): void {
    this.#queue.push(event);
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#head < this.#queue.length) {
        const e = this.#queue[this.#head++]!;
        const io = e as { now: number; room: number };
        io.now = this.#d.clock.now();
        io.room = this.#d.hub.room;
        const { effects } = this.#scheduler.schedule(this.#state, e);
        for (let i = 0; i < effects.length; i++) this.#perform(effects[i]!);
      }
    } finally {
      this.#queue.length = 0;
      this.#head = 0;
      this.#busy = false;
    }
  }

  #perform(effect: Effect): void {
    switch (effect.t) {
      case 'emit':
        this.#d.emit(effect.path, effect.body);
        return;
      case 'dispatch':
        this.#dispatchId(effect.inv);
        return;
      case 'link':
        // A step the chain task ran ahead (or runs now); the scheduler hears of one it never ran.
        if (!this.#chains.take(effect.inv, effect.carrier, effect.k))
          this.#feed({ now: 0, room: 0, t: 'unlinked', inv: effect.inv });
        return;
      case 'cancel': {
        const c = this.#controllers.get(effect.inv);
        this.#controllers.delete(effect.inv);
        c?.abort(effect.error);
        return;
      }
      case 'timer': {
        const key = effect.key;
        this.#timers.set(
          key,
          this.#d.clock.setTimeout(() => {
            this.#timers.delete(key);
            this.#feed({ now: 0, room: 0, t: 'timer', key });
          }, effect.ms),
        );
        return;
      }
      case 'clearTimer': {
        const h = this.#timers.get(effect.key);
        if (h === undefined) return;
        this.#timers.delete(effect.key);
        this.#d.clock.clearTimeout(h);
        return;
      }
      case 'handle': {
        const call = effect.call;
        const exec = this.#state.execs[call.exec]!;
        const node = this.#nodeOf(exec, call.node);
        const handled = runErrorHandlers(this.#path(exec.path).pipeline, node, call.act, call.error) ?? {
          ok: false,
          error: call.error,
        };
        if (!isThenable(handled))
          this.#feed({ now: 0, room: 0, t: 'handled', handler: call, outcome: handled });
        else
          void handled.then((outcome) =>
            this.#feed({ now: 0, room: 0, t: 'handled', handler: call, outcome }),
          );
        return;
      }
      case 'pull':
        this.#pull(effect.map, effect.n);
        return;
      case 'closeSource':
        this.#sources.delete(effect.map);
        return;
      case 'waitDrain':
        void this.#d.hub.drained().then(() => this.#feed({ now: 0, room: 0, t: 'drained' }));
        return;
      case 'finish':
        this.#finish(effect.outcome);
        return;
    }
  }

  #finish(outcome: SchedulerOutcome): void {
    for (const h of this.#timers.values()) this.#d.clock.clearTimeout(h);
    this.#timers.clear();
    this.#sources.clear();
    this.#chains.clear();
    const metrics = this.#d.metrics;
    if (this.#state.queueDepthMax > metrics.queueDepthMax) metrics.queueDepthMax = this.#state.queueDepthMax;
    switch (outcome.status) {
      case 'succeeded':
        return this.#resolve(outcome);
      case 'suspended':
        return this.#resolve({ status: 'suspended', snapshot: this.#state, reasons: outcome.reasons });
      case 'failed':
      case 'cancelled':
      case 'timedOut':
        return this.#resolve({ status: outcome.status, error: deserializeError(outcome.error) });
    }
  }

  // ---------------------------------------------------------------- tasks

  /** Sends an open invocation (one cancelled in the very transition that dispatched it is not sent). */
  #dispatchId(id: number): void {
    const inv = this.#state.invs[id];
    if (inv) this.#dispatch(inv);
  }

  #dispatch(inv: Invocation): void {
    const exec = this.#state.execs[inv.exec]!;
    const node = this.#nodeOf(exec, inv.node);
    this.#d.metrics.tasks += inv.items ? inv.items.length : 1;
    const chain = inv.chain?.map((name): ChainLink => {
      const n = this.#nodeOf(exec, name);
      return { node: name, ref: n.ref!, params: n.params, version: n.version };
    });
    const { controller, outcome } = sendTask(
      this.#ports,
      exec,
      this.#path(exec.path),
      node,
      inv,
      exec.state,
      this.#hooks(inv, exec),
      chain,
    );
    this.#controllers.set(inv.id, controller);
    if (!chain) {
      void outcome.then((o) => {
        this.#controllers.delete(inv.id);
        this.#feed({ now: 0, room: 0, t: 'done', inv: inv.id, outcome: o });
      });
      return;
    }
    this.#chains.open(inv.id, controller);
    void outcome.then((o) => {
      this.#controllers.delete(inv.id);
      this.#chains.ended(inv.id, o);
    });
  }

  /** The orchestrator's callbacks for one task: tokens go straight to the event stream, the rest to the scheduler. */
  #hooks(inv: Invocation, exec: ExecState): TaskHooks & RestartHook {
    const id = inv.id;
    const chain = inv.chain !== null;
    return {
      started: () => this.#feed({ now: 0, room: 0, t: 'started', inv: id }),
      ended: () => this.#feed({ now: 0, room: 0, t: 'ended', inv: id }),
      // A chain task's tokens and checkpoints belong to the step of the chain running now.
      tokens: chain
        ? (batch) => this.#chains.during(id, (i) => this.#tokens(i, exec.path, batch))
        : (batch) => this.#tokens(id, exec.path, batch),
      checkpoint: chain
        ? (value) =>
            this.#chains.during(id, (i) => this.#feed({ now: 0, room: 0, t: 'checkpoint', inv: i, value }))
        : (value) => this.#feed({ now: 0, room: 0, t: 'checkpoint', inv: id, value }),
      link: (k, outcome) => this.#chains.reported(id, k, outcome),
      item: (index, outcome) => this.#feed({ now: 0, room: 0, t: 'item', inv: id, index, outcome }),
      items: (indices, outcomes) => this.#feed({ now: 0, room: 0, t: 'items', inv: id, indices, outcomes }),
      restarted: (info) => this.#feed({ now: 0, room: 0, t: 'restarted', inv: id, ...info }),
    };
  }

  /** A token batch of an open invocation, straight into the event stream; a promise while it is saturated. */
  #tokens(id: number, path: readonly string[], batch: unknown[]): void | Promise<void> {
    const inv = this.#state.invs[id];
    if (!inv) return;
    // A map item's tokens belong to the map's invocation (chunks are an internal matter).
    this.#d.emit(path, { type: 'token', step: inv.node, invocation: inv.map ?? id, tokens: batch });
    const hub = this.#d.hub;
    if (hub.saturated) return hub.drained();
  }

  #pull(map: number, n: number): void {
    let source = this.#sources.get(map);
    if (!source) {
      source = itemSource(this.#state.maps[map]!.act.input);
      this.#sources.set(map, source);
    }
    const r = source.pull(n);
    const feed = (p: Pulled): void => {
      if (!this.#sources.has(map)) return;
      this.#feed({
        now: 0,
        room: 0,
        t: 'pulled',
        map,
        items: p.items,
        exhausted: p.exhausted,
        ...(p.error ? { error: p.error } : {}),
      });
    };
    if (r instanceof Promise) void r.then(feed);
    else feed(r);
  }

  // ---------------------------------------------------------------- the definition, by path

  #nodeOf(exec: ExecState, name: string) {
    let plan = this.#d.plan;
    for (const p of exec.path) plan = plan.nodes[p]!.sub!;
    return plan.nodes[name]!;
  }

  /** The pipeline at a path and the middleware around its steps. */
  #path(path: readonly string[]): PathInfo {
    const key = path.join('/');
    let info = this.#paths.get(key);
    if (info) return info;
    if (path.length === 0) {
      info = { pipeline: this.#d.pipeline, middleware: this.#d.pipeline.options.middleware ?? [] };
    } else {
      const parent = this.#path(path.slice(0, -1));
      const def = parent.pipeline.nodes.find((n) => n.name === path[path.length - 1]);
      const sub = (def as { pipeline: Pipeline }).pipeline;
      // The enclosing pipelines' middleware wraps the inner steps too, outside the inner pipeline's own.
      info = { pipeline: sub, middleware: [...parent.middleware, ...(sub.options.middleware ?? [])] };
    }
    this.#paths.set(key, info);
    return info;
  }

  #stateKeys(path: readonly string[]): Readonly<Record<string, StateKey>> {
    const key = path.join('/');
    const known = this.#keys.get(key);
    if (known) return known;
    const pipeline = this.#path(path).pipeline;
    let plan = this.#d.plan;
    for (const p of path) plan = plan.nodes[p]!.sub!;
    const declared = (pipeline.options.state ?? {}) as Record<string, StateKey>;
    const keys: Record<string, StateKey> = {};
    for (const [k, spec] of Object.entries(plan.state)) {
      keys[k] = {
        reducer: spec.reducer,
        initial: spec.initial,
        ...(declared[k]?.fn ? { fn: declared[k].fn } : {}),
      };
    }
    this.#keys.set(key, keys);
    return keys;
  }

  #handles(path: readonly string[], node: string): boolean {
    const pipeline = this.#path(path).pipeline;
    const def = pipeline.nodes.find((n) => n.name === node);
    return [def?.options.onError, pipeline.options.onError].some(
      (h): h is ErrorHandler => typeof h === 'function',
    );
  }
}
