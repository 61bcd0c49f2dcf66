// What follows a step's decision: its completion and routing (static successors, next() targets,
// switch cases), stop(), skip(), suspend(), its final failure (error handlers), and cancelling a
// node's invocations (the losers of an ANY join).
import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { TaskOutcome } from '../orchestrator/types.js';
import { switchTarget } from '../plan/execution-plan.js';
import { finishExec } from './execs.js';
import { release } from './invocations.js';
import { arrive } from './joins.js';
import { cancelMap } from './maps.js';
import { failed, settle, type StepUnit } from './settle.js';
import type { Tx } from './tx.js';
import type { Activation, ExecState, HandlerCall } from './types.js';

/** A step succeeded with `output`: records it, reports it, and routes to its successors. */
export function complete(t: Tx, unit: StepUnit, output: unknown, dynamic: readonly string[] | null): void {
  const { exec, node, act } = unit;
  const route = node.kind === 'switch' && dynamic === null ? switchTarget(node, output) : undefined;
  if (route === null) {
    // No case and no default: a step error like any other (handlers may recover with a case key).
    const error = new WeftError(
      'SWITCH_NO_ROUTE',
      `switch "${node.name}" returned ${JSON.stringify(output)}, which matches no case and there is no default`,
      { data: { value: output } },
    );
    return failed(t, unit, serializeError(error), false);
  }
  exec.outputs[node.name] = output;
  ended(t, unit, output);
  if (route !== undefined) {
    for (const x of node.to) if (x !== route) arrive(t, exec, x, node.name, undefined, true);
    arrive(t, exec, route, node.name, act.input, false);
    return;
  }
  const targets = dynamic ?? node.to;
  if (dynamic !== null)
    for (const x of node.to) if (!targets.includes(x)) arrive(t, exec, x, node.name, undefined, true);
  for (const x of targets) arrive(t, exec, x, node.name, output, false);
}

/** `step.end`, or `step.skip` (cached) for a value replayed from the idempotency hook. */
function ended(t: Tx, unit: StepUnit, output: unknown): void {
  if (unit.cached)
    t.emit(unit.exec, { type: 'step.skip', step: unit.node.name, reason: 'cached', cached: true });
  else
    t.emit(unit.exec, {
      type: 'step.end',
      step: unit.node.name,
      invocation: unit.invocation,
      attempt: unit.act.attempt,
      durationMs: unit.startedAt !== null ? t.now - unit.startedAt : 0,
      output,
    });
}

/** stop(): the execution ends now, successfully, with `output`. */
export function stopExec(t: Tx, unit: StepUnit, output: unknown): void {
  unit.exec.outputs[unit.node.name] = output;
  ended(t, unit, output);
  unit.exec.stop = { value: output };
  finishExec(t, unit.exec, { status: 'succeeded', output });
}

/** Skips a node: its static successors receive skipped arrivals. */
export function skipNode(t: Tx, exec: ExecState, name: string, reason: string, invocation?: number): void {
  t.emit(
    exec,
    invocation
      ? { type: 'step.skip', step: name, reason, invocation }
      : { type: 'step.skip', step: name, reason },
  );
  for (const x of t.node(exec, name)!.to) arrive(t, exec, x, name, undefined, true);
}

/** suspend(): work already running finishes, nothing new starts; the activation waits in the snapshot. */
export function suspendActivation(
  t: Tx,
  exec: ExecState,
  act: Activation,
  reason: string,
  data: unknown,
): void {
  exec.suspended.push({
    node: act.node,
    input: act.input,
    from: act.from,
    attempt: act.attempt,
    reason,
    ...(data !== undefined ? { data } : {}),
  });
  if (exec.mode === 'running') exec.mode = 'suspending';
}

/** A step failed for good: its error handlers are tried (by the runtime: user code), or the execution fails. */
export function failStep(t: Tx, unit: StepUnit, error: SerializedError): void {
  const { exec, node } = unit;
  if (!t.env.handles(exec.path, node.name)) return finishExec(t, exec, { status: 'failed', error });
  exec.handling++;
  t.effect({
    t: 'handle',
    call: {
      exec: exec.id,
      node: node.name,
      act: unit.act,
      error,
      invocation: unit.invocation,
      stateVersion: unit.stateVersion,
      startedAt: unit.startedAt,
    },
  });
}

/** The error handlers answered: a recovery is the step's value (as of its last attempt), else the execution fails. */
export function afterHandled(t: Tx, call: HandlerCall, outcome: TaskOutcome): void {
  const exec = t.state.execs[call.exec];
  if (!exec) return;
  exec.handling--;
  t.touched.add(exec.id);
  if (exec.mode === 'done' || exec.mode === 'suspended') return;
  if (!outcome.ok) return finishExec(t, exec, { status: 'failed', error: outcome.error });
  const node = t.node(exec, call.node)!;
  settle(
    t,
    {
      kind: 'step',
      exec,
      node,
      act: { ...call.act, attempt: node.retry.attempts },
      invocation: call.invocation,
      stateVersion: call.stateVersion,
      lastCheckpoint: undefined,
      startedAt: call.startedAt,
      cached: false,
      memoKey: null,
      recovered: true,
    },
    outcome,
  );
}

/** Cancels the invocations of a node still running (ANY-join losers); their other successors are skipped. */
export function cancelNode(t: Tx, exec: ExecState, name: string, reason: string): void {
  for (const inv of Object.values(t.state.invs)) {
    if (inv.exec !== exec.id || inv.node !== name || inv.kind === 'items') continue;
    const error = serializeError(new WeftError('STEP_CANCELLED', `step "${name}" cancelled: ${reason}`));
    t.cancel(inv, error);
    if (inv.child !== null) {
      const child = t.state.execs[inv.child];
      if (child) finishExec(t, child, { status: 'cancelled', error }, false);
    }
    release(t, inv);
    t.emit(exec, {
      type: 'step.error',
      step: name,
      invocation: inv.id,
      attempt: inv.act.attempt,
      error,
      willRetry: false,
    });
    for (const x of t.node(exec, name)!.to) arrive(t, exec, x, name, undefined, true);
  }
  for (const id of [...exec.maps]) {
    const m = t.state.maps[id]!;
    if (m.node !== name) continue;
    const error = serializeError(new WeftError('STEP_CANCELLED', `map "${name}" cancelled: ${reason}`));
    cancelMap(t, m, error);
    t.emit(exec, {
      type: 'step.error',
      step: name,
      invocation: m.id,
      attempt: m.act.attempt,
      error,
      willRetry: false,
    });
    for (const x of t.node(exec, name)!.to) arrive(t, exec, x, name, undefined, true);
  }
  for (let i = exec.ready.length - 1; i >= 0; i--) {
    if (exec.ready[i]!.node === name) {
      exec.ready.splice(i, 1);
      skipNode(t, exec, name, reason);
    }
  }
}
