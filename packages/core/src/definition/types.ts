import type { StepContext } from '../runtime/step-context.js';
import type { WeftError } from '../errors/weft-error.js';
import type { StateSpec } from './reducers.js';

/** Where a step's code runs: the main thread, or a worker (the default under the `workers` orchestrator). */
export type Placement = 'main' | 'worker';

/** How a step with several parents waits: for every parent, or for the first one (the losers are cancelled). */
export type JoinKind = 'all' | 'any';

/** A step function: returns an output, a control result, or is an async generator whose yields are tokens. */
export type StepFn<In = any, Out = unknown, S = any> = (
  input: In,
  ctx: StepContext<S>,
) => Out | Promise<Out> | AsyncGenerator<unknown, Out, undefined>;

/** A step with an actor lifecycle: `setup` runs once per actor instance, `teardown` at shutdown. */
export interface StepActor<In = any, Out = unknown, S = any, A = unknown> {
  readonly setup?: (ctx: {
    readonly step: string;
    readonly params: Readonly<Record<string, unknown>>;
  }) => A | Promise<A>;
  readonly run: StepFn<In, Out, S>;
  readonly teardown?: (actor: A) => void | Promise<void>;
  /** Several messages may run at once on one actor (default: one at a time). */
  readonly reentrant?: boolean;
}

/** Step code, found in another thread by module and name: never by closure identity. */
export type StepCode<In = any, Out = unknown, S = any> = StepFn<In, Out, S> | StepActor<In, Out, S>;

/** A reference to code by module specifier and export name (what JSON pipelines use). */
export interface StepRef {
  /** An absolute `file:` URL (or a package specifier) importable in any thread. */
  readonly module: string;
  /** The named export; when `pipeline` is set, the node name inside that pipeline. */
  readonly export: string;
  /** The name of a pipeline exported by `module` whose node `export` holds the code. */
  readonly pipeline?: string;
}

/** Retry policy: attempts include the first one; backoff is exponential with full jitter by default. */
export interface RetryOptions {
  readonly attempts: number;
  readonly initialDelayMs?: number;
  readonly factor?: number;
  readonly maxDelayMs?: number;
  /** 0 = no jitter, 1 = full jitter (the default). */
  readonly jitter?: number;
  /** Error codes, error names or original codes (e.g. `ECONNRESET`) to retry; by default errors marked retryable. */
  readonly retryOn?: readonly string[] | 'all';
}

/**
 * An error handler, on the main thread, called once the step's attempts are spent: return (or resolve
 * to) an output or a control result to recover, or throw to pass the error on (step handler, then the
 * pipeline's, then the run fails). Throwing something other than a Weft error fails with HOOK_FAILED.
 */
export type ErrorHandler = (
  error: WeftError,
  info: { readonly step: string; readonly input: unknown; readonly attempt: number },
) => unknown;

/** Options shared by every node. */
export interface NodeOptions {
  /** Static successors: every one of them runs when this node ends (fan-out). */
  readonly to?: string | readonly string[];
  /** Names that `next()` may route to; declared for validation and rendering. */
  readonly routes?: readonly string[];
  readonly retry?: number | RetryOptions;
  /** Running-time limit in ms (time spent queued is not counted); on a sub, it bounds the whole sub-pipeline. */
  readonly timeoutMs?: number;
  /** Concurrent invocations of this node (map items count each). */
  readonly concurrency?: number;
  readonly placement?: Placement;
  /** How to wait when the node has several parents (default `all`). */
  readonly join?: JoinKind;
  /** Time a join may wait for its parents, from its first arrival. */
  readonly barrierTimeoutMs?: number;
  /** Step-level error handler, tried before the pipeline's. */
  readonly onError?: ErrorHandler;
  /** A declared code version (feeds idempotency keys). */
  readonly version?: string;
  /** Free parameters passed to the step as `ctx.params`. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** An IO-bound step takes a slot from the IO quota instead of a CPU slot. */
  readonly io?: boolean;
  /** `false`: never memoised by an idempotency hook (the step reads outside state, e.g. lists a directory). */
  readonly cache?: boolean;
  /**
   * Files the step writes (relative to the run's output directory, `weft run --out`): a memoised
   * result is used only while each is present with the content recorded when it was stored;
   * otherwise the step runs again.
   */
  readonly writes?: readonly string[];
}

/** Options of a `map` node. */
export interface MapOptions extends NodeOptions {
  /** Items in flight at once (default: four chunks per thread, parallelism × chunk size × 4, at least 16). */
  readonly concurrency?: number;
  /** Items per message to a worker (default: measured, see packages/bench). */
  readonly chunkSize?: number;
}

/** Options of a `switch` node: the step's return value selects a case. */
export interface SwitchOptions extends Omit<NodeOptions, 'to' | 'routes'> {
  readonly cases: Readonly<Record<string, string>>;
  readonly default?: string;
}

/** Run-level hooks. */
export interface PipelineHooks<S = any> {
  /** Runs before the first step of every execution: a fresh run (initial state) and each resume (`resumed`, the restored state). */
  readonly startup?: (info: {
    readonly runId: string;
    readonly input: unknown;
    readonly state: S;
    readonly resumed: boolean;
  }) => void | Promise<void>;
  /** Runs once the run ends, whatever its status (`suspended` included); a failure is a HOOK_FAILED warning. */
  readonly shutdown?: (info: { readonly runId: string; readonly status: string }) => void | Promise<void>;
}

/**
 * Middleware around each step invocation (sub-pipeline steps included; map items are not wrapped),
 * on the main thread, outermost first: the run's pipeline's, then each enclosing sub-pipeline's own.
 * `next()` runs the step and resolves to its raw return value (an output or a control result) or
 * rejects with its error (a WeftError); what the middleware returns or throws becomes the outcome.
 */
export type Middleware = (
  info: {
    readonly runId: string;
    readonly step: string;
    readonly path: readonly string[];
    readonly attempt: number;
    readonly input: unknown;
  },
  next: () => Promise<unknown>,
) => Promise<unknown>;

/** Options of a pipeline. */
export interface PipelineOptions<S = any> {
  /** `import.meta.url` of the module that exports this pipeline: how workers find its steps. */
  readonly module?: string;
  readonly state?: StateSpec<S>;
  readonly hooks?: PipelineHooks<S>;
  readonly middleware?: readonly Middleware[];
  readonly onError?: ErrorHandler;
  readonly version?: string;
  readonly description?: string;
}

/** One node as declared. */
export type NodeDef =
  | {
      readonly kind: 'step';
      readonly name: string;
      readonly code: StepCode | StepRef;
      readonly options: NodeOptions;
    }
  | {
      readonly kind: 'map';
      readonly name: string;
      readonly code: StepCode | StepRef;
      readonly options: MapOptions;
    }
  | {
      readonly kind: 'switch';
      readonly name: string;
      readonly code: StepCode | StepRef;
      readonly options: SwitchOptions;
    }
  | {
      readonly kind: 'sub';
      readonly name: string;
      readonly pipeline: unknown;
      readonly options: NodeOptions;
    };
