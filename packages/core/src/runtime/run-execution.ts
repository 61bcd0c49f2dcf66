import type { TimerHandle } from '../clock/clock.js';
import { isControl, type Control, type StatePatch } from '../definition/control.js';
import type { ErrorHandler, Middleware, StepCode } from '../definition/types.js';
import { WeftError, deserializeError, isWeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { EventBody } from '../events/types.js';
import type { ExecutionPlan, PlanNode } from '../plan/execution-plan.js';
import type { ItemOutcome, TaskHooks, TaskOutcome } from '../orchestrator/types.js';
import { backoffDelay, isRetryable } from '../scheduler/backoff.js';
import { Barrier } from '../supervisor/barrier-machine.js';
import type { ExecutionDeps, TaskSlots } from './execution-deps.js';
import { MapRun, toItemSource, type MapDeps } from './map-run.js';
import type { ActivationData, RunSnapshot } from './snapshot.js';
import { LazyAbortController, withLazySignal } from './lazy-abort.js';
import { StateBox } from './state-box.js';

/** How an execution (a run, or a sub-pipeline inside one) ended. */
export type ExecutionOutcome =
  | { readonly status: 'succeeded'; readonly output: unknown }
  | { readonly status: 'failed' | 'cancelled' | 'timedOut'; readonly error: WeftError }
  | { readonly status: 'suspended'; readonly snapshot: RunSnapshot; readonly reasons: readonly { step: string; reason: string; data?: unknown }[] };

interface Inflight {
  readonly id: number;
  readonly node: PlanNode;
  readonly act: ActivationData;
  readonly controller: LazyAbortController;
  readonly kind: 'step' | 'items' | 'sub';
  readonly stateVersion: number;
  startedAt: number | null;
  timer: TimerHandle | null;
  lastCheckpoint: unknown;
  /** Idempotency key of this invocation (set when a memo hook is installed). */
  memoKey?: string | undefined;
  map?: MapRun;
  abortSub?: (e: WeftError) => void;
}

interface BarrierRun {
  readonly barrier: Barrier;
  readonly inputs: Record<string, unknown>;
  readonly firstAt: number;
  timer: TimerHandle | null;
}

/**
 * Executes one plan: the scheduler (ready queue, quotas, retry timers, map chunking) and the
 * per-join barrier machines. Per-invocation bookkeeping is plain data. A sub-pipeline runs as a
 * nested execution sharing the run's event stream, clock and orchestrator.
 */
export class RunExecution {
  readonly #d: ExecutionDeps;
  readonly #plan: ExecutionPlan;
  readonly #state: StateBox;
  readonly #outputs: Record<string, unknown> = {};
  readonly #ready: ActivationData[] = [];
  readonly #inflight = new Map<number, Inflight>();
  readonly #runningByNode = new Map<string, number>();
  readonly #barriers = new Map<string, BarrierRun>();
  readonly #anyPending = new Map<string, Set<string>>();
  readonly #maps = new Map<number, MapRun>();
  readonly #timers = new Set<TimerHandle>();
  readonly #suspended: (ActivationData & { reason: string; data?: unknown })[] = [];
  #input: unknown;
  #activations = 0;
  /** Task slots shared with the parent and sub-pipelines: `maxConcurrency` bounds the whole run. */
  readonly #slots: TaskSlots;
  readonly #wake = (): void => queueMicrotask(() => this.#pump());
  #mode: 'idle' | 'running' | 'suspending' | 'done' = 'idle';
  #stopOutput: { value: unknown } | undefined;
  #waitingForDrain = false;
  #pumping = false;
  #repump = false;
  /** Async error handlers still running. */
  #handling = 0;
  #resolve!: (o: ExecutionOutcome) => void;
  readonly #done: Promise<ExecutionOutcome>;

  constructor(deps: ExecutionDeps, plan: ExecutionPlan) {
    this.#d = deps;
    this.#slots = deps.slots ?? { inflight: 0, starved: new Set() };
    this.#plan = plan;
    this.#state = new StateBox(plan, deps.pipeline);
    this.#done = new Promise((r) => (this.#resolve = r));
  }

  /** Starts from the beginning with `input`. */
  start(input: unknown): Promise<ExecutionOutcome> {
    this.#input = input;
    this.#mode = 'running';
    this.#enqueue({ node: this.#plan.root, input, from: null, attempt: 1 });
    this.#pump();
    return this.#done;
  }

  /** Continues from a snapshot; suspended activations re-run with `resume` in their context. */
  resume(snapshot: RunSnapshot, resumeValue: unknown): Promise<ExecutionOutcome> {
    this.#input = snapshot.input;
    this.#state.restore(snapshot.state);
    Object.assign(this.#outputs, snapshot.outputs);
    this.#activations = snapshot.activations;
    for (const [k, v] of Object.entries(snapshot.anyPending)) this.#anyPending.set(k, new Set(v));
    for (const b of snapshot.barriers) {
      const node = this.#plan.nodes[b.node]!;
      const barrier = new Barrier(node.join ?? 'all', node.parents);
      for (const [from, how] of Object.entries(b.arrived)) barrier.send({ type: 'ARRIVE', from, skipped: how === 'skipped' });
      this.#barriers.set(b.node, { barrier, inputs: { ...b.inputs }, firstAt: b.firstAt, timer: null });
    }
    this.#mode = 'running';
    for (const a of snapshot.ready) this.#ready.push(a);
    for (const s of snapshot.suspended) {
      const { reason: _r, data: _d, ...act } = s;
      this.#ready.push({ ...act, resume: { value: resumeValue } });
    }
    this.#pump();
    return this.#done;
  }

  /** Stops everything in flight and ends with `status` (cancel, timeout, or an outer failure). */
  abort(status: 'failed' | 'cancelled' | 'timedOut', error: WeftError): void {
    this.#finish({ status, error });
  }

  get outcome(): Promise<ExecutionOutcome> {
    return this.#done;
  }

  /** The current run state. */
  get state(): Readonly<Record<string, unknown>> {
    return this.#state.value;
  }

  /** Outputs of every node that completed, by name (the last activation's). */
  get outputs(): Readonly<Record<string, unknown>> {
    return this.#outputs;
  }

  // ---------------------------------------------------------------- scheduling

  #enqueue(a: ActivationData): void {
    if (++this.#activations > this.#d.options.maxSteps) {
      this.#fail(new WeftError('STEP_LIMIT', `more than ${this.#d.options.maxSteps} step activations: a loop that never ends? (raise maxSteps to allow more)`));
      return;
    }
    this.#ready.push(a);
    const depth = this.#ready.length;
    if (depth > this.#d.metrics.queueDepthMax) this.#d.metrics.queueDepthMax = depth;
  }

  #pump(): void {
    if (this.#pumping) {
      // Called from inside a pump (say, a map that completed at once): the outer pump goes round again.
      this.#repump = true;
      return;
    }
    if (this.#mode === 'idle' || this.#mode === 'done') return;
    this.#pumping = true;
    try {
      do {
        this.#repump = false;
        while (this.#mode === 'running') {
          if (this.#d.hub.saturated) {
            this.#waitDrain();
            break;
          }
          if (!this.#slotFree()) break;
          const i = this.#ready.findIndex((a) => this.#hasCapacity(this.#plan.nodes[a.node]!));
          if (i < 0) break;
          const [act] = this.#ready.splice(i, 1);
          this.#activate(act!);
        }
        // A map that has started cannot be snapshotted half-way: it goes on while the run suspends.
        for (const m of this.#maps.values()) {
          if ((this.#mode as string) === 'done') break;
          if (this.#d.hub.saturated) {
            this.#waitDrain();
            break;
          }
          m.fill();
        }
      } while (this.#repump && (this.#mode as string) !== 'done');
    } finally {
      this.#pumping = false;
    }
    this.#maybeFinish();
  }

  #waitDrain(): void {
    if (this.#waitingForDrain) return;
    this.#waitingForDrain = true;
    void this.#d.hub.drained().then(() => {
      this.#waitingForDrain = false;
      this.#pump();
    });
  }

  #hasCapacity(node: PlanNode): boolean {
    const limit = node.kind === 'map' ? null : node.concurrency;
    return limit === null || (this.#runningByNode.get(node.name) ?? 0) < limit;
  }

  #activate(act: ActivationData): void {
    const node = this.#plan.nodes[act.node];
    if (!node) {
      this.#fail(new WeftError('UNKNOWN_TARGET', `no step "${act.node}" in "${this.#plan.name}"`));
      return;
    }
    if (this.#anyPending.size > 0) {
      // A parent that lost an ANY race (or missed a barrier timeout) before it started does not run.
      for (const [join, losers] of this.#anyPending) {
        if (!losers.has(act.node)) continue;
        this.#skip(act.node, `lost the race into "${join}"`);
        return;
      }
    }
    const memoKey = this.#memoKey(node, act);
    if (memoKey !== undefined) {
      const hit = this.#d.options.memo!.get(memoKey);
      if (hit) {
        this.#onValue(node, act, hit.value, null, true);
        return;
      }
    }
    if (node.kind === 'map') {
      this.#startMap(node, act, memoKey);
      return;
    }
    this.#runningByNode.set(node.name, (this.#runningByNode.get(node.name) ?? 0) + 1);
    const inv = this.#newInflight(node, act, node.kind === 'sub' ? 'sub' : 'step');
    if (memoKey !== undefined) {
      inv.memoKey = memoKey;
      const cp = inv.lastCheckpoint === undefined ? this.#d.options.memo!.lastCheckpoint?.(memoKey) : undefined;
      if (cp) inv.lastCheckpoint = cp.value;
    }
    this.#emit({ type: 'step.start', step: node.name, invocation: inv.id, attempt: act.attempt });
    if (node.kind === 'sub') {
      this.#runSub(inv);
      return;
    }
    this.#d.metrics.tasks++;
    this.#slots.inflight++;
    void this.#dispatch(inv, { kind: 'step', input: act.input }).then((o) => this.#onStepOutcome(inv, o));
  }

  #newInflight(node: PlanNode, act: ActivationData, kind: Inflight['kind']): Inflight {
    const inv: Inflight = {
      id: this.#d.ids.next++,
      node,
      act,
      controller: new LazyAbortController(),
      kind,
      stateVersion: this.#state.version,
      startedAt: null,
      timer: null,
      lastCheckpoint: act.lastCheckpoint,
    };
    this.#inflight.set(inv.id, inv);
    return inv;
  }

  /** Sends a task through middleware to the orchestrator; never rejects. */
  async #dispatch(
    inv: Inflight,
    body: { kind: 'step'; input: unknown } | { kind: 'items'; items: unknown[]; baseIndex: number; attempts: number[] },
  ): Promise<TaskOutcome> {
    const { node, act } = inv;
    const overrides = this.#d.options.overrides;
    const override = overrides.size === 0 ? undefined : overrides.get([...this.#d.path, node.name].join('/'));
    const task = withLazySignal({
      id: inv.id,
      runId: this.#d.runId,
      path: this.#d.path,
      node: node.name,
      ref: node.ref!,
      ...(override ? { code: override } : {}),
      ...body,
      attempt: act.attempt,
      state: this.#state.value,
      params: node.params,
      ...(act.resume ? { resume: act.resume.value } : {}),
      ...(inv.lastCheckpoint !== undefined ? { lastCheckpoint: inv.lastCheckpoint } : {}),
      placement: node.placement,
      ...(node.io ? { io: true } : {}),
      version: node.version,
      // The signal is created only if the orchestrator or the step reads it (see lazy-abort.ts).
      cancel: inv.controller,
    });
    const hooks: TaskHooks = {
      started: () => this.#onStarted(inv, body.kind === 'items' ? body.items.length : 1),
      tokens: (batch) => this.#onTokens(inv, batch),
      checkpoint: (value) => {
        if (this.#mode === 'done' || !this.#inflight.has(inv.id)) return;
        inv.lastCheckpoint = value;
        if (inv.memoKey !== undefined) {
          try {
            this.#d.options.memo?.checkpoint?.(inv.memoKey, value);
          } catch (e) {
            this.#emit({ type: 'warning', code: 'NOT_SERIALIZABLE', step: node.name, message: `checkpoint not persisted: ${(e as Error).message}` });
          }
        }
        this.#emit({ type: 'checkpoint', step: node.name, invocation: inv.map?.id ?? inv.id, value });
      },
      item: (index, outcome) => inv.map?.onItem(inv, index, outcome),
    };
    const call = (): Promise<TaskOutcome> => this.#d.orchestrator.run(task, hooks);
    const middleware = this.#d.middleware;
    try {
      if (middleware.length === 0 || body.kind === 'items') return await call();
      return await runMiddleware(middleware, { runId: this.#d.runId, step: node.name, path: this.#d.path, attempt: act.attempt, input: act.input }, call);
    } catch (error) {
      return { ok: false, error: serializeError(error) };
    }
  }

  #onStarted(inv: Inflight, items: number): void {
    if (!this.#inflight.has(inv.id) || inv.startedAt !== null) return;
    inv.startedAt = this.#d.clock.now();
    const limit = inv.node.timeoutMs;
    if (limit !== null) {
      inv.timer = this.#timer(limit * items, () => {
        const error = new WeftError('STEP_TIMEOUT', `step "${inv.node.name}" ran longer than ${limit} ms`, { retryable: true, data: { timeoutMs: limit } });
        inv.controller.abort(serializeError(error));
        this.#settle(inv, { ok: false, error: serializeError(error) });
      });
    }
  }

  #onTokens(inv: Inflight, batch: unknown[]): void | Promise<void> {
    if (this.#mode === 'done' || !this.#inflight.has(inv.id)) return;
    // A map item's tokens belong to the map's invocation (chunks are an internal matter).
    this.#emit({ type: 'token', step: inv.node.name, invocation: inv.map?.id ?? inv.id, tokens: batch });
    if (this.#d.hub.saturated) return this.#d.hub.drained();
  }

  /** Routes a finished task to the step or map handler exactly once (timeouts race with results). */
  #settle(inv: Inflight, outcome: TaskOutcome): void {
    if (inv.kind !== 'items') return this.#onStepOutcome(inv, outcome);
    if (this.#mode === 'done' || !this.#release(inv)) return;
    inv.map!.onChunk(inv, outcome);
    this.#pump();
  }

  #release(inv: Inflight): boolean {
    if (!this.#inflight.delete(inv.id)) return false;
    if (inv.timer) this.#clear(inv.timer);
    if (inv.kind !== 'items') this.#runningByNode.set(inv.node.name, (this.#runningByNode.get(inv.node.name) ?? 1) - 1);
    if (inv.kind !== 'sub') this.#freeSlot();
    return true;
  }

  /** True when the run has a task slot free; otherwise asks to be woken when one frees. */
  #slotFree(): boolean {
    if (this.#slots.inflight < this.#d.options.maxConcurrency) return true;
    this.#slots.starved.add(this.#wake);
    return false;
  }

  #freeSlot(): void {
    this.#slots.inflight--;
    if (this.#slots.starved.size === 0) return;
    const wakers = [...this.#slots.starved];
    this.#slots.starved.clear();
    for (const w of wakers) w();
  }

  // ---------------------------------------------------------------- outcomes

  #onStepOutcome(inv: Inflight, outcome: TaskOutcome): void {
    if (this.#mode === 'done' || !this.#release(inv)) return;
    const stored = outcome.ok && inv.memoKey !== undefined ? this.#memoPut(inv.memoKey, outcome.value) : outcome;
    if (!stored.ok) {
      this.#onError(inv.node, inv.act, stored.error, inv);
    } else {
      this.#onValue(inv.node, inv.act, stored.value, inv);
    }
    this.#pump();
  }

  #onValue(node: PlanNode, act: ActivationData, value: unknown, inv: Inflight | null, cached = false): void {
    const id = inv?.id ?? 0;
    const duration = inv?.startedAt != null ? this.#d.clock.now() - inv.startedAt : 0;
    if (!isControl(value)) {
      this.#complete(node, act, value, id, duration, null, cached);
      return;
    }
    const c = value;
    switch (c.$weft) {
      case 'update':
        if (!this.#patch(node, act, c.state, inv)) return;
        this.#complete(node, act, c.output, id, duration, null, cached);
        return;
      case 'next': {
        if ('state' in c && c.state && !this.#patch(node, act, c.state, inv)) return;
        const unknown = c.targets.filter((t) => !this.#plan.nodes[t]);
        if (unknown.length > 0) {
          this.#onError(node, act, serializeError(new WeftError('UNKNOWN_TARGET', `step "${node.name}" routed to unknown step(s) ${unknown.map((u) => `"${u}"`).join(', ')}`)), inv);
          return;
        }
        this.#complete(node, act, 'output' in c ? c.output : act.input, id, duration, c.targets, cached);
        return;
      }
      case 'stop':
        if ('state' in c && c.state && !this.#patch(node, act, c.state, inv)) return;
        this.#outputs[node.name] = c.output;
        if (cached) this.#emit({ type: 'step.skip', step: node.name, reason: 'cached', cached: true });
        else this.#emit({ type: 'step.end', step: node.name, invocation: id, attempt: act.attempt, durationMs: duration, output: c.output });
        this.#stopOutput = { value: c.output };
        this.#finish({ status: 'succeeded', output: c.output });
        return;
      case 'skip':
        this.#skip(node.name, c.reason ?? 'skipped by the step', inv?.id);
        return;
      case 'retry':
        this.#onError(node, act, serializeError(new WeftError('STEP_FAILED', `step "${node.name}" asked to be retried${c.reason ? `: ${c.reason}` : ''}`, { retryable: true })), inv, true);
        return;
      case 'suspend':
        this.#suspended.push({ node: act.node, input: act.input, from: act.from, attempt: act.attempt, reason: c.reason, ...(c.data !== undefined ? { data: c.data } : {}) });
        if (this.#mode === 'running') this.#mode = 'suspending';
        return;
    }
  }

  #complete(node: PlanNode, act: ActivationData, output: unknown, invocation: number, durationMs: number, dynamic: readonly string[] | null, cached = false): void {
    const route = node.kind === 'switch' && dynamic === null ? switchTarget(node, output) : undefined;
    if (route === null) {
      // No case and no default: a step error like any other (handlers may recover with a case key).
      const error = new WeftError('SWITCH_NO_ROUTE', `switch "${node.name}" returned ${JSON.stringify(output)}, which matches no case and there is no default`, { data: { value: output } });
      // Only the invocation id is read from it (the invocation has already been released).
      this.#onError(node, act, serializeError(error), { id: invocation } as Inflight);
      return;
    }
    this.#outputs[node.name] = output;
    if (cached) this.#emit({ type: 'step.skip', step: node.name, reason: 'cached', cached: true });
    else this.#emit({ type: 'step.end', step: node.name, invocation, attempt: act.attempt, durationMs, output });
    if (route !== undefined) return this.#routeSwitch(node, act, route);
    const targets = dynamic ?? node.to;
    for (const t of node.to) if (!targets.includes(t)) this.#arrive(t, node.name, undefined, true);
    for (const t of targets) this.#arrive(t, node.name, output, false);
  }

  #routeSwitch(node: PlanNode, act: ActivationData, target: string): void {
    for (const t of node.to) if (t !== target) this.#arrive(t, node.name, undefined, true);
    this.#arrive(target, node.name, act.input, false);
  }

  #onError(node: PlanNode, act: ActivationData, error: SerializedError, inv: Inflight | null, requested = false): void {
    const policy = node.retry;
    // While the run suspends, a retry is still scheduled: its activation waits in the snapshot.
    const willRetry = this.#mode !== 'done' && act.attempt < policy.attempts && (requested || isRetryable(policy, error));
    this.#emit({ type: 'step.error', step: node.name, invocation: inv?.id ?? 0, attempt: act.attempt, error, willRetry });
    if (willRetry) {
      const delayMs = backoffDelay(policy, act.attempt, this.#d.random);
      this.#emit({ type: 'step.retry', step: node.name, invocation: inv?.id ?? 0, attempt: act.attempt + 1, delayMs, reason: error.message });
      const again: ActivationData = { node: act.node, input: act.input, from: act.from, attempt: act.attempt + 1, ...(act.resume ? { resume: act.resume } : {}), ...(inv?.lastCheckpoint !== undefined ? { lastCheckpoint: inv.lastCheckpoint } : {}) };
      this.#timer(delayMs, () => {
        this.#activations--;
        this.#enqueue(again);
        this.#pump();
      });
      return;
    }
    const handled = this.#handle(node, act, error);
    if (handled === undefined) {
      this.#fail(deserializeError(error));
      return;
    }
    if (!isThenable(handled)) {
      this.#afterHandled(node, act, handled, inv);
      return;
    }
    // An async handler: the execution does not end while it runs.
    this.#handling++;
    void handled.then((h) => {
      this.#handling--;
      if (this.#mode === 'done') return;
      this.#afterHandled(node, act, h, inv);
      this.#pump();
    });
  }

  #afterHandled(node: PlanNode, act: ActivationData, handled: TaskOutcome, inv: Inflight | null): void {
    if (!handled.ok) this.#fail(deserializeError(handled.error));
    else this.#onValue(node, { ...act, attempt: node.retry.attempts }, handled.value, inv);
  }


  /**
   * Step handler first, then the pipeline's; undefined when nobody handles it. A handler recovers by
   * returning (or resolving to) an output or a control result; one that throws passes the error to the
   * next handler. Rethrowing the error it was given, or throwing a Weft error, keeps that error; any
   * other throw is a bug in the handler and becomes HOOK_FAILED (with the thrown error as cause).
   */
  #handle(node: PlanNode, act: ActivationData, error: SerializedError): TaskOutcome | Promise<TaskOutcome> | undefined {
    const def = this.#d.pipeline.nodes.find((n) => n.name === node.name);
    const handlers = [def?.options.onError, this.#d.pipeline.options.onError].filter((h): h is ErrorHandler => typeof h === 'function');
    if (handlers.length === 0) return undefined;
    const info = { step: node.name, input: act.input, attempt: act.attempt };
    const original = deserializeError(error);
    const failed = (current: WeftError, thrown: unknown): WeftError =>
      isWeftError(thrown)
        ? thrown
        : new WeftError('HOOK_FAILED', `error handler of step "${node.name}" failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`, {
            cause: thrown,
            data: { step: node.name, handling: current.code },
          });
    const tryFrom = (i: number, current: WeftError): TaskOutcome | Promise<TaskOutcome> => {
      if (i >= handlers.length) return { ok: false, error: current === original ? error : serializeError(current) };
      let value: unknown;
      try {
        value = handlers[i]!(current, info);
      } catch (e) {
        return tryFrom(i + 1, failed(current, e));
      }
      if (!isThenable(value)) return { ok: true, value };
      return Promise.resolve(value).then(
        (v): TaskOutcome => ({ ok: true, value: v }),
        (e: unknown) => tryFrom(i + 1, failed(current, e)),
      );
    };
    return tryFrom(0, original);
  }

  #patch(node: PlanNode, act: ActivationData, patch: StatePatch, inv: Inflight | null): boolean {
    const result = this.#state.apply(patch, inv?.stateVersion ?? this.#state.version, node.name);
    if (!result.ok) {
      this.#onError(node, act, serializeError(result.error), inv);
      return false;
    }
    for (const w of result.races) this.#emit({ type: 'warning', code: 'STATE_RACE', step: node.name, message: w });
    this.#emit({ type: 'state.update', step: node.name, keys: Object.keys(patch) });
    return true;
  }

  // ---------------------------------------------------------------- barriers and skips

  #arrive(target: string, from: string, value: unknown, skipped: boolean): void {
    if (this.#mode === 'done') return;
    const node = this.#plan.nodes[target]!;
    const pendingAny = this.#anyPending.get(target);
    if (pendingAny?.delete(from)) {
      if (pendingAny.size === 0) this.#anyPending.delete(target);
      return;
    }
    if (node.join === null || !node.parents.includes(from)) {
      if (skipped) this.#skip(target, `parent "${from}" was skipped`);
      else this.#enqueue({ node: target, input: value, from, attempt: 1 });
      return;
    }
    let b = this.#barriers.get(target);
    if (!b) {
      b = { barrier: new Barrier(node.join, node.parents), inputs: {}, firstAt: this.#d.clock.now(), timer: null };
      this.#barriers.set(target, b);
      if (node.barrierTimeoutMs !== null) b.timer = this.#timer(node.barrierTimeoutMs, () => this.#barrierTimeout(node));
    }
    if (!skipped) b.inputs[from] = value;
    b.barrier.send({ type: 'ARRIVE', from, skipped });
    const arrived = Object.keys(b.barrier.context.arrived).length;
    this.#emit({ type: 'barrier.wait', step: target, from, arrived, expected: node.join === 'all' ? node.parents.length : 1 });
    if (b.barrier.state !== 'released') return;
    this.#barriers.delete(target);
    if (b.timer) this.#clear(b.timer);
    this.#releaseBarrier(node, b);
  }

  /** Runs a released join (or skips it when every parent that arrived was skipped); losers of an ANY race are cancelled. */
  #releaseBarrier(node: PlanNode, b: BarrierRun): void {
    const target = node.name;
    const ok = b.barrier.arrivedOk;
    this.#emit({ type: 'barrier.release', step: target, join: b.barrier.context.kind, arrived: Object.keys(b.barrier.context.arrived), waitedMs: this.#d.clock.now() - b.firstAt, skipped: ok.length === 0 });
    if (ok.length === 0) {
      this.#skip(target, 'every parent was skipped');
      return;
    }
    if (node.join === 'any') {
      const losers = b.barrier.missing;
      if (losers.length > 0) this.#anyPending.set(target, new Set(losers));
      for (const l of losers) this.#cancelNode(l, `lost the any-join race into "${target}"`);
      this.#enqueue({ node: target, input: b.inputs[ok[0]!], from: ok[0]!, attempt: 1 });
    } else {
      const input: Record<string, unknown> = {};
      for (const p of node.parents) if (p in b.inputs) input[p] = b.inputs[p];
      this.#enqueue({ node: target, input, from: null, attempt: 1 });
    }
  }

  /**
   * Nothing is running, queued or waiting on a timer, so no parent can still arrive: one waiting join
   * is settled with what it holds (released with its outputs, or skipped when it holds only skips).
   * The first is one that no other waiting join can reach, so joins settle in graph order.
   */
  #settleStuckBarrier(): void {
    const waiting = [...this.#barriers.keys()];
    const target = waiting.find((n) => !waiting.some((o) => o !== n && this.#reaches(o, n))) ?? waiting[0]!;
    const node = this.#plan.nodes[target]!;
    const b = this.#barriers.get(target)!;
    this.#barriers.delete(target);
    if (b.timer) this.#clear(b.timer);
    this.#releaseBarrier(node, b);
  }

  /** True when `to` can be reached from `from` through static edges and declared routes. */
  #reaches(from: string, to: string): boolean {
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const n = this.#plan.nodes[stack.pop()!];
      if (!n) continue;
      for (const t of [...n.to, ...n.routes]) {
        if (t === to) return true;
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return false;
  }

  #barrierTimeout(node: PlanNode): void {
    const b = this.#barriers.get(node.name);
    if (!b || this.#mode === 'done') return;
    b.barrier.send({ type: 'TIMEOUT' });
    this.#barriers.delete(node.name);
    const arrived = Object.keys(b.barrier.context.arrived);
    this.#emit({ type: 'barrier.timeout', step: node.name, arrived, missing: b.barrier.missing });
    const error = new WeftError('BARRIER_TIMEOUT', `join "${node.name}" waited ${node.barrierTimeoutMs} ms; still missing ${b.barrier.missing.join(', ')}`, { data: { arrived, missing: b.barrier.missing } });
    this.#onError(node, { node: node.name, input: b.inputs, from: null, attempt: node.retry.attempts }, serializeError(error), null);
    // Should a handler recover the join, the parents that missed it are cancelled and their arrivals absorbed.
    const missing = b.barrier.missing;
    if (missing.length > 0 && (this.#mode as string) !== 'done') {
      this.#anyPending.set(node.name, new Set(missing));
      for (const l of missing) this.#cancelNode(l, `missed the barrier timeout of "${node.name}"`);
    }
    this.#pump();
  }

  /** Cancels invocations of a node still running (ANY-join losers); their other successors are skipped. */
  #cancelNode(name: string, reason: string): void {
    for (const inv of [...this.#inflight.values()]) {
      if (inv.node.name !== name || inv.kind === 'items') continue;
      const error = new WeftError('STEP_CANCELLED', `step "${name}" cancelled: ${reason}`);
      inv.controller.abort(serializeError(error));
      inv.abortSub?.(error);
      this.#release(inv);
      this.#emit({ type: 'step.error', step: name, invocation: inv.id, attempt: inv.act.attempt, error: serializeError(error), willRetry: false });
      for (const t of inv.node.to) this.#arrive(t, name, undefined, true);
    }
    for (const m of [...this.#maps.values()]) {
      if (m.node.name !== name) continue;
      const error = new WeftError('STEP_CANCELLED', `map "${name}" cancelled: ${reason}`);
      this.#maps.delete(m.id);
      m.cancel(error);
      this.#emit({ type: 'step.error', step: name, invocation: m.id, attempt: m.act.attempt, error: serializeError(error), willRetry: false });
      for (const t of m.node.to) this.#arrive(t, name, undefined, true);
    }
    for (let i = this.#ready.length - 1; i >= 0; i--) {
      if (this.#ready[i]!.node === name) {
        this.#ready.splice(i, 1);
        this.#skip(name, reason);
      }
    }
  }

  #skip(name: string, reason: string, invocation?: number): void {
    this.#emit(invocation ? { type: 'step.skip', step: name, reason, invocation } : { type: 'step.skip', step: name, reason });
    for (const t of this.#plan.nodes[name]!.to) this.#arrive(t, name, undefined, true);
  }

  // ---------------------------------------------------------------- maps and subs

  #startMap(node: PlanNode, act: ActivationData, memoKey: string | undefined): void {
    const source = toItemSource(act.input);
    if (!source.ok) {
      const bad = this.#d.ids.next++;
      this.#emit({ type: 'step.start', step: node.name, invocation: bad, attempt: act.attempt });
      this.#onError(node, act, serializeError(new WeftError('MAP_INPUT_INVALID', `map "${node.name}" needs an array or (async) iterable input, got ${source.got}`)), { id: bad } as Inflight);
      return;
    }
    const id = this.#d.ids.next++;
    const chunk = node.map?.chunkSize ?? this.#d.options.chunkSize ?? autoChunk(this.#d.orchestrator, source.total);
    // Room for four chunks per thread: a short map (cut into parallelism × 4 chunks) is in flight at once.
    const concurrency = node.concurrency ?? Math.max(16, this.#d.orchestrator.parallelism * chunk * 4);
    const m: MapRun = new MapRun({
      id,
      node,
      act,
      source: source.source,
      total: source.total,
      chunkSize: Math.max(1, Math.min(chunk, concurrency)),
      concurrency,
      random: this.#d.random,
      emit: (b) => this.#emit(b),
      canDispatch: () => (this.#mode === 'running' || this.#mode === 'suspending') && !this.#d.hub.saturated && this.#slotFree(),
      dispatch: (items, baseIndex, attempts) => this.#dispatchChunk(m, items, baseIndex, attempts),
      timer: (ms, fn) => this.#timer(ms, fn),
      wake: () => this.#pump(),
      finish: (result) => {
        this.#maps.delete(id);
        if (this.#mode === 'done') return;
        // A map whose items changed the state is memoised item by item only (each hit replays its patch).
        if (result.ok && memoKey !== undefined && !m.patchedState) result = this.#memoPut(memoKey, result.value);
        if (result.ok) this.#complete(node, act, result.value, id, this.#d.clock.now() - m.startedAt, null);
        else this.#onError(node, { ...act, attempt: Math.max(act.attempt, node.retry.attempts) }, result.error, { id } as Inflight);
        this.#pump();
      },
      cancelChunks: (error) => {
        for (const inv of [...this.#inflight.values()]) {
          if (inv.map === m) {
            inv.controller.abort(serializeError(error));
            this.#release(inv);
          }
        }
      },
      now: () => this.#d.clock.now(),
      itemControl: (index, control) => this.#itemControl(node, index, control),
      ...(this.#itemMemo(node, act) ?? {}),
    });
    this.#maps.set(id, m);
    this.#emit({ type: 'step.start', step: node.name, invocation: id, attempt: act.attempt });
    this.#emit({ type: 'map.start', step: node.name, invocation: id, total: source.total });
  }

  /** A map item may return update() (its state patch applies now) or retry(); nothing else. */
  #itemControl(node: PlanNode, index: number, c: Control): ItemOutcome | { ok: false; error: SerializedError; requested: true } {
    switch (c.$weft) {
      case 'update': {
        const result = this.#state.apply(c.state, this.#state.version, node.name);
        if (!result.ok) return { ok: false, error: serializeError(result.error) };
        for (const w of result.races) this.#emit({ type: 'warning', code: 'STATE_RACE', step: node.name, message: w });
        this.#emit({ type: 'state.update', step: node.name, keys: Object.keys(c.state) });
        return { ok: true, value: c.output };
      }
      case 'retry':
        return { ok: false, requested: true, error: serializeError(new WeftError('STEP_FAILED', `item ${index} of map "${node.name}" asked to be retried${c.reason ? `: ${c.reason}` : ''}`, { retryable: true })) };
      case 'next':
      case 'stop':
      case 'skip':
      case 'suspend':
        return { ok: false, error: serializeError(new WeftError('STEP_FAILED', `item ${index} of map "${node.name}" returned ${c.$weft}(), which only a step can return (a map item may return update() or retry())`)) };
    }
  }

  #dispatchChunk(m: MapRun, items: unknown[], baseIndex: number, attempts: number[]): Inflight {
    const inv = this.#newInflight(m.node, m.act, 'items');
    inv.map = m;
    this.#d.metrics.tasks += items.length;
    this.#slots.inflight++;
    void this.#dispatch(inv, { kind: 'items', items, baseIndex, attempts }).then((o) => this.#settle(inv, o));
    return inv;
  }

  #runSub(inv: Inflight): void {
    const plan = inv.node.sub!;
    const def = this.#d.pipeline.nodes.find((n) => n.name === inv.node.name);
    const subPipeline = (def as { pipeline: ExecutionDeps['pipeline'] }).pipeline;
    const child = new RunExecution(
      {
        ...this.#d,
        slots: this.#slots,
        plan,
        pipeline: subPipeline,
        path: [...this.#d.path, inv.node.name],
        // The enclosing pipelines' middleware wraps the inner steps too, outside the inner pipeline's own.
        middleware: [...this.#d.middleware, ...(subPipeline.options.middleware ?? [])],
      },
      plan,
    );
    inv.abortSub = (e) => child.abort('cancelled', e);
    inv.startedAt = this.#d.clock.now();
    const limit = inv.node.timeoutMs;
    if (limit !== null) {
      // The whole sub-pipeline times out like a step: its inner work is cancelled, then the sub step fails.
      inv.timer = this.#timer(limit, () => {
        const error = new WeftError('STEP_TIMEOUT', `sub-pipeline "${inv.node.name}" ran longer than ${limit} ms`, { retryable: true, data: { timeoutMs: limit } });
        child.abort('timedOut', error);
        this.#onStepOutcome(inv, { ok: false, error: serializeError(error) });
      });
    }
    const done = inv.act.sub ? child.resume(inv.act.sub, inv.act.resume?.value) : child.start(inv.act.input);
    void done.then((o) => {
      if (this.#mode === 'done' || !this.#inflight.has(inv.id)) return;
      switch (o.status) {
        case 'succeeded':
          this.#onStepOutcome(inv, { ok: true, value: o.output });
          return;
        case 'suspended':
          this.#release(inv);
          this.#suspended.push({ node: inv.act.node, input: inv.act.input, from: inv.act.from, attempt: inv.act.attempt, sub: o.snapshot, reason: o.reasons.map((r) => `${inv.node.name}/${r.step}: ${r.reason}`).join('; ') });
          if (this.#mode === 'running') this.#mode = 'suspending';
          this.#pump();
          return;
        case 'failed':
        case 'cancelled':
        case 'timedOut':
          this.#onStepOutcome(inv, { ok: false, error: serializeError(o.error) });
          return;
      }
    });
  }

  // ---------------------------------------------------------------- idempotency

  /** The invocation's memo key, or undefined when it is not memoised. */
  #memoKey(node: PlanNode, act: ActivationData, kind: 'step' | 'map' | 'item' = node.kind === 'map' ? 'map' : 'step', input: unknown = act.input, index?: number, state = this.#state.value): string | undefined {
    if (!this.#memoEligible(node, act)) return undefined;
    return this.#d.options.memo!.key({
      kind,
      pipeline: this.#plan.name,
      path: this.#d.path,
      node: node.name,
      ref: node.ref!,
      version: node.version,
      params: node.params,
      state,
      input,
      ...(index !== undefined ? { index } : {}),
    });
  }

  #memoEligible(node: PlanNode, act: ActivationData): boolean {
    if (!this.#d.options.memo || node.ref === null || node.cache === false || act.resume !== undefined) return false;
    return !this.#d.options.overrides.has([...this.#d.path, node.name].join('/'));
  }

  /** Stores a completed invocation's raw value; a value the store refuses becomes the step's error. */
  #memoPut(key: string, value: unknown): TaskOutcome {
    if (isControl(value) && value.$weft !== 'update' && value.$weft !== 'next' && value.$weft !== 'stop') return { ok: true, value };
    try {
      this.#d.options.memo!.put(key, value);
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: serializeError(e instanceof Error && 'code' in e ? e : new WeftError('NOT_SERIALIZABLE', `the result cannot be stored: ${(e as Error).message}`, { cause: e })) };
    }
  }

  /** Per-item memo ports for a map. */
  #itemMemo(node: PlanNode, act: ActivationData): { memo: NonNullable<MapDeps['memo']> } | undefined {
    if (!this.#memoEligible(node, act)) return undefined;
    // Items are keyed with the state as of the map's start: the patches items apply while the map
    // runs (in an order that timing decides) do not change the keys of the items after them.
    const state = this.#state.value;
    return {
      memo: {
        key: (index, item) => this.#memoKey(node, act, 'item', item, index, state),
        get: (key) => this.#d.options.memo!.get(key),
        put: (key, value) => this.#memoPut(key, value),
      },
    };
  }

  // ---------------------------------------------------------------- finishing

  #maybeFinish(): void {
    if (this.#mode === 'done' || this.#mode === 'idle') return;
    if (this.#inflight.size > 0 || this.#maps.size > 0 || this.#handling > 0) return;
    if (this.#mode === 'running' && this.#ready.length > 0) return;
    // Barrier timers alone do not keep a running execution alive: their joins are settled below.
    const barrierTimers = this.#mode === 'running' ? [...this.#barriers.values()].filter((b) => b.timer !== null).length : 0;
    if (this.#timers.size > barrierTimers) return;
    if (this.#mode === 'suspending') {
      this.#finish({ status: 'suspended', snapshot: this.#snapshot(), reasons: suspendReasons(this.#suspended, []) });
      return;
    }
    if (this.#barriers.size > 0) {
      this.#settleStuckBarrier();
      this.#pump();
      return;
    }
    this.#finish({ status: 'succeeded', output: this.#stopOutput ? this.#stopOutput.value : this.#runOutput() });
  }

  #runOutput(): unknown {
    const leaves = this.#plan.leaves;
    if (leaves.length === 1) return this.#outputs[leaves[0]!];
    const out: Record<string, unknown> = {};
    for (const l of leaves) if (l in this.#outputs) out[l] = this.#outputs[l];
    return out;
  }

  #snapshot(): RunSnapshot {
    return {
      formatVersion: 1,
      runId: this.#d.runId,
      path: this.#d.path,
      planId: this.#plan.id,
      pipeline: { name: this.#plan.name, module: this.#plan.module },
      input: this.#input,
      state: this.#state.value,
      outputs: { ...this.#outputs },
      ready: [...this.#ready],
      suspended: [...this.#suspended],
      barriers: [...this.#barriers.entries()].map(([node, b]) => ({ node, arrived: b.barrier.context.arrived, inputs: b.inputs, firstAt: b.firstAt })),
      anyPending: Object.fromEntries([...this.#anyPending].map(([k, v]) => [k, [...v]])),
      activations: this.#activations,
    };
  }

  #fail(error: WeftError): void {
    this.#finish({ status: 'failed', error });
  }

  #finish(outcome: ExecutionOutcome): void {
    if (this.#mode === 'done') return;
    this.#mode = 'done';
    const reason = outcome.status === 'succeeded' || outcome.status === 'suspended' ? new WeftError('STEP_CANCELLED', 'the run ended') : outcome.error;
    this.#slots.starved.delete(this.#wake);
    for (const inv of this.#inflight.values()) {
      if (inv.timer) this.#d.clock.clearTimeout(inv.timer);
      inv.controller.abort(serializeError(reason));
      inv.abortSub?.(reason);
      // A sub-pipeline that ends early gives its slots back to the run.
      if (inv.kind !== 'sub') this.#freeSlot();
    }
    this.#inflight.clear();
    for (const t of this.#timers) this.#d.clock.clearTimeout(t);
    this.#timers.clear();
    for (const b of this.#barriers.values()) if (b.timer) this.#d.clock.clearTimeout(b.timer);
    this.#resolve(outcome);
  }

  // ---------------------------------------------------------------- helpers

  #emit(body: EventBody): void {
    if (this.#mode === 'done') return;
    this.#d.emit(this.#d.path, body);
  }

  #timer(ms: number, fn: () => void): TimerHandle {
    const h = this.#d.clock.setTimeout(() => {
      this.#timers.delete(h);
      if (this.#mode !== 'done') fn();
    }, ms);
    this.#timers.add(h);
    return h;
  }

  #clear(h: TimerHandle): void {
    this.#d.clock.clearTimeout(h);
    this.#timers.delete(h);
  }
}

/**
 * The orchestrator's default chunk size, lowered for a short map of known size so that every thread
 * gets several chunks (64 items on 2 threads: chunks of 8, not one chunk of 64 on one thread).
 */
function autoChunk(o: { readonly defaultChunkSize: number; readonly parallelism: number }, total: number | null): number {
  if (total === null || o.defaultChunkSize <= 1) return o.defaultChunkSize;
  return Math.max(1, Math.min(o.defaultChunkSize, Math.ceil(total / (o.parallelism * 4))));
}

/** Why an execution is suspended, with steps inside sub-pipelines named by their qualified name (`sub/step`). */
function suspendReasons(list: RunSnapshot['suspended'], prefix: readonly string[]): { step: string; reason: string; data?: unknown }[] {
  return list.flatMap((s) =>
    s.sub ? suspendReasons(s.sub.suspended, [...prefix, s.node]) : [{ step: [...prefix, s.node].join('/'), reason: s.reason, ...(s.data !== undefined ? { data: s.data } : {}) }],
  );
}

/** The case a switch's value selects (its default when no case matches), or null when there is none. */
function switchTarget(node: PlanNode, key: unknown): string | null {
  const sw = node.switch!;
  const hit = sw.cases.find(([k]) => k === String(key));
  return hit ? hit[1] : sw.default;
}

/**
 * Runs the middleware chain around one invocation, outermost first. `next()` resolves to the step's
 * raw return value (an output or a control result) and rejects with the step's error (a WeftError);
 * what the outermost middleware returns or throws is the invocation's outcome.
 */
async function runMiddleware(list: readonly Middleware[], info: Parameters<Middleware>[0], last: () => Promise<TaskOutcome>): Promise<TaskOutcome> {
  let failure: { error: WeftError; outcome: TaskOutcome } | undefined;
  const step = async (): Promise<unknown> => {
    const outcome = await last();
    if (outcome.ok) return outcome.value;
    const error = deserializeError(outcome.error);
    failure = { error, outcome };
    throw error;
  };
  const call = (i: number): Promise<unknown> => (i >= list.length ? step() : Promise.resolve(list[i]!(info, () => call(i + 1))));
  try {
    return { ok: true, value: await call(0) };
  } catch (e) {
    // The step's own error, passed through as it was, keeps its serialised form (original code included).
    if (failure && e === failure.error) return failure.outcome;
    return { ok: false, error: serializeError(e) };
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Used by the test harness: step code replacing a node, keyed by its qualified name. */
export type Overrides = ReadonlyMap<string, StepCode>;
