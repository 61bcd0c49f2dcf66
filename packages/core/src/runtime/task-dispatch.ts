import type { Pipeline } from '../definition/pipeline.js';
import type { Middleware, StepCode } from '../definition/types.js';
import { serializeError } from '../errors/weft-error.js';
import type { ChainLink, Orchestrator, TaskHooks, TaskOutcome } from '../orchestrator/types.js';
import type { PlanNode } from '../plan/execution-plan.js';
import type { ExecState, Invocation } from '../scheduler/types.js';
import { runMiddleware } from './error-handlers.js';
import { LazyAbortController, withLazySignal } from './lazy-abort.js';

/** What the runtime knows of the pipeline at one path (the run's, or a sub-pipeline's). */
export interface PathInfo {
  readonly pipeline: Pipeline;
  /** The enclosing pipelines' middleware first, then this pipeline's own. */
  readonly middleware: readonly Middleware[];
}

/** What sending a task needs from the runtime. */
export interface TaskPorts {
  readonly runId: string;
  readonly orchestrator: Orchestrator;
  readonly overrides: ReadonlyMap<string, StepCode>;
}

/**
 * Sends one invocation to the orchestrator (through the middleware, around a step but not around
 * map items); never rejects. `hooks` report under the invocation; the returned controller aborts it.
 */
export function sendTask(
  p: TaskPorts,
  exec: ExecState,
  info: PathInfo,
  node: PlanNode,
  inv: Invocation,
  state: unknown,
  hooks: TaskHooks,
  chain?: readonly ChainLink[],
): { readonly controller: LazyAbortController; readonly outcome: Promise<TaskOutcome> } {
  const overrides = p.overrides;
  const override = overrides.size === 0 ? undefined : overrides.get([...exec.path, node.name].join('/'));
  const act = inv.act;
  const controller = new LazyAbortController();
  const body =
    inv.kind === 'items'
      ? { kind: 'items' as const, items: inv.items!, baseIndex: inv.base, attempts: inv.attempts! }
      : { kind: 'step' as const, input: act.input };
  const task = withLazySignal({
    id: inv.id,
    runId: p.runId,
    path: exec.path,
    node: node.name,
    ref: node.ref!,
    ...(override ? { code: override } : {}),
    ...body,
    attempt: act.attempt,
    state,
    params: node.params,
    ...(act.resume ? { resume: act.resume.value } : {}),
    ...(inv.lastCheckpoint !== undefined ? { lastCheckpoint: inv.lastCheckpoint } : {}),
    placement: node.placement,
    ...(node.io ? { io: true } : {}),
    version: node.version,
    ...(chain ? { chain } : {}),
    // The signal is created only if the orchestrator or the step reads it (see lazy-abort.ts).
    cancel: controller,
  });
  const call = (): Promise<TaskOutcome> => p.orchestrator.run(task, hooks);
  const middleware = info.middleware;
  let outcome: Promise<TaskOutcome>;
  try {
    outcome =
      middleware.length === 0 || inv.kind === 'items'
        ? call()
        : runMiddleware(
            middleware,
            { runId: p.runId, step: node.name, path: exec.path, attempt: act.attempt, input: act.input },
            call,
          );
  } catch (error) {
    outcome = Promise.resolve({ ok: false, error: serializeError(error) });
  }
  return {
    controller,
    outcome: outcome.catch((error: unknown): TaskOutcome => ({ ok: false, error: serializeError(error) })),
  };
}
