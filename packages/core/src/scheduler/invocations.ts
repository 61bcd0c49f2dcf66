// The life of one invocation in flight: opened at dispatch, started (its step timeout counts from
// then), ended, timed out, settled and released. Per-invocation bookkeeping is plain data.
import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { TaskOutcome } from '../orchestrator/types.js';
import type { PlanNode } from '../plan/execution-plan.js';
import { chainSettled } from './chains.js';
import { chunkDone } from './maps.js';
import { settle } from './settle.js';
import type { Tx } from './tx.js';
import type { Activation, ExecState, Invocation } from './types.js';

/** Opens an invocation of `node` in `exec` (a step, a chunk of map items, or a sub-pipeline). */
export function openInv(
  t: Tx,
  exec: ExecState,
  node: PlanNode,
  act: Activation,
  kind: Invocation['kind'],
  chunk?: { map: number; base: number; items: readonly unknown[]; attempts: readonly number[] },
): Invocation {
  const inv: Invocation = {
    id: t.nextId(),
    exec: exec.id,
    node: node.name,
    kind,
    act,
    stateVersion: exec.stateVersion,
    startedAt: null,
    endedAt: null,
    timer: null,
    lastCheckpoint: act.lastCheckpoint,
    memoKey: null,
    map: chunk ? chunk.map : null,
    base: chunk ? chunk.base : 0,
    items: chunk ? chunk.items : null,
    attempts: chunk ? chunk.attempts : null,
    pending: chunk ? chunk.items.map(() => true) : null,
    reported: 0,
    child: null,
    chain: null,
    carrier: null,
    link: 0,
  };
  t.state.invs[inv.id] = inv;
  exec.invs++;
  if (kind !== 'items') exec.running[node.name] = (exec.running[node.name] ?? 0) + 1;
  if (kind !== 'sub') t.state.slots++;
  return inv;
}

/** Closes an invocation (once): false when it was already closed. Frees its slot and its timer. */
export function release(t: Tx, inv: Invocation): boolean {
  if (t.state.invs[inv.id] !== inv) return false;
  delete t.state.invs[inv.id];
  const exec = t.state.execs[inv.exec]!;
  exec.invs--;
  if (inv.timer !== null) t.clearTimer(inv.timer);
  if (inv.kind !== 'items') exec.running[inv.node] = (exec.running[inv.node] ?? 1) - 1;
  else {
    const m = t.state.maps[inv.map!];
    if (m) m.chunks--;
  }
  if (inv.kind !== 'sub') {
    t.state.slots--;
    t.freed = true;
  }
  t.touched.add(exec.id);
  return true;
}

/** The task began running: its step timeout (per item for a chunk) counts from now. */
export function started(t: Tx, inv: Invocation): void {
  if (inv.startedAt !== null) return;
  inv.startedAt = t.now;
  const limit = t.node(t.state.execs[inv.exec]!, inv.node)!.timeoutMs;
  if (limit === null) return;
  inv.timer = `s${inv.id}`;
  t.timer(inv.timer, { kind: 'stepTimeout', inv: inv.id }, limit * (inv.items ? inv.items.length : 1));
}

/** The STEP_TIMEOUT error of an invocation that ran longer than its node's `timeoutMs`. */
export function stepTimeout(node: PlanNode): SerializedError {
  const limit = node.timeoutMs;
  return serializeError(
    new WeftError('STEP_TIMEOUT', `step "${node.name}" ran longer than ${limit} ms`, {
      retryable: true,
      data: { timeoutMs: limit },
    }),
  );
}

/**
 * True when a task reports after its deadline (its first `done` items, for a chunk, each allowed
 * `timeoutMs`): the timer could not fire first because the step held the thread, as a synchronous
 * step on the main thread does. It ran to the end, yet it overran: a timeout like any other.
 */
export function overran(t: Tx, inv: Invocation, node: PlanNode, done = 1): boolean {
  const limit = node.timeoutMs;
  if (limit === null || inv.startedAt === null || inv.timer === null) return false;
  return (inv.endedAt ?? t.now) - inv.startedAt >= limit * done;
}

/** The step timeout fired: the task is aborted and fails with STEP_TIMEOUT. */
export function timedOut(t: Tx, inv: Invocation): void {
  inv.timer = null;
  const error = stepTimeout(t.node(t.state.execs[inv.exec]!, inv.node)!);
  t.cancel(inv, error);
  taskDone(t, inv, { ok: false, error });
}

/** A task ended (or timed out): routed to its step or its map exactly once. */
export function taskDone(t: Tx, inv: Invocation, outcome: TaskOutcome): void {
  if (inv.kind === 'items') return chunkDone(t, inv, outcome);
  const exec = t.state.execs[inv.exec]!;
  const node = t.node(exec, inv.node)!;
  if (inv.kind === 'step' && outcome.ok && overran(t, inv, node)) {
    outcome = { ok: false, error: stepTimeout(node) };
    t.cancel(inv, outcome.error);
  }
  if (exec.mode === 'done' || !release(t, inv)) return;
  if (inv.chain !== null || inv.carrier !== null) chainSettled(t, inv, outcome);
  settle(
    t,
    {
      kind: 'step',
      exec,
      node,
      act: inv.act,
      invocation: inv.id,
      stateVersion: inv.stateVersion,
      lastCheckpoint: inv.lastCheckpoint,
      startedAt: inv.startedAt,
      cached: false,
      memoKey: inv.memoKey,
    },
    outcome,
  );
}

/** `ctx.checkpoint(value)`: kept for a retry, persisted under the memo key, and reported. */
export function checkpoint(t: Tx, inv: Invocation, value: unknown): void {
  const exec = t.state.execs[inv.exec]!;
  inv.lastCheckpoint = value;
  if (inv.memoKey !== null) {
    try {
      t.env.memo?.checkpoint(inv.memoKey, value);
    } catch (e) {
      t.emit(exec, {
        type: 'warning',
        code: 'NOT_SERIALIZABLE',
        step: inv.node,
        message: `checkpoint not persisted: ${(e as Error).message}`,
      });
    }
  }
  t.emit(exec, { type: 'checkpoint', step: inv.node, invocation: inv.map ?? inv.id, value });
}

/**
 * The backend lost the worker running the task and runs it again from its start elsewhere: what it
 * reported stands, and the run is told with a `warning` (WORKER_CRASHED). The step timeout keeps
 * counting from the first start (the backend does not start it again).
 */
export function restarted(t: Tx, inv: Invocation, reason: string, message: string): void {
  t.emit(t.state.execs[inv.exec]!, {
    type: 'warning',
    code: 'WORKER_CRASHED',
    step: inv.node,
    message: `${message} (${reason})`,
  });
}
