/**
 * Control-flow results a step may return instead of (or along with) a plain output.
 * They are plain branded objects so that they survive msgpack across threads.
 */
export type Control =
  | { readonly $weft: 'next'; readonly targets: readonly string[]; readonly output?: unknown; readonly state?: StatePatch }
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
 * Route to other steps by name (dynamic routing), replacing the step's static edges.
 * Without an `output`, the targets receive this step's own input.
 * @example return next('review', draft);
 */
export function next(target: string | readonly string[], output?: unknown, state?: StatePatch): Control {
  const targets = typeof target === 'string' ? [target] : [...target];
  return withOptional({ $weft: 'next', targets }, output, state);
}

/** Stop the whole run successfully; `output` becomes the run's output. */
export function stop(output?: unknown, state?: StatePatch): Control {
  return withOptional({ $weft: 'stop' }, output, state);
}

/** Skip this step and every step that depends only on it. */
export function skip(reason?: string): Control {
  return reason === undefined ? { $weft: 'skip' } : { $weft: 'skip', reason };
}

/** Ask for this step to run again, under its retry policy (attempts and backoff). */
export function retry(reason?: string): Control {
  return reason === undefined ? { $weft: 'retry' } : { $weft: 'retry', reason };
}

/** Suspend the run (human in the loop). It resumes from its snapshot with `engine.resume(runId, input)`. */
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
