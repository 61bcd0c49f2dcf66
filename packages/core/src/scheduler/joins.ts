// Joins: an arrival at a node that is not a join activates it (or skips it) at once; a join's barrier
// follows the barrier machine's lifecycle (supervisor/barrier-machine.ts, replayed from a table) with
// its arrivals as plain data, and is released, timed out or settled when nothing can arrive any more.
import { WeftError, serializeError } from '../errors/weft-error.js';
import type { PlanNode } from '../plan/execution-plan.js';
import { barrierComplete, barrierTransition } from '../supervisor/barrier-machine.js';
import { cancelNode, skipNode } from './complete.js';
import { enqueue } from './execs.js';
import { failed } from './settle.js';
import type { Tx } from './tx.js';
import type { BarrierState, ExecState } from './types.js';

/** Joins still waiting in an execution. */
export function waitingBarriers(exec: ExecState): number {
  let n = 0;
  for (const _ in exec.barriers) n++;
  return n;
}

/** The join a node lost the race into (or missed the barrier timeout of), if any: it must not run. */
export function lostInto(exec: ExecState, node: string): string | undefined {
  for (const join in exec.anyPending) if (exec.anyPending[join]!.includes(node)) return join;
  return undefined;
}

/** `from` ended (with `value`, or skipped) and `target` is one of its successors. */
export function arrive(
  t: Tx,
  exec: ExecState,
  target: string,
  from: string,
  value: unknown,
  skipped: boolean,
): void {
  if (exec.mode === 'done' || exec.mode === 'suspended') return;
  const node = t.node(exec, target)!;
  const pendingAny = exec.anyPending[target];
  if (pendingAny) {
    const i = pendingAny.indexOf(from);
    if (i >= 0) {
      pendingAny.splice(i, 1);
      if (pendingAny.length === 0) delete exec.anyPending[target];
      return;
    }
  }
  if (node.join === null || !node.parents.includes(from)) {
    if (skipped) skipNode(t, exec, target, `parent "${from}" was skipped`);
    else enqueue(t, exec, { node: target, input: value, from, attempt: 1 });
    return;
  }
  let b = exec.barriers[target];
  if (!b) {
    b = { status: 'waiting', arrived: {}, inputs: {}, firstAt: t.now, timer: null };
    exec.barriers[target] = b;
    if (node.barrierTimeoutMs !== null) {
      b.timer = `b${++t.state.timerSeq}`;
      t.timer(b.timer, { kind: 'barrier', exec: exec.id, node: target }, node.barrierTimeoutMs);
    }
  }
  if (!skipped) b.inputs[from] = value;
  if (b.status === 'waiting' && b.arrived[from] === undefined) b.arrived[from] = skipped ? 'skipped' : 'ok';
  b.status = barrierTransition(
    b.status,
    'ARRIVE',
    barrierComplete({ kind: node.join, parents: node.parents, arrived: b.arrived }),
  );
  t.emit(exec, {
    type: 'barrier.wait',
    step: target,
    from,
    arrived: Object.keys(b.arrived).length,
    expected: node.join === 'all' ? node.parents.length : 1,
  });
  if (b.status !== 'released') return;
  delete exec.barriers[target];
  if (b.timer !== null) t.clearTimer(b.timer);
  releaseBarrier(t, exec, node, b);
}

/**
 * Nothing is running, queued or waiting on a timer, so no parent can still arrive: one waiting join
 * is settled with what it holds (released with its outputs, or skipped when it holds only skips).
 * The first is one that no other waiting join can reach, so joins settle in graph order.
 */
export function settleStuck(t: Tx, exec: ExecState): void {
  const waiting = Object.keys(exec.barriers);
  const target = waiting.find((n) => !waiting.some((o) => o !== n && reaches(t, exec, o, n))) ?? waiting[0]!;
  const b = exec.barriers[target]!;
  delete exec.barriers[target];
  if (b.timer !== null) t.clearTimer(b.timer);
  releaseBarrier(t, exec, t.node(exec, target)!, b);
}

/** Runs a released join (or skips it when every parent that arrived was skipped); losers of an ANY race are cancelled. */
function releaseBarrier(t: Tx, exec: ExecState, node: PlanNode, b: BarrierState): void {
  const target = node.name;
  const ok = node.parents.filter((p) => b.arrived[p] === 'ok');
  t.emit(exec, {
    type: 'barrier.release',
    step: target,
    join: node.join!,
    arrived: Object.keys(b.arrived),
    waitedMs: t.now - b.firstAt,
    skipped: ok.length === 0,
  });
  if (ok.length === 0) return skipNode(t, exec, target, 'every parent was skipped');
  if (node.join === 'any') {
    const losers = node.parents.filter((p) => b.arrived[p] === undefined);
    if (losers.length > 0) exec.anyPending[target] = [...losers];
    for (const l of losers) cancelNode(t, exec, l, `lost the any-join race into "${target}"`);
    enqueue(t, exec, { node: target, input: b.inputs[ok[0]!], from: ok[0]!, attempt: 1 });
    return;
  }
  const input: Record<string, unknown> = {};
  for (const parent of node.parents) if (parent in b.inputs) input[parent] = b.inputs[parent];
  enqueue(t, exec, { node: target, input, from: null, attempt: 1 });
}

/** A join's barrier timed out: it fails with BARRIER_TIMEOUT (its handlers may recover it). */
export function barrierTimedOut(t: Tx, exec: ExecState, target: string): void {
  const b = exec.barriers[target];
  if (!b || exec.mode === 'done' || exec.mode === 'suspended') return;
  b.timer = null;
  b.status = barrierTransition(b.status, 'TIMEOUT', false);
  delete exec.barriers[target];
  const node = t.node(exec, target)!;
  const arrived = Object.keys(b.arrived);
  const missing = node.parents.filter((p) => b.arrived[p] === undefined);
  t.emit(exec, { type: 'barrier.timeout', step: target, arrived, missing });
  const error = new WeftError(
    'BARRIER_TIMEOUT',
    `join "${target}" waited ${node.barrierTimeoutMs} ms; still missing ${missing.join(', ')}`,
    { data: { arrived, missing } },
  );
  failed(
    t,
    {
      kind: 'step',
      exec,
      node,
      act: { node: target, input: b.inputs, from: null, attempt: node.retry.attempts },
      invocation: 0,
      stateVersion: exec.stateVersion,
      lastCheckpoint: undefined,
      startedAt: null,
      cached: false,
      memoKey: null,
    },
    serializeError(error),
    false,
  );
  // Should a handler recover the join, the parents that missed it are cancelled and their arrivals absorbed.
  if (missing.length > 0 && (exec.mode as ExecState['mode']) !== 'done') {
    exec.anyPending[target] = [...missing];
    for (const l of missing) cancelNode(t, exec, l, `missed the barrier timeout of "${target}"`);
  }
  t.touched.add(exec.id);
}

/** True when `to` can be reached from `from` through static edges and declared routes. */
function reaches(t: Tx, exec: ExecState, from: string, to: string): boolean {
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const n = t.node(exec, stack.pop()!);
    if (!n) continue;
    for (const x of [...n.to, ...n.routes]) {
      if (x === to) return true;
      if (!seen.has(x)) {
        seen.add(x);
        stack.push(x);
      }
    }
  }
  return false;
}
