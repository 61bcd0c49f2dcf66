/** Names of the built-in reducers; a plan stores reducers by name so that it stays plain data. */
export type ReducerName = 'replace' | 'append' | 'sum' | 'max' | 'min' | 'merge' | 'union' | 'custom';

/** A state key's declaration: how parallel updates merge, and the initial value. */
export interface StateKey<T = unknown> {
  readonly reducer: ReducerName;
  readonly initial: T;
  /** Only for `custom`: runs on the main thread, must be pure and deterministic. */
  readonly fn?: (current: T, update: T) => T;
}

/** The declared state of a pipeline: one reducer per key. */
export type StateSpec<S> = { readonly [K in keyof S]: StateKey<S[K]> };

/**
 * Built-in reducers. `sum`, `max`, `min`, `union` and `merge` (of disjoint keys) are commutative,
 * so parallel branches merge to the same value whatever order they finish in. `replace` and
 * `append` depend on completion order; Weft warns (`STATE_RACE`) when overlapping invocations
 * write the same `replace` key.
 * @example pipeline('p', { state: { total: reducers.sum(0), seen: reducers.union<string>() } })
 */
export const reducers = {
  replace: <T>(initial: T): StateKey<T> => ({ reducer: 'replace', initial }),
  append: <T>(): StateKey<T[]> => ({ reducer: 'append', initial: [] }),
  sum: (initial = 0): StateKey<number> => ({ reducer: 'sum', initial }),
  max: (initial = Number.NEGATIVE_INFINITY): StateKey<number> => ({ reducer: 'max', initial }),
  min: (initial = Number.POSITIVE_INFINITY): StateKey<number> => ({ reducer: 'min', initial }),
  merge: <T extends object>(initial: T = {} as T): StateKey<T> => ({ reducer: 'merge', initial }),
  union: <T extends string | number>(): StateKey<T[]> => ({ reducer: 'union', initial: [] }),
  custom: <T>(fn: (current: T, update: T) => T, initial: T): StateKey<T> => ({
    reducer: 'custom',
    initial,
    fn,
  }),
};

/** Applies one reducer. Pure; throws a plain Error on a type mismatch (the caller wraps it). */

export function applyReducer(key: StateKey<any>, current: unknown, update: unknown): unknown {
  switch (key.reducer) {
    case 'replace':
      return update;
    case 'append':
      return [...(current as unknown[]), ...(Array.isArray(update) ? (update as unknown[]) : [update])];
    case 'sum':
      return num(current) + num(update);
    case 'max':
      return Math.max(num(current), num(update));
    case 'min':
      return Math.min(num(current), num(update));
    case 'merge':
      return { ...(current as object), ...(update as object) };
    case 'union': {
      const set = new Set(current as unknown[]);
      for (const v of Array.isArray(update) ? update : [update]) set.add(v);
      return [...set].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    }
    case 'custom':
      if (!key.fn) throw new Error('custom reducer has no function');
      return key.fn(current, update);
  }
}

function num(v: unknown): number {
  if (typeof v !== 'number') throw new Error(`expected a number, got ${typeof v}`);
  return v;
}
