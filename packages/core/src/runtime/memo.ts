import type { StepRef } from '../definition/types.js';

/** What identifies one step invocation for idempotency: code, parameters and input. Plain data. */
export interface MemoCall {
  /** `step` for a step/switch invocation, `map` for a whole map node, `item` for one map item. */
  readonly kind: 'step' | 'map' | 'item';
  readonly pipeline: string;
  /** Sub-pipeline path of the node ([] at top level). */
  readonly path: readonly string[];
  readonly node: string;
  /** Where the code is: hash the module to version it. */
  readonly ref: StepRef;
  /** The node's declared code version, or null (then the module content is the version). */
  readonly version: string | null;
  readonly params: Readonly<Record<string, unknown>>;
  /** The run state the invocation sees (`ctx.state`); for an `item`, the state as of the map's start. */
  readonly state: unknown;
  readonly input: unknown;
  /** For `item`: the item's index. */
  readonly index?: number;
  /** The run the invocation belongs to (a memo scoped to one run salts its keys with it). */
  readonly runId: string;
  /** Files the node declares it writes (NodeOptions.writes), relative to the output directory. */
  readonly writes?: readonly string[];
}

/**
 * The idempotency hook: consulted before every dispatch. A key with a stored value is not run
 * again: the step reports `step.skip` with `cached: true` (map items: `map.item` with `cached: true`)
 * and its stored value flows on as if it had just been returned (a stored `update()` applies its state
 * patch again, so a cached run ends with the state an uncached one would). Synchronous by design (a durable
 * store such as SQLite answers in microseconds), so that a cached invocation changes no ordering.
 * @example
 * const memo: StepMemo = { key: (c) => hash(c), get: (k) => table.get(k), put: (k, v) => table.set(k, { value: v }) };
 * createEngine({ memo });
 */
export interface StepMemo {
  /** The invocation's key, or undefined when it cannot be memoised (e.g. a streamed input). */
  key(call: MemoCall): string | undefined;
  /** The stored raw return value of a completed key. */
  get(key: string): { readonly value: unknown } | undefined;
  /** Stores the raw return value of a completed invocation; may throw NOT_SERIALIZABLE. */
  put(key: string, value: unknown): void;
  /** Persists a step's progress (`ctx.checkpoint`) under its key. */
  checkpoint?(key: string, value: unknown): void;
  /** The last persisted checkpoint of a key (given to the re-run step as `ctx.lastCheckpoint`). */
  lastCheckpoint?(key: string): { readonly value: unknown } | undefined;
}
