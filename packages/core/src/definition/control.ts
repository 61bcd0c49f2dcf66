/**
 * Control-flow results a step may return instead of (or along with) a plain output.
 * They are plain branded objects so that they survive msgpack across threads. An error handler may
 * return them too. A map item may return only `update()` (its patch applies when the item ends) and
 * `retry()`; any other control fails the item. A switch's code may return them instead of a key.
 */
export type Control =
  | {
      readonly $weft: 'next';
      readonly targets: readonly string[];
      readonly output?: unknown;
      readonly state?: StatePatch;
    }
  | { readonly $weft: 'stop'; readonly output?: unknown; readonly state?: StatePatch }
  | { readonly $weft: 'skip'; readonly reason?: string }
  | { readonly $weft: 'retry'; readonly reason?: string }
  | { readonly $weft: 'suspend'; readonly reason: string; readonly data?: unknown }
  | { readonly $weft: 'update'; readonly state: StatePatch; readonly output?: unknown };

/** A partial state object; each key is merged with that key's reducer. */
export type StatePatch = Readonly<Record<string, unknown>>;

const KINDS = new Set(['next', 'stop', 'skip', 'retry', 'suspend', 'update']);

/** True when a step's return value is a control result. */
export function isControl(value: unknown): value is Control {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { $weft?: unknown }).$weft === 'string' &&
    KINDS.has((value as { $weft: string }).$weft)
  );
}

/**
 * Route to other steps by name (dynamic routing), replacing the step's static edges: static
 * successors not named are skipped. Without an `output`, the targets receive this step's own input.
 * A target that is not a step fails the step with UNKNOWN_TARGET.
 * @example return next('review', draft);
 */
export function next(target: string | readonly string[], output?: unknown, state?: StatePatch): Control {
  const targets = typeof target === 'string' ? [target] : [...target];
  return withOptional({ $weft: 'next', targets }, output, state);
}

/**
 * Stop the run successfully; `output` becomes the run's output and work still in flight is cancelled.
 * Inside a sub-pipeline it ends that sub-pipeline only (like a return): `output` is the sub step's output.
 */
export function stop(output?: unknown, state?: StatePatch): Control {
  return withOptional({ $weft: 'stop' }, output, state);
}

/** Skip this step and its descendants (`step.skip` events); a join runs when some parent was not skipped. */
export function skip(reason?: string): Control {
  return reason === undefined ? { $weft: 'skip' } : { $weft: 'skip', reason };
}

/** Ask for this step to run again, under its retry policy (attempts and backoff); with no attempt left it fails with STEP_FAILED. */
export function retry(reason?: string): Control {
  return reason === undefined ? { $weft: 'retry' } : { $weft: 'retry', reason };
}

/**
 * Suspend the run (human in the loop). Other branches finish what they started; the run ends
 * `suspended` with `reason` and `data`, and `engine.resume(pipeline, runId, value)` re-runs this step
 * with `ctx.resume === value` (completed steps are not run again).
 */
export function suspend(reason: string, data?: unknown): Control {
  return data === undefined ? { $weft: 'suspend', reason } : { $weft: 'suspend', reason, data };
}

/** Return an output and update the run state; each key is merged by its declared reducer. */
export function update(state: StatePatch, output?: unknown): Control {
  return output === undefined ? { $weft: 'update', state } : { $weft: 'update', state, output };
}

function withOptional<T extends object>(base: T, output: unknown, state: StatePatch | undefined): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  if (output !== undefined) out['output'] = output;
  if (state !== undefined) out['state'] = state;
  return out as unknown as T;
}
