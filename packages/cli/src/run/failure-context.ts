// Where a run failed: the step, its sub-pipeline path and the attempt, taken from the run's own
// `step.error` events, so that the error a user sees says where it happened (issue 12, item 8).
import { WeftError, type ExecutionPlan, type RunEvent, type SerializedError } from '@weft/core';

/** Where a failure happened. */
export interface FailurePlace {
  readonly step: string;
  /** Sub-pipeline path (the names of the `sub` steps from the top), `[]` at the top level. */
  readonly path: readonly string[];
  readonly attempt: number;
  /** Attempts the step's retry policy allows (the first included), when the plan knows it. */
  readonly attempts?: number;
  /** The map item (its position in the input), for a map whose item failed. */
  readonly index?: number;
  readonly stack?: string;
}

type StepError = Extract<RunEvent, { type: 'step.error' }>;

/** Watches a run's events and remembers the final (not retried) step failures, innermost first. */
export class FailureTracker {
  readonly #fatal: StepError[] = [];

  /** Feed every event of the run. */
  onEvent(e: RunEvent): void {
    if (e.type === 'step.error' && !e.willRetry) this.#fatal.push(e);
  }

  /**
   * The place of `error` (the run's error): the first final `step.error` with the same code and
   * message — the innermost, since a sub-pipeline's step fails before the `sub` step that holds it.
   */
  placeOf(error: WeftError, plan: ExecutionPlan): FailurePlace | undefined {
    const e = this.#fatal.find((f) => same(f.error, error));
    if (!e) return undefined;
    const attempts = nodeOf(plan, e.path, e.step)?.retry.attempts;
    const item = e.index ?? e.error.data['index'];
    const index = typeof item === 'number' ? item : undefined;
    return {
      step: e.step,
      path: e.path,
      attempt: e.attempt,
      ...(attempts !== undefined ? { attempts } : {}),
      ...(index !== undefined ? { index } : {}),
      ...(e.error.stack !== undefined ? { stack: e.error.stack } : {}),
    };
  }
}

function same(s: SerializedError, e: WeftError): boolean {
  return s.code === e.code && s.message === e.message;
}

function nodeOf(plan: ExecutionPlan, path: readonly string[], step: string) {
  let p: ExecutionPlan | null | undefined = plan;
  for (const sub of path) p = p?.nodes[sub]?.sub;
  return p?.nodes[step];
}

/** `step "b" of sub-pipeline "outer/inner" (attempt 2 of 3)`. */
export function describePlace(p: FailurePlace): string {
  const where = p.path.length > 0 ? ` of sub-pipeline "${p.path.join('/')}"` : '';
  const item = p.index !== undefined ? `, item ${p.index}` : '';
  const attempt = p.attempts !== undefined ? `attempt ${p.attempt} of ${p.attempts}` : `attempt ${p.attempt}`;
  return `step "${p.step}"${where} (${attempt}${item})`;
}

/**
 * The run's error with its place: the message starts with the step, sub-pipeline path and attempt
 * (unless it already names the step), and `data` holds `step`, `path`, `attempt` and the step's stack.
 */
export function placeError(error: WeftError, place: FailurePlace | undefined): WeftError {
  if (!place) return error;
  const named = error.message.includes(`step "${[...place.path, place.step].join('/')}"`);
  const message = named ? error.message : `${describePlace(place)} failed: ${error.message}`;
  const placed = new WeftError(error.code, message, {
    retryable: error.retryable,
    cause: error,
    data: {
      ...error.data,
      step: place.step,
      path: [...place.path],
      attempt: place.attempt,
      ...(place.attempts !== undefined ? { attempts: place.attempts } : {}),
      ...(place.index !== undefined ? { index: place.index } : {}),
    },
  });
  placed.name = error.name;
  placed.stack = place.stack ?? error.stack ?? '';
  return placed;
}
