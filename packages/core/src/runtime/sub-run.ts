import type { TimerHandle } from '../clock/clock.js';
import { WeftError, serializeError } from '../errors/weft-error.js';
import type { TaskOutcome } from '../orchestrator/types.js';
import type { ExecutionPlan } from '../plan/execution-plan.js';
import type { ExecutionDeps, TaskSlots } from './execution-deps.js';
import type { Inflight } from './inflight.js';
import type { ExecutionOutcome } from './run-execution.js';
import type { RunSnapshot } from './snapshot.js';

/** A nested execution, as a sub step sees it. */
export interface ChildExecution {
  start(input: unknown): Promise<ExecutionOutcome>;
  resume(snapshot: RunSnapshot, resumeValue: unknown): Promise<ExecutionOutcome>;
  abort(status: 'failed' | 'cancelled' | 'timedOut', error: WeftError): void;
}

/** What a sub-pipeline step needs from the execution that runs it. */
export interface SubHost {
  readonly deps: ExecutionDeps;
  readonly slots: TaskSlots;
  /** Creates the nested execution (a RunExecution: passed in, so that this module does not import it). */
  child(deps: ExecutionDeps, plan: ExecutionPlan): ChildExecution;
  timer(ms: number, fn: () => void): TimerHandle;
  /** True while the sub step's invocation is still open in a running execution. */
  open(): boolean;
  /** The sub step ended with this outcome. */
  settle(outcome: TaskOutcome): void;
  /** The sub-pipeline suspended: the sub step waits in the snapshot. */
  suspend(snapshot: RunSnapshot, reason: string): void;
}

/**
 * Runs a sub step: its pipeline as a nested execution sharing the run's event stream, clock, task
 * slots and orchestrator (started, or resumed from its snapshot), bounded by the step's `timeoutMs`.
 */
export function runSub(host: SubHost, inv: Inflight): void {
  const d = host.deps;
  const plan = inv.node.sub!;
  const def = d.pipeline.nodes.find((n) => n.name === inv.node.name);
  const subPipeline = (def as { pipeline: ExecutionDeps['pipeline'] }).pipeline;
  const child = host.child(
    {
      ...d,
      slots: host.slots,
      plan,
      pipeline: subPipeline,
      path: [...d.path, inv.node.name],
      // The enclosing pipelines' middleware wraps the inner steps too, outside the inner pipeline's own.
      middleware: [...d.middleware, ...(subPipeline.options.middleware ?? [])],
    },
    plan,
  );
  inv.abortSub = (e) => child.abort('cancelled', e);
  inv.startedAt = d.clock.now();
  const limit = inv.node.timeoutMs;
  if (limit !== null) {
    // The whole sub-pipeline times out like a step: its inner work is cancelled, then the sub step fails.
    inv.timer = host.timer(limit, () => {
      const error = new WeftError(
        'STEP_TIMEOUT',
        `sub-pipeline "${inv.node.name}" ran longer than ${limit} ms`,
        { retryable: true, data: { timeoutMs: limit } },
      );
      child.abort('timedOut', error);
      host.settle({ ok: false, error: serializeError(error) });
    });
  }
  const done = inv.act.sub ? child.resume(inv.act.sub, inv.act.resume?.value) : child.start(inv.act.input);
  void done.then((o) => {
    if (!host.open()) return;
    switch (o.status) {
      case 'succeeded':
        host.settle({ ok: true, value: o.output });
        return;
      case 'suspended':
        host.suspend(o.snapshot, o.reasons.map((r) => `${inv.node.name}/${r.step}: ${r.reason}`).join('; '));
        return;
      case 'failed':
      case 'cancelled':
      case 'timedOut':
        host.settle({ ok: false, error: serializeError(o.error) });
        return;
    }
  });
}
