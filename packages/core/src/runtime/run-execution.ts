import type { TimerHandle } from '../clock/clock.js';
import { isControl, type StatePatch } from '../definition/control.js';
import { WeftError, deserializeError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { EventBody } from '../events/types.js';
import { runOutput, switchTarget, type ExecutionPlan, type PlanNode } from '../plan/execution-plan.js';
import type { TaskOutcome } from '../orchestrator/types.js';
import { backoffDelay, isRetryable } from '../scheduler/backoff.js';
import { isThenable, runErrorHandlers } from './error-handlers.js';
import type { ExecutionDeps, TaskSlots } from './execution-deps.js';
import { ExecutionMemo } from './execution-memo.js';
import { JoinTable } from './join-table.js';
import type { Inflight } from './inflight.js';
import { startMap, type MapHost, type MapRun } from './map-run.js';
import { runSub } from './sub-run.js';
import { dispatchTask, overran, stepTimeout, type TaskHost } from './task-dispatch.js';
import { suspendReasons, type ActivationData, type RunSnapshot } from './snapshot.js';
import { LazyAbortController } from './lazy-abort.js';
import { StateBox } from './state-box.js';
import { didYouMean } from '../util/did-you-mean.js';

/** How an execution (a run, or a sub-pipeline inside one) ended. */
export type ExecutionOutcome =
  | { readonly status: 'succeeded'; readonly output: unknown }
  | { readonly status: 'failed' | 'cancelled' | 'timedOut'; readonly error: WeftError }
  | {
      readonly status: 'suspended';
      readonly snapshot: RunSnapshot;
      readonly reasons: readonly { step: string; reason: string; data?: unknown }[];
    };

/**
 * Executes one plan: the ready queue, quotas, retry timers and the outcome of each invocation.
 * Its parts live beside it: joins (join-table.ts), sending tasks (task-dispatch.ts), maps
 * (map-run.ts), sub-pipelines (sub-run.ts), error handlers and middleware (error-handlers.ts) and
 * the idempotency hook (execution-memo.ts). Per-invocation bookkeeping is plain data (inflight.ts).
 */
export class RunExecution {
  readonly #d: ExecutionDeps;
  readonly #plan: ExecutionPlan;
  readonly #state: StateBox;
  readonly #outputs: Record<string, unknown> = {};
  readonly #ready: ActivationData[] = [];
  readonly #inflight = new Map<number, Inflight>();
  readonly #runningByNode = new Map<string, number>();
  readonly #joins: JoinTable;
  readonly #memo: ExecutionMemo;
  readonly #tasks: TaskHost;
  readonly #maps = new Map<number, MapRun>();
  readonly #mapHost: MapHost;
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
    this.#memo = new ExecutionMemo(deps, () => this.#state.value);
    this.#tasks = {
      deps,
      memo: this.#memo,
      live: (inv) => this.#mode !== 'done' && this.#inflight.has(inv.id),
      state: () => this.#state.value,
      emit: (b) => this.#emit(b),
      timer: (ms, fn) => this.#timer(ms, fn),
      settle: (inv, outcome) => this.#settle(inv, outcome),
    };
    this.#joins = new JoinTable({
      plan,
      now: () => this.#d.clock.now(),
      done: () => this.#mode === 'done',
      emit: (b) => this.#emit(b),
      enqueue: (a) => this.#enqueue(a),
      skip: (name, reason) => this.#skip(name, reason),
      cancelNode: (name, reason) => this.#cancelNode(name, reason),
      timer: (ms, fn) => this.#timer(ms, fn),
      clear: (h) => this.#clear(h),
      timedOut: (node, act, error) => this.#onError(node, act, serializeError(error), null),
      pump: () => this.#pump(),
    });
    this.#mapHost = {
      deps,
      state: this.#state,
      emit: (b) => this.#emit(b),
      canDispatch: () =>
        (this.#mode === 'running' || this.#mode === 'suspending') &&
        !this.#d.hub.saturated &&
        this.#slotFree(),
      dispatchChunk: (m, items, baseIndex, attempts) => this.#dispatchChunk(m, items, baseIndex, attempts),
      timer: (ms, fn) => this.#timer(ms, fn),
      pump: () => this.#pump(),
      finished: (m, memoKey, result) => this.#mapFinished(m, memoKey, result),
      cancelChunks: (m, error) => {
        for (const inv of [...this.#inflight.values()]) {
          if (inv.map !== m) continue;
          inv.controller.abort(serializeError(error));
          this.#release(inv);
        }
      },
      failed: (node, act, error, invocation) =>
        this.#onError(node, act, serializeError(error), { id: invocation } as Inflight),
      itemPorts: (node, act) => this.#memo.itemPorts(node, act),
    };
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
    this.#joins.restore(snapshot);
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
      this.#fail(
        new WeftError(
          'STEP_LIMIT',
          `more than ${this.#d.options.maxSteps} step activations: a loop that never ends? (raise maxSteps to allow more)`,
        ),
      );
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
    // A parent that lost an ANY race (or missed a barrier timeout) before it started does not run.
    const lostInto = this.#joins.lostInto(act.node);
    if (lostInto !== undefined) {
      this.#skip(act.node, `lost the race into "${lostInto}"`);
      return;
    }
    const memoKey = this.#memo.key(node, act);
    if (memoKey !== undefined) {
      const hit = this.#memo.get(memoKey);
      if (hit) {
        this.#onValue(node, act, hit.value, null, true);
        return;
      }
    }
    if (node.kind === 'map') {
      const m = startMap(this.#mapHost, node, act, memoKey);
      if (m) this.#maps.set(m.id, m);
      return;
    }
    this.#runningByNode.set(node.name, (this.#runningByNode.get(node.name) ?? 0) + 1);
    const inv = this.#newInflight(node, act, node.kind === 'sub' ? 'sub' : 'step');
    if (memoKey !== undefined) {
      inv.memoKey = memoKey;
      const cp = inv.lastCheckpoint === undefined ? this.#memo.lastCheckpoint(memoKey) : undefined;
      if (cp) inv.lastCheckpoint = cp.value;
    }
    this.#emit({ type: 'step.start', step: node.name, invocation: inv.id, attempt: act.attempt });
    if (node.kind === 'sub') {
      this.#runSub(inv);
      return;
    }
    this.#d.metrics.tasks++;
    this.#slots.inflight++;
    void dispatchTask(this.#tasks, inv, { kind: 'step', input: act.input }).then((o) =>
      this.#onStepOutcome(inv, o),
    );
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
    if (inv.kind !== 'items')
      this.#runningByNode.set(inv.node.name, (this.#runningByNode.get(inv.node.name) ?? 1) - 1);
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
    if (inv.kind === 'step' && overran(inv, this.#d.clock.now())) {
      outcome = { ok: false, error: stepTimeout(inv) };
      inv.controller.abort(outcome.error);
    }
    if (this.#mode === 'done' || !this.#release(inv)) return;
    const stored =
      outcome.ok && inv.memoKey !== undefined ? this.#memo.put(inv.memoKey, outcome.value) : outcome;
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
          this.#onError(
            node,
            act,
            serializeError(
              new WeftError(
                'UNKNOWN_TARGET',
                `step "${node.name}" routed to unknown step(s) ${unknown.map((u) => `"${u}"`).join(', ')}${unknownTargetHint(unknown, this.#plan)}`,
              ),
            ),
            inv,
          );
          return;
        }
        this.#complete(node, act, 'output' in c ? c.output : act.input, id, duration, c.targets, cached);
        return;
      }
      case 'stop':
        if ('state' in c && c.state && !this.#patch(node, act, c.state, inv)) return;
        this.#outputs[node.name] = c.output;
        if (cached) this.#emit({ type: 'step.skip', step: node.name, reason: 'cached', cached: true });
        else
          this.#emit({
            type: 'step.end',
            step: node.name,
            invocation: id,
            attempt: act.attempt,
            durationMs: duration,
            output: c.output,
          });
        this.#stopOutput = { value: c.output };
        this.#finish({ status: 'succeeded', output: c.output });
        return;
      case 'skip':
        this.#skip(node.name, c.reason ?? 'skipped by the step', inv?.id);
        return;
      case 'retry':
        this.#onError(
          node,
          act,
          serializeError(
            new WeftError(
              'STEP_FAILED',
              `step "${node.name}" asked to be retried${c.reason ? `: ${c.reason}` : ''}`,
              { retryable: true },
            ),
          ),
          inv,
          true,
        );
        return;
      case 'suspend':
        this.#suspended.push({
          node: act.node,
          input: act.input,
          from: act.from,
          attempt: act.attempt,
          reason: c.reason,
          ...(c.data !== undefined ? { data: c.data } : {}),
        });
        if (this.#mode === 'running') this.#mode = 'suspending';
        return;
    }
  }

  #complete(
    node: PlanNode,
    act: ActivationData,
    output: unknown,
    invocation: number,
    durationMs: number,
    dynamic: readonly string[] | null,
    cached = false,
  ): void {
    const route = node.kind === 'switch' && dynamic === null ? switchTarget(node, output) : undefined;
    if (route === null) {
      // No case and no default: a step error like any other (handlers may recover with a case key).
      const error = new WeftError(
        'SWITCH_NO_ROUTE',
        `switch "${node.name}" returned ${JSON.stringify(output)}, which matches no case and there is no default`,
        { data: { value: output } },
      );
      // Only the invocation id is read from it (the invocation has already been released).
      this.#onError(node, act, serializeError(error), { id: invocation } as Inflight);
      return;
    }
    this.#outputs[node.name] = output;
    if (cached) this.#emit({ type: 'step.skip', step: node.name, reason: 'cached', cached: true });
    else
      this.#emit({ type: 'step.end', step: node.name, invocation, attempt: act.attempt, durationMs, output });
    if (route !== undefined) return this.#routeSwitch(node, act, route);
    const targets = dynamic ?? node.to;
    for (const t of node.to) if (!targets.includes(t)) this.#joins.arrive(t, node.name, undefined, true);
    for (const t of targets) this.#joins.arrive(t, node.name, output, false);
  }

  #routeSwitch(node: PlanNode, act: ActivationData, target: string): void {
    for (const t of node.to) if (t !== target) this.#joins.arrive(t, node.name, undefined, true);
    this.#joins.arrive(target, node.name, act.input, false);
  }

  #onError(
    node: PlanNode,
    act: ActivationData,
    error: SerializedError,
    inv: Inflight | null,
    requested = false,
  ): void {
    const policy = node.retry;
    // While the run suspends, a retry is still scheduled: its activation waits in the snapshot.
    const willRetry =
      this.#mode !== 'done' && act.attempt < policy.attempts && (requested || isRetryable(policy, error));
    this.#emit({
      type: 'step.error',
      step: node.name,
      invocation: inv?.id ?? 0,
      attempt: act.attempt,
      error,
      willRetry,
    });
    if (willRetry) {
      const delayMs = backoffDelay(policy, act.attempt, this.#d.random);
      this.#emit({
        type: 'step.retry',
        step: node.name,
        invocation: inv?.id ?? 0,
        attempt: act.attempt + 1,
        delayMs,
        reason: error.message,
      });
      const again: ActivationData = {
        node: act.node,
        input: act.input,
        from: act.from,
        attempt: act.attempt + 1,
        ...(act.resume ? { resume: act.resume } : {}),
        ...(inv?.lastCheckpoint !== undefined ? { lastCheckpoint: inv.lastCheckpoint } : {}),
      };
      this.#timer(delayMs, () => {
        this.#activations--;
        this.#enqueue(again);
        this.#pump();
      });
      return;
    }
    const handled = runErrorHandlers(this.#d.pipeline, node, act, error);
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

  #patch(node: PlanNode, act: ActivationData, patch: StatePatch, inv: Inflight | null): boolean {
    const result = this.#state.apply(patch, inv?.stateVersion ?? this.#state.version, node.name);
    if (!result.ok) {
      this.#onError(node, act, serializeError(result.error), inv);
      return false;
    }
    for (const w of result.races)
      this.#emit({ type: 'warning', code: 'STATE_RACE', step: node.name, message: w });
    this.#emit({ type: 'state.update', step: node.name, keys: Object.keys(patch) });
    return true;
  }

  // ---------------------------------------------------------------- barriers and skips

  /** Cancels invocations of a node still running (ANY-join losers); their other successors are skipped. */
  #cancelNode(name: string, reason: string): void {
    for (const inv of [...this.#inflight.values()]) {
      if (inv.node.name !== name || inv.kind === 'items') continue;
      const error = new WeftError('STEP_CANCELLED', `step "${name}" cancelled: ${reason}`);
      inv.controller.abort(serializeError(error));
      inv.abortSub?.(error);
      this.#release(inv);
      this.#emit({
        type: 'step.error',
        step: name,
        invocation: inv.id,
        attempt: inv.act.attempt,
        error: serializeError(error),
        willRetry: false,
      });
      for (const t of inv.node.to) this.#joins.arrive(t, name, undefined, true);
    }
    for (const m of [...this.#maps.values()]) {
      if (m.node.name !== name) continue;
      const error = new WeftError('STEP_CANCELLED', `map "${name}" cancelled: ${reason}`);
      this.#maps.delete(m.id);
      m.cancel(error);
      this.#emit({
        type: 'step.error',
        step: name,
        invocation: m.id,
        attempt: m.act.attempt,
        error: serializeError(error),
        willRetry: false,
      });
      for (const t of m.node.to) this.#joins.arrive(t, name, undefined, true);
    }
    for (let i = this.#ready.length - 1; i >= 0; i--) {
      if (this.#ready[i]!.node === name) {
        this.#ready.splice(i, 1);
        this.#skip(name, reason);
      }
    }
  }

  #skip(name: string, reason: string, invocation?: number): void {
    this.#emit(
      invocation
        ? { type: 'step.skip', step: name, reason, invocation }
        : { type: 'step.skip', step: name, reason },
    );
    for (const t of this.#plan.nodes[name]!.to) this.#joins.arrive(t, name, undefined, true);
  }

  // ---------------------------------------------------------------- maps and subs

  #mapFinished(m: MapRun, memoKey: string | undefined, result: TaskOutcome): void {
    this.#maps.delete(m.id);
    if (this.#mode === 'done') return;
    // A map whose items changed the state is memoised item by item only (each hit replays its patch).
    if (result.ok && memoKey !== undefined && !m.patchedState) result = this.#memo.put(memoKey, result.value);
    if (result.ok) this.#complete(m.node, m.act, result.value, m.id, this.#d.clock.now() - m.startedAt, null);
    else
      this.#onError(
        m.node,
        { ...m.act, attempt: Math.max(m.act.attempt, m.node.retry.attempts) },
        result.error,
        { id: m.id } as Inflight,
      );
    this.#pump();
  }

  #dispatchChunk(m: MapRun, items: unknown[], baseIndex: number, attempts: number[]): Inflight {
    const inv = this.#newInflight(m.node, m.act, 'items');
    inv.map = m;
    this.#d.metrics.tasks += items.length;
    this.#slots.inflight++;
    void dispatchTask(this.#tasks, inv, { kind: 'items', items, baseIndex, attempts }).then((o) =>
      this.#settle(inv, o),
    );
    return inv;
  }

  #runSub(inv: Inflight): void {
    runSub(
      {
        deps: this.#d,
        slots: this.#slots,
        child: (deps, plan) => new RunExecution(deps, plan),
        timer: (ms, fn) => this.#timer(ms, fn),
        open: () => this.#mode !== 'done' && this.#inflight.has(inv.id),
        settle: (outcome) => this.#onStepOutcome(inv, outcome),
        suspend: (sub, reason) => {
          this.#release(inv);
          this.#suspended.push({
            node: inv.act.node,
            input: inv.act.input,
            from: inv.act.from,
            attempt: inv.act.attempt,
            sub,
            reason,
          });
          if (this.#mode === 'running') this.#mode = 'suspending';
          this.#pump();
        },
      },
      inv,
    );
  }

  // ---------------------------------------------------------------- finishing

  #maybeFinish(): void {
    if (this.#mode === 'done' || this.#mode === 'idle') return;
    if (this.#inflight.size > 0 || this.#maps.size > 0 || this.#handling > 0) return;
    if (this.#mode === 'running' && this.#ready.length > 0) return;
    // Barrier timers alone do not keep a running execution alive: their joins are settled below.
    const barrierTimers = this.#mode === 'running' ? this.#joins.timers : 0;
    if (this.#timers.size > barrierTimers) return;
    if (this.#mode === 'suspending') {
      this.#finish({
        status: 'suspended',
        snapshot: this.#snapshot(),
        reasons: suspendReasons(this.#suspended, []),
      });
      return;
    }
    if (this.#joins.waiting > 0) {
      this.#joins.settleStuck();
      this.#pump();
      return;
    }
    this.#finish({
      status: 'succeeded',
      output: this.#stopOutput ? this.#stopOutput.value : runOutput(this.#plan, this.#outputs),
    });
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
      ...this.#joins.snapshot(),
      activations: this.#activations,
    };
  }

  #fail(error: WeftError): void {
    this.#finish({ status: 'failed', error });
  }

  #finish(outcome: ExecutionOutcome): void {
    if (this.#mode === 'done') return;
    this.#mode = 'done';
    // Built only when something is still in flight: a WeftError captures a stack (~12 µs a run).
    let reason: WeftError | undefined;
    this.#slots.starved.delete(this.#wake);
    for (const inv of this.#inflight.values()) {
      reason ??=
        outcome.status === 'succeeded' || outcome.status === 'suspended'
          ? new WeftError('STEP_CANCELLED', 'the run ended')
          : outcome.error;
      if (inv.timer) this.#d.clock.clearTimeout(inv.timer);
      inv.controller.abort(serializeError(reason));
      inv.abortSub?.(reason);
      // A sub-pipeline that ends early gives its slots back to the run.
      if (inv.kind !== 'sub') this.#freeSlot();
    }
    this.#inflight.clear();
    for (const t of this.#timers) this.#d.clock.clearTimeout(t);
    this.#timers.clear();
    this.#joins.clearTimers((h) => this.#d.clock.clearTimeout(h));
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

/** " (did you mean "x"?)" for the first unknown target that resembles a step of the plan. */
function unknownTargetHint(unknown: readonly string[], plan: ExecutionPlan): string {
  for (const u of unknown) {
    const guess = didYouMean(u, Object.keys(plan.nodes));
    if (guess) return ` (did you mean "${guess}"?)`;
  }
  return '';
}
