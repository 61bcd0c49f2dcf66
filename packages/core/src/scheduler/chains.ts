// Chains: when nothing else of a run can happen, a linear run of plain steps is sent as one task
// that runs them one after the other where the first ran (a backend declaring `chains`), instead
// of one round trip to the main thread per step. The scheduler still decides each step: it takes a
// step from the chain only when its own activation is exactly the one the backend ran (the next
// node, attempt 1, the previous step's output as input); anything else abandons the chain.
import { isControl } from '../definition/control.js';
import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { TaskOutcome } from '../orchestrator/types.js';
import type { PlanNode } from '../plan/execution-plan.js';
import type { Tx } from './tx.js';
import type { Activation, ExecState, Invocation } from './types.js';

/** Most steps one chain task may carry. */
const MAX_CHAIN = 1000;

/**
 * The steps a backend may run after `inv` (empty when it must not): the run is quiet — this is its
 * only task, nothing is queued, no map, no handler, no timer — and each next node is a plain step
 * (code of its own, one static parent, one static successor before it, no timeout, not placed on
 * the main thread), bounded by the activations left and the room in the event stream.
 */
export function chainAfter(t: Tx, exec: ExecState, node: PlanNode, inv: Invocation): string[] {
  if (!t.env.chains(exec.path) || node.to.length !== 1 || !quiet(t, inv)) return [];
  const plan = t.plan(exec);
  const room = Number.isFinite(t.room) ? Math.floor(t.room / 2) : MAX_CHAIN;
  const max = Math.min(MAX_CHAIN, t.env.maxSteps - exec.activations, room);
  const out: string[] = [];
  let n = node;
  while (out.length < max && n.to.length === 1) {
    const next = plan.nodes[n.to[0]!];
    if (
      !next ||
      next.kind !== 'step' ||
      next.ref === null ||
      next.parents.length !== 1 ||
      next.join !== null ||
      next.timeoutMs !== null ||
      next.placement === 'main' ||
      next.io
    )
      break;
    out.push(next.name);
    n = next;
  }
  return out;
}

function quiet(t: Tx, inv: Invocation): boolean {
  const s = t.state;
  if (s.slots !== 1) return false;
  for (const id in s.invs) if (s.invs[id] !== inv && s.invs[id]!.kind !== 'sub') return false;
  for (const _ in s.maps) return false;
  for (const _ in s.timers) return false;
  for (const id in s.execs) {
    const e = s.execs[id]!;
    if (e.ready.length > 0 || e.handling > 0 || (e.mode !== 'running' && e.mode !== 'suspended'))
      return false;
  }
  return true;
}

/**
 * Offers the steps after `inv` to its backend as a chain (see `chainAfter`): the task it is sent
 * as carries them, and they are taken from it as the scheduler decides them.
 */
export function offerChain(t: Tx, exec: ExecState, node: PlanNode, inv: Invocation): void {
  const chain = chainAfter(t, exec, node, inv);
  if (chain.length === 0) return;
  inv.chain = chain;
  t.state.chains[inv.id] = { exec: exec.id, nodes: chain, next: 0, last: node.name };
}

/**
 * The backend did not run `inv`, a step taken from a chain (it stopped before it, or ran only the
 * task's own step): the chain is abandoned, and the step is sent as a task of its own (which may
 * carry a new chain).
 */
export function unlinked(t: Tx, inv: Invocation): void {
  if (inv.carrier === null) return;
  delete t.state.chains[inv.carrier];
  inv.carrier = null;
  inv.link = 0;
  const exec = t.state.execs[inv.exec]!;
  offerChain(t, exec, t.node(exec, inv.node)!, inv);
  t.effect({ t: 'dispatch', inv: inv.id });
}

/** The chain task that ran `act` ahead, if the activation is exactly its next step; stale chains of `exec` are dropped. */
export function takeFromChain(
  t: Tx,
  exec: ExecState,
  act: Activation,
): { carrier: number; k: number } | undefined {
  for (const id in t.state.chains) {
    const c = t.state.chains[id]!;
    if (c.exec !== exec.id) continue;
    const carrier = Number(id);
    if (
      c.nodes[c.next] === act.node &&
      act.attempt === 1 &&
      act.from === c.last &&
      act.resume === undefined &&
      act.sub === undefined
    ) {
      const k = ++c.next;
      c.last = act.node;
      if (c.next >= c.nodes.length) delete t.state.chains[carrier];
      return { carrier, k };
    }
    dropChain(t, carrier);
  }
  return undefined;
}

/**
 * A step of a chain settled (the carrier's own, or one taken from it): the backend goes on only
 * after a plain value, and so does the chain here. After a control result or a failure the steps
 * it lists are decided afresh (the backend did not run them).
 */
export function chainSettled(t: Tx, inv: Invocation, outcome: TaskOutcome): void {
  const id = inv.carrier ?? (inv.chain !== null ? inv.id : null);
  if (id === null || !(id in t.state.chains)) return;
  if (!outcome.ok || isControl(outcome.value)) dropChain(t, id);
}

/**
 * Abandons a chain: the steps it had left are no longer taken from it, and its task is cancelled
 * (a backend still running steps ahead stops; one that already stopped ignores it).
 */
export function dropChain(t: Tx, carrier: number, error?: SerializedError): void {
  if (!(carrier in t.state.chains)) return;
  delete t.state.chains[carrier];
  t.effect({
    t: 'cancel',
    inv: carrier,
    error: error ?? serializeError(new WeftError('STEP_CANCELLED', 'the chain of steps was abandoned')),
  });
}

/** Drops the chains of an execution that ended (with its error, when it has one). */
export function dropChains(t: Tx, exec: ExecState, error?: SerializedError): void {
  for (const id in t.state.chains) if (t.state.chains[id]!.exec === exec.id) dropChain(t, Number(id), error);
}
