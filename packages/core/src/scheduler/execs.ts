// Executions: the run's own and each sub-pipeline's. Starting, resuming, the ready queue, finishing
// (for whatever reason: success, stop(), failure, cancellation, suspension), and how a finished
// sub-pipeline settles the sub step that ran it.
import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { PlanNode } from '../plan/execution-plan.js';
import { runOutput } from '../plan/execution-plan.js';
import { dropChains } from './chains.js';
import { release, taskDone } from './invocations.js';
import { settleStuck, waitingBarriers } from './joins.js';
import { initialState } from './run-state.js';
import type { Tx } from './tx.js';
import type { Activation, ExecState, Invocation, SchedulerOutcome } from './types.js';

/** A new execution at `path` (its plan's initial state), under the sub invocation `parent`. */
export function createExec(
  t: Tx,
  id: string,
  path: readonly string[],
  parent: number | null,
  input: unknown,
): ExecState {
  const exec: ExecState = {
    id,
    path,
    parent,
    mode: 'running',
    input,
    state: {},
    stateVersion: 0,
    lastWrite: {},
    outputs: {},
    ready: [],
    suspended: [],
    barriers: {},
    anyPending: {},
    activations: 0,
    running: {},
    invs: 0,
    maps: [],
    handling: 0,
    retryTimers: 0,
    stop: null,
  };
  exec.state = initialState(t.plan(exec));
  t.state.execs[id] = exec;
  return exec;
}

/** Starts an execution from its root node with its input. */
export function startExec(t: Tx, exec: ExecState): void {
  exec.mode = 'running';
  enqueue(t, exec, { node: t.plan(exec).root, input: exec.input, from: null, attempt: 1 });
  t.touched.add(exec.id);
}

/** Resumes a suspended execution: its suspended activations re-run with `resume` in their context. */
export function resumeExec(t: Tx, exec: ExecState, value: unknown): void {
  exec.mode = 'running';
  const list = exec.suspended.splice(0);
  for (const s of list) {
    const { reason: _r, data: _d, ...act } = s;
    exec.ready.push({ ...act, resume: { value } });
  }
  t.touched.add(exec.id);
}

/** Queues an activation; more than `maxSteps` activations fail the execution with STEP_LIMIT. */
export function enqueue(t: Tx, exec: ExecState, act: Activation): void {
  if (++exec.activations > t.env.maxSteps) {
    const error = new WeftError(
      'STEP_LIMIT',
      `more than ${t.env.maxSteps} step activations: a loop that never ends? (raise maxSteps to allow more)`,
    );
    return finishExec(t, exec, { status: 'failed', error: serializeError(error) });
  }
  exec.ready.push(act);
  if (exec.ready.length > t.state.queueDepthMax) t.state.queueDepthMax = exec.ready.length;
  t.touched.add(exec.id);
}

/** A retry's backoff ended: its activation is queued again (it was counted when first queued). */
export function retryDue(t: Tx, exec: ExecState, act: Activation): void {
  exec.retryTimers--;
  exec.activations--;
  enqueue(t, exec, act);
}

/**
 * Ends an execution when nothing can happen in it any more: nothing running, queued, retrying or
 * handling an error. A suspending one is suspended; joins still waiting are settled with what they
 * hold; otherwise it succeeded with its leaves' outputs (or what stop() gave).
 */
export function maybeFinish(t: Tx, exec: ExecState): void {
  if (exec.mode !== 'running' && exec.mode !== 'suspending') return;
  if (exec.invs > 0 || exec.maps.length > 0 || exec.handling > 0) return;
  if (exec.mode === 'running' && exec.ready.length > 0) return;
  // Barrier timers alone do not keep a running execution alive: their joins are settled below.
  let barrierTimers = 0;
  if (exec.mode === 'suspending')
    for (const b of Object.values(exec.barriers)) if (b.timer !== null) barrierTimers++;
  if (exec.retryTimers + barrierTimers > 0) return;
  if (exec.mode === 'suspending')
    return finishExec(t, exec, { status: 'suspended', reasons: suspendReasons(t, exec, []) });
  if (waitingBarriers(exec) > 0) {
    settleStuck(t, exec);
    t.touched.add(exec.id);
    return;
  }
  finishExec(t, exec, {
    status: 'succeeded',
    output: exec.stop ? exec.stop.value : runOutput(t.plan(exec), exec.outputs),
  });
}

/**
 * Ends an execution: everything still in flight in it (and in the sub-pipelines it runs) is
 * aborted, its timers cleared. The run's own ends the run; a sub-pipeline's settles its sub step,
 * unless `notify` is false (its sub step is settled by whoever ended it).
 */
