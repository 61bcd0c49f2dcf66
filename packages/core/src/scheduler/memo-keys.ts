import type { MemoCall } from '../runtime/memo.js';
import type { PlanNode } from '../plan/execution-plan.js';
import type { Tx } from './tx.js';
import type { Activation, ExecState } from './types.js';

/** True when an activation may be memoised: a hook is installed, the node has code of its own, opted in, and it is not a re-run after a suspend. */
export function memoEligible(t: Tx, exec: ExecState, node: PlanNode, act: Activation): boolean {
  const memo = t.env.memo;
  if (!memo || node.ref === null || node.cache === false || act.resume !== undefined) return false;
  return memo.eligible(exec.path, node.name);
}

/** What identifies one invocation for the idempotency hook. */
export function memoCall(
  t: Tx,
  exec: ExecState,
  node: PlanNode,
  kind: MemoCall['kind'],
  input: unknown,
  state: unknown,
  index?: number,
): MemoCall {
  return {
    kind,
    pipeline: t.plan(exec).name,
    path: exec.path,
    node: node.name,
    ref: node.ref!,
    version: node.version,
    params: node.params,
    state,
    input,
    ...(index !== undefined ? { index } : {}),
    runId: t.state.runId,
    ...(node.writes !== undefined ? { writes: node.writes } : {}),
  };
}

/** The memo key of a step or a whole map, or null when it is not memoised. */
export function memoKeyOf(t: Tx, exec: ExecState, node: PlanNode, act: Activation): string | null {
  if (!memoEligible(t, exec, node, act)) return null;
  const key = t.env.memo!.key(
    memoCall(t, exec, node, node.kind === 'map' ? 'map' : 'step', act.input, exec.state),
  );
  return key ?? null;
}
