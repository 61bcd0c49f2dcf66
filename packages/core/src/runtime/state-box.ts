import { applyReducer, type StateKey } from '../definition/reducers.js';
import type { Pipeline } from '../definition/pipeline.js';
import { WeftError } from '../errors/weft-error.js';
import type { ExecutionPlan } from '../plan/execution-plan.js';
import { didYouMean } from '../util/did-you-mean.js';
import { freezeValue } from '../util/freeze-value.js';

/**
 * The run state, owned by the main thread. Updates go through each key's reducer and replace the
 * state object (never mutate it), so a snapshot handed to a step stays stable; it is frozen, so
 * that no step changes it in place.
 */
export class StateBox {
  #value: Readonly<Record<string, unknown>>;
  #version = 0;
  readonly #keys: Readonly<Record<string, StateKey>>;
  readonly #lastWrite = new Map<string, { version: number; step: string }>();

  constructor(plan: ExecutionPlan, pipeline: Pipeline) {
    const declared = (pipeline.options.state ?? {}) as Record<string, StateKey>;
    const keys: Record<string, StateKey> = {};
    const init: Record<string, unknown> = {};
    for (const [k, spec] of Object.entries(plan.state)) {
      keys[k] = {
        reducer: spec.reducer,
        initial: spec.initial,
        ...(declared[k]?.fn ? { fn: declared[k].fn } : {}),
      };
      init[k] = structuredClone(spec.initial);
    }
    this.#keys = keys;
    this.#value = freezeValue(init);
  }

  get value(): Readonly<Record<string, unknown>> {
    return this.#value;
  }

  get version(): number {
    return this.#version;
  }

  restore(value: Readonly<Record<string, unknown>>): void {
    this.#value = freezeValue({ ...value });
  }

  /**
   * Applies a patch written by `step`, dispatched when the state was at `seenVersion`. Returns the
   * races found: `replace` keys another step wrote after this one was dispatched.
   */
  apply(
    patch: Readonly<Record<string, unknown>>,
    seenVersion: number,
    step: string,
  ): { ok: true; races: string[] } | { ok: false; error: WeftError } {
    const next: Record<string, unknown> = { ...this.#value };
    const races: string[] = [];
    for (const [k, v] of Object.entries(patch)) {
      const key = this.#keys[k];
      if (!key) {
        const guess = didYouMean(k, Object.keys(this.#keys));
        return {
          ok: false,
          error: new WeftError(
            'STATE_UNKNOWN_KEY',
            `step "${step}" wrote state key "${k}", which is not declared${guess ? ` (did you mean "${guess}"?)` : ''}`,
          ),
        };
      }
      try {
        next[k] = applyReducer(key, next[k], v);
      } catch (cause) {
        return {
          ok: false,
          error: new WeftError(
            'STATE_REDUCER_FAILED',
            `reducer "${key.reducer}" of state key "${k}" failed for step "${step}": ${(cause as Error).message}`,
            { cause },
          ),
        };
      }
      const last = this.#lastWrite.get(k);
      if (key.reducer === 'replace' && last && last.version > seenVersion && last.step !== step) {
        races.push(
          `state key "${k}" (replace) was written by "${last.step}" and "${step}" concurrently; the result depends on which finished last — declare a commutative reducer`,
        );
      }
    }
    this.#version++;
    for (const k of Object.keys(patch)) this.#lastWrite.set(k, { version: this.#version, step });
    // Read-only for steps on every orchestrator: ctx.state cannot be changed in place.
    this.#value = freezeValue(next);
    return { ok: true, races };
  }
}