export function finishExec(t: Tx, exec: ExecState, outcome: SchedulerOutcome, notify = true): void {
  if (exec.mode === 'done' || exec.mode === 'suspended') return;
  exec.mode = outcome.status === 'suspended' ? 'suspended' : 'done';
  let reason: SerializedError | undefined;
  for (const inv of Object.values(t.state.invs)) {
    if (inv.exec !== exec.id) continue;
    reason ??=
      outcome.status === 'succeeded' || outcome.status === 'suspended'
        ? serializeError(new WeftError('STEP_CANCELLED', 'the run ended'))
        : outcome.error;
    t.cancel(inv, reason);
    if (inv.child !== null) {
      const child = t.state.execs[inv.child];
      if (child) finishExec(t, child, { status: 'cancelled', error: reason }, false);
    }
    release(t, inv);
  }
  for (const id of exec.maps) {
    const m = t.state.maps[id];
    if (m && !m.array) t.effect({ t: 'closeSource', map: id });
    delete t.state.maps[id];
  }
  exec.maps.length = 0;
  for (const [key, spec] of Object.entries(t.state.timers)) {
    const owner =
      spec.kind === 'retry' || spec.kind === 'barrier'
        ? spec.exec
        : spec.kind === 'itemRetry'
          ? undefined
          : t.state.invs[spec.inv]?.exec;
    if (owner === exec.id || (spec.kind === 'itemRetry' && !(spec.map in t.state.maps))) t.clearTimer(key);
  }
  for (const b of Object.values(exec.barriers)) b.timer = null;
  dropChains(t, exec, 'error' in outcome ? outcome.error : undefined);
  exec.retryTimers = 0;
  if (exec.parent === null) {
    t.state.outcome = outcome;
    t.effect({ t: 'finish', outcome });
    return;
  }
  const parent = t.state.invs[exec.parent];
  if (exec.mode === 'done') delete t.state.execs[exec.id];
  if (notify && parent) subEnded(t, parent, exec, outcome);
}

/** A sub-pipeline ended: its sub step ends with its output or error, or waits suspended with it. */
function subEnded(t: Tx, inv: Invocation, child: ExecState, outcome: SchedulerOutcome): void {
  const exec = t.state.execs[inv.exec];
  if (!exec || exec.mode === 'done') return;
  switch (outcome.status) {
    case 'succeeded':
      return taskDone(t, inv, { ok: true, value: outcome.output });
    case 'failed':
    case 'cancelled':
    case 'timedOut':
      return taskDone(t, inv, { ok: false, error: outcome.error });
    case 'suspended':
      release(t, inv);
      exec.suspended.push({
        node: inv.act.node,
        input: inv.act.input,
        from: inv.act.from,
        attempt: inv.act.attempt,
        sub: child.id,
        reason: outcome.reasons.map((r) => `${inv.node}/${r.step}: ${r.reason}`).join('; '),
      });
      if (exec.mode === 'running') exec.mode = 'suspending';
      return;
  }
}

/**
 * Runs a sub step: its pipeline as a nested execution (started, or resumed where it suspended)
 * sharing the run's slots, bounded by the step's `timeoutMs` from now.
 */
export function runSub(t: Tx, exec: ExecState, node: PlanNode, inv: Invocation): void {
  const resumed = inv.act.sub !== undefined ? t.state.execs[inv.act.sub] : undefined;
  const child = resumed ?? createExec(t, `s${inv.id}`, [...exec.path, node.name], inv.id, inv.act.input);
  child.parent = inv.id;
  inv.child = child.id;
  inv.startedAt = t.now;
  if (node.timeoutMs !== null) {
    inv.timer = `u${inv.id}`;
    t.timer(inv.timer, { kind: 'subTimeout', inv: inv.id }, node.timeoutMs);
  }
  if (resumed) resumeExec(t, child, inv.act.resume?.value);
  else startExec(t, child);
}

/** The whole sub-pipeline timed out like a step: its inner work is cancelled, then the sub step fails. */
export function subTimedOut(t: Tx, inv: Invocation): void {
  inv.timer = null;
  const exec = t.state.execs[inv.exec]!;
  const limit = t.node(exec, inv.node)!.timeoutMs;
  const error = serializeError(
    new WeftError('STEP_TIMEOUT', `sub-pipeline "${inv.node}" ran longer than ${limit} ms`, {
      retryable: true,
      data: { timeoutMs: limit },
    }),
  );
  const child = inv.child !== null ? t.state.execs[inv.child] : undefined;
  if (child) finishExec(t, child, { status: 'timedOut', error }, false);
  taskDone(t, inv, { ok: false, error });
}

/** Why an execution is suspended, with steps inside sub-pipelines named by their qualified name (`sub/step`). */
export function suspendReasons(
  t: Tx,
  exec: ExecState,
  prefix: readonly string[],
): { step: string; reason: string; data?: unknown }[] {
  return exec.suspended.flatMap((s) => {
    const child = s.sub !== undefined ? t.state.execs[s.sub] : undefined;
    if (child) return suspendReasons(t, child, [...prefix, s.node]);
    return [
      {
        step: [...prefix, s.node].join('/'),
        reason: s.reason,
        ...(s.data !== undefined ? { data: s.data } : {}),
      },
    ];
  });
}
