import type { Pipeline } from '../definition/pipeline.js';
import type { ErrorHandler, Middleware } from '../definition/types.js';
import {
  WeftError,
  deserializeError,
  isWeftError,
  serializeError,
  type SerializedError,
} from '../errors/weft-error.js';
import type { TaskOutcome } from '../orchestrator/types.js';
import type { PlanNode } from '../plan/execution-plan.js';
import type { ActivationData } from './snapshot.js';

/**
 * Runs the error handlers of a failed step: the step's handler first, then the pipeline's;
 * undefined when nobody handles it. A handler recovers by returning (or resolving to) an output or a
 * control result; one that throws passes the error to the next handler. Rethrowing the error it was
 * given, or throwing a Weft error, keeps that error; any other throw is a bug in the handler and
 * becomes HOOK_FAILED (with the thrown error as cause).
 */
export function runErrorHandlers(
  pipeline: Pipeline,
  node: PlanNode,
  act: ActivationData,
  error: SerializedError,
): TaskOutcome | Promise<TaskOutcome> | undefined {
  const def = pipeline.nodes.find((n) => n.name === node.name);
  const handlers = [def?.options.onError, pipeline.options.onError].filter(
    (h): h is ErrorHandler => typeof h === 'function',
  );
  if (handlers.length === 0) return undefined;
  const info = { step: node.name, input: act.input, attempt: act.attempt };
  const original = deserializeError(error);
  const failed = (current: WeftError, thrown: unknown): WeftError =>
    isWeftError(thrown)
      ? thrown
      : new WeftError(
          'HOOK_FAILED',
          `error handler of step "${node.name}" failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
          {
            cause: thrown,
            data: { step: node.name, handling: current.code },
          },
        );
  const tryFrom = (i: number, current: WeftError): TaskOutcome | Promise<TaskOutcome> => {
    if (i >= handlers.length)
      return { ok: false, error: current === original ? error : serializeError(current) };
    let value: unknown;
    try {
      value = handlers[i]!(current, info);
    } catch (e) {
      return tryFrom(i + 1, failed(current, e));
    }
    if (!isThenable(value)) return { ok: true, value };
    return Promise.resolve(value).then(
      (v): TaskOutcome => ({ ok: true, value: v }),
      (e: unknown) => tryFrom(i + 1, failed(current, e)),
    );
  };
  return tryFrom(0, original);
}

/**
 * Runs the middleware chain around one invocation, outermost first. `next()` resolves to the step's
 * raw return value (an output or a control result) and rejects with the step's error (a WeftError);
 * what the outermost middleware returns or throws is the invocation's outcome.
 */
export async function runMiddleware(
  list: readonly Middleware[],
  info: Parameters<Middleware>[0],
  last: () => Promise<TaskOutcome>,
): Promise<TaskOutcome> {
  let failure: { error: WeftError; outcome: TaskOutcome } | undefined;
  const step = async (): Promise<unknown> => {
    const outcome = await last();
    if (outcome.ok) return outcome.value;
    const error = deserializeError(outcome.error);
    failure = { error, outcome };
    throw error;
  };
  const call = (i: number): Promise<unknown> =>
    i >= list.length ? step() : Promise.resolve(list[i]!(info, () => call(i + 1)));
  try {
    return { ok: true, value: await call(0) };
  } catch (e) {
    // The step's own error, passed through as it was, keeps its serialised form (original code included).
    if (failure && e === failure.error) return failure.outcome;
    return { ok: false, error: serializeError(e) };
  }
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
