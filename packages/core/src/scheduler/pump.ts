// Dispatching: the ready queue of an execution, under the quotas (per-node concurrency, the run's
// task slots, room in the event stream), and the activation of one node: a memo hit, a map, a
// sub-pipeline, or a task for the orchestrator.
import { serializeError, WeftError } from '../errors/weft-error.js';
import type { PlanNode } from '../plan/execution-plan.js';
import { offerChain, takeFromChain } from './chains.js';
import { skipNode } from './complete.js';
import { finishExec, maybeFinish, runSub } from './execs.js';
import { openInv } from './invocations.js';
import { lostInto } from './joins.js';
import { fillMap, startMap } from './maps.js';
import { memoEligible, memoKeyOf } from './memo-keys.js';
import { settle } from './settle.js';
import type { Tx } from './tx.js';
import type { Activation, ExecState } from './types.js';

/**
 * Dispatches what an execution can: ready activations while their node has capacity, then the
 * items of its maps (a map that has started goes on while the run suspends: it cannot be
 * snapshotted half-way). Goes round again while that made more work ready, then ends the execution
 * if nothing is left to do.
 */
export function pump(t: Tx, exec: ExecState): void {
  for (;;) {
    while (exec.mode === 'running' && exec.ready.length > 0 && t.canDispatch(exec)) {
      const i = exec.ready.findIndex((a) => hasCapacity(t, exec, a));
      if (i < 0) break;
      const [act] = exec.ready.splice(i, 1);
      activate(t, exec, act!);
    }
    // A map that ends while it is filled (all items cached, an empty input) queues its successors.
    const queued = exec.activations;
    for (const id of [...exec.maps]) {
      if (exec.mode !== 'running' && exec.mode !== 'suspending') break;
      const m = t.state.maps[id];
      if (m) fillMap(t, m);
    }
    if (exec.activations === queued || exec.mode !== 'running') break;
  }
  maybeFinish(t, exec);
}

function hasCapacity(t: Tx, exec: ExecState, act: Activation): boolean {
  const node = t.node(exec, act.node);
  if (!node || node.kind === 'map' || node.concurrency === null) return true;
  return (exec.running[node.name] ?? 0) < node.concurrency;
}

/** Activates one node: it is skipped, replayed from the memo, started as a map or a sub, or sent as a task. */
function activate(t: Tx, exec: ExecState, act: Activation): void {
  const node = t.node(exec, act.node);
  if (!node) {
    const error = new WeftError('UNKNOWN_TARGET', `no step "${act.node}" in "${t.plan(exec).name}"`);
    return finishExec(t, exec, { status: 'failed', error: serializeError(error) });
  }
  // A parent that lost an ANY race (or missed a barrier timeout) before it started does not run.
  const lost = lostInto(exec, act.node);
  if (lost !== undefined) return skipNode(t, exec, act.node, `lost the race into "${lost}"`);
  const memoKey = memoKeyOf(t, exec, node, act);
  if (memoKey !== null) {
    const hit = t.env.memo!.get(memoKey);
    if (hit) {
      return settle(
        t,
        {
          kind: 'step',
          exec,
          node,
          act,
          invocation: 0,
          stateVersion: exec.stateVersion,
          lastCheckpoint: undefined,
          startedAt: null,
          cached: true,
          memoKey: null,
        },
        { ok: true, value: hit.value },
      );
    }
  }
  if (node.kind === 'map') return startMap(t, exec, node, act, memoKey, memoEligible(t, exec, node, act));
  dispatchStep(t, exec, node, act, memoKey);
}

function dispatchStep(t: Tx, exec: ExecState, node: PlanNode, act: Activation, memoKey: string | null): void {
  const link = node.kind === 'step' && memoKey === null ? takeFromChain(t, exec, act) : undefined;
  const inv = openInv(t, exec, node, act, node.kind === 'sub' ? 'sub' : 'step');
  if (memoKey !== null) {
    inv.memoKey = memoKey;
    const cp = inv.lastCheckpoint === undefined ? t.env.memo!.lastCheckpoint(memoKey) : undefined;
    if (cp) inv.lastCheckpoint = cp.value;
  }
  t.emit(exec, { type: 'step.start', step: node.name, invocation: inv.id, attempt: act.attempt });
  if (node.kind === 'sub') return runSub(t, exec, node, inv);
  if (link) {
    // Run ahead by the chain task that ran the step before it: its outcome comes from there.
    inv.carrier = link.carrier;
    inv.link = link.k;
    inv.startedAt = t.now;
    t.effect({ t: 'link', inv: inv.id, carrier: link.carrier, k: link.k });
    return;
  }
  if (node.kind === 'step' && memoKey === null) offerChain(t, exec, node, inv);
  t.effect({ t: 'dispatch', inv: inv.id });
}
