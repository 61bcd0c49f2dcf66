import type { StateKey } from '../definition/reducers.js';
import type { ExecutionPlan } from '../plan/execution-plan.js';
import type { MemoCall } from '../runtime/memo.js';

/**
 * The idempotency hook as the scheduler sees it (EngineOptions.memo). It is synchronous by design
 * (see StepMemo): a hit decides at once, so a memoised run keeps the ordering of a fresh one.
 */
export interface MemoPort {
  /** True when a node's invocations may be memoised (not replaced by an override). */
  eligible(path: readonly string[], node: string): boolean;
  key(call: MemoCall): string | undefined;
  get(key: string): { readonly value: unknown } | undefined;
  /** Stores a raw value; may throw (NOT_SERIALIZABLE). */
  put(key: string, value: unknown): void;
  /** Persists a checkpoint; may throw (the scheduler warns). */
  checkpoint(key: string, value: unknown): void;
  lastCheckpoint(key: string): { readonly value: unknown } | undefined;
}

/**
 * What the scheduler reads besides its state and the event, fixed for a run: the plan, the limits,
 * the random source of retry jitter, and the definition's pure parts (reducers, which nodes have
 * error handlers). Inject a seeded `random` and the transition is deterministic.
 */
export interface SchedulerEnv {
  readonly plan: ExecutionPlan;
  readonly maxSteps: number;
  readonly maxConcurrency: number;
  /** Items per task set for the run or the engine (a map's own chunkSize wins), or null. */
  readonly chunkSize: number | null;
  /** The orchestrator's parallelism and default chunk size (they size map chunks). */
  readonly parallelism: number;
  readonly defaultChunkSize: number;
  readonly random: () => number;
  /** The state keys (reducers, custom functions) of the pipeline at `path`. */
  stateKeys(path: readonly string[]): Readonly<Record<string, StateKey>>;
  /** True when a failure of `node` (in the pipeline at `path`) has an error handler to try. */
  handles(path: readonly string[], node: string): boolean;
  readonly memo: MemoPort | null;
  /**
   * True when steps of the pipeline at `path` may be sent as chains (the backend declares
   * `chains`, and nothing runs on the main thread around a step: no middleware, no override, no
   * idempotency hook).
   */
  chains(path: readonly string[]): boolean;
}

/** The plan of the execution at `path` (a sub-pipeline's, nested in its sub node). */
export function planAt(root: ExecutionPlan, path: readonly string[]): ExecutionPlan {
  let plan = root;
  for (const name of path) plan = plan.nodes[name]!.sub!;
  return plan;
}
