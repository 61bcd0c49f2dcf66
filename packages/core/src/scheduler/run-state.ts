import { applyReducer } from '../definition/reducers.js';
import type { StatePatch } from '../definition/control.js';
import { WeftError, serializeError, type SerializedError } from '../errors/weft-error.js';
import type { ExecutionPlan } from '../plan/execution-plan.js';
import { didYouMean } from '../util/did-you-mean.js';
import { freezeValue } from '../util/freeze-value.js';
import type { Tx } from './tx.js';
import type { ExecState } from './types.js';

/** An execution's initial run state: each key's initial value (copied), frozen. */
export function initialState(plan: ExecutionPlan): Readonly<Record<string, unknown>> {
  const init: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(plan.state)) init[k] = structuredClone(spec.initial);
  return freezeValue(init);
}

/**
 * Merges a patch written by `step` (dispatched when the state was at `seenVersion`) through each
 * key's reducer. The state object is replaced, never changed, and frozen: no step changes it in
 * place. Emits the `replace` races found and `state.update`; returns the error that fails the step
 * instead (an undeclared key, a reducer that threw), the state then unchanged.
 */
export function applyPatch(
  t: Tx,
  exec: ExecState,
  patch: StatePatch,
  seenVersion: number,
  step: string,
): SerializedError | undefined {
  const keys = t.env.stateKeys(exec.path);
  const next: Record<string, unknown> = { ...exec.state };
  const races: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    const key = Object.hasOwn(keys, k) ? keys[k] : undefined;
    if (!key) {
      const guess = didYouMean(k, Object.keys(keys));
      return serializeError(
        new WeftError(
          'STATE_UNKNOWN_KEY',
          `step "${step}" wrote state key "${k}", which is not declared${guess ? ` (did you mean "${guess}"?)` : ''}`,
        ),
      );
    }
    try {
      next[k] = applyReducer(key, next[k], v);
    } catch (cause) {
      return serializeError(
        new WeftError(
          'STATE_REDUCER_FAILED',
          `reducer "${key.reducer}" of state key "${k}" failed for step "${step}": ${(cause as Error).message}`,
          { cause },
        ),
      );
    }
    const last = exec.lastWrite[k];
    if (key.reducer === 'replace' && last && last.version > seenVersion && last.step !== step) {
      races.push(
        `state key "${k}" (replace) was written by "${last.step}" and "${step}" concurrently; the result depends on which finished last — declare a commutative reducer`,
      );
    }
  }
  exec.stateVersion++;
  for (const k of Object.keys(patch)) exec.lastWrite[k] = { version: exec.stateVersion, step };
  exec.state = freezeValue(next);
  for (const w of races) t.emit(exec, { type: 'warning', code: 'STATE_RACE', step, message: w });
  t.emit(exec, { type: 'state.update', step, keys: Object.keys(patch) });
  return undefined;
}
