import type { StepCode, StepRef, Placement } from '../definition/types.js';
import type { SerializedError } from '../errors/weft-error.js';
import type { CancelFlag, CancelSource, HostServices } from '../runtime/step-context.js';
import type { TuningValues } from '../tuning/machine-tuning.js';

/** What a backend can do. The entry points consult these before accepting a run. */
export interface OrchestratorCapabilities {
  /** `execute`: the caller waits for the run to end. */
  readonly blocking: boolean;
  /** `start`: the run goes on detached from the caller (fire and forget). */
  readonly detached: boolean;
  /** Runs survive the process (a durable backend). */
  readonly durable: boolean;
  /** Steps run in parallel on several cores. */
  readonly parallel: boolean;
  /**
   * Optional, additive (issue 10): the backend honours `Task.chain` (runs a linear chain of steps
   * where the first ran, reporting each through `TaskHooks.link`). Absent means no: the engine then
   * never sends a chain.
   */
  readonly chains?: boolean;
}

/** A step a chain task runs after the previous one, with its output as input (see `Task.chain`). */
export interface ChainLink {
  readonly node: string;
  readonly ref: StepRef;
  readonly params: Readonly<Record<string, unknown>>;
  readonly version: string | null;
}

/** One unit of work handed to an orchestrator: a step invocation or a chunk of map items. Plain data but `signal` and `code`. */
export interface Task {
  readonly id: number;
  readonly runId: string;
  readonly path: readonly string[];
  readonly node: string;
  readonly kind: 'step' | 'items';
  readonly ref: StepRef;
  /** In-process replacement code (test harness overrides); forces the main thread. */
  readonly code?: StepCode;
  readonly input?: unknown;
  readonly items?: readonly unknown[];
  readonly baseIndex?: number;
  readonly attempt: number;
  /** Per-item attempts for an items task (defaults to `attempt`). */
  readonly attempts?: readonly number[];
  readonly state: unknown;
  readonly params: Readonly<Record<string, unknown>>;
  readonly resume?: unknown;
  readonly lastCheckpoint?: unknown;
  readonly placement: Placement | null;
  /** The step declared itself IO-bound (`io: true`): it takes an IO slot, not a CPU slot. */
  readonly io?: boolean;
  readonly version: string | null;
  /**
   * Optional, additive (issue 10), sent only to a backend declaring `capabilities.chains`: the steps
   * to run after this one, in order, each with the previous one's output as its input (attempt 1,
   * the same run state), while each returns a plain value (not a control result, not an error) and
   * the task is not cancelled. Every step that ran is reported through `TaskHooks.link` (this one as
   * link 0) as it ends; `run()` then resolves with `{ ok: true, value: null }`, or with the error
   * that stopped the chain outside any step (the step it concerns is the first not reported). The
   * engine sends a chain only when nothing else of the run can happen meanwhile, so running the steps
   * ahead where the first ran is what it would have decided (a chain of cheap steps then costs no
   * round trip to the main thread per step).
   */
  readonly chain?: readonly ChainLink[];
  /** Aborted on cancellation or timeout; `signal.reason` is a SerializedError. */
  readonly signal: AbortSignal;
  /**
   * True once `signal` is aborted, readable without creating the signal (the engine creates it
   * lazily: it costs microseconds per task). Prefer it on hot paths; absent means read `signal`.
   * When it is a {@link CancelSource}, watch it with `onCancel` instead of listening to `signal`.
   */
  readonly cancel?: CancelFlag | CancelSource;
}

/** The result of one map item. */
export type ItemOutcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError };

/** The result of a task: a step's raw return value (output or control), or per-item outcomes. */
export type TaskOutcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError };

/** Callbacks from the orchestrator to the runtime while a task runs. */
export interface TaskHooks {
  /** The task began running (timeouts count from here, not from queueing). */
  started(): void;
  /** Tokens in order; a returned promise asks the producer to wait for credit. */
  tokens: (batch: unknown[]) => void | Promise<void>;
  checkpoint(value: unknown): void;
  /** A map item finished (items tasks only), possibly before the whole chunk. */
  item(index: number, outcome: ItemOutcome): void;
  /**
   * Optional: the task runs again from its start elsewhere (a distributed backend lost the worker
   * running it and fenced that execution off). What it reported before stands (items already
   * reported, checkpoints); its tokens start over. A runtime that implements it tells the run's
   * events (a `warning`); backends call it only when it is there.
   */
  restarted?(info: { readonly reason: string; readonly message: string }): void;
  /**
   * Optional, additive (issue 10): several map items finished at once (a batch that arrived in one
   * message): the same as calling `item()` for each, in order, for less work per item. Backends may
   * call `item()` only; callers of `run()` need not provide it.
   */
  items?(indices: readonly number[], outcomes: readonly ItemOutcome[]): void;
  /** Chain tasks (see `Task.chain`): step `k` of the chain ended (0: the task's own step). */
  link?(k: number, outcome: TaskOutcome): void;
  /**
   * Optional, additive (issue 10): the step's code of a `step` task ended now, although its outcome
   * may reach the runtime later (a backend running code on the runtime's own thread resolves its
   * promise behind other work queued there). The runtime then judges the step's timeout on its
   * running time, from `started()` to here. Backends whose outcomes arrive as the step ends need not
   * call it; callers of `run()` need not provide it.
   */
  ended?(): void;
}

/** Counters an orchestrator reports into run metrics. */
export interface OrchestratorStats {
  readonly workerRestarts: number;
  readonly bytesMoved: number;
  readonly extra?: Record<string, unknown>;
}

/**
 * A backend that runs tasks. `direct` runs them on the main thread; `workers` (in @weft/actors) in
 * a worker-thread pool; plugins elsewhere. For an items task, the outcome's value is ItemOutcome[].
 */
export interface Orchestrator {
  readonly name: string;
  readonly capabilities: OrchestratorCapabilities;
  /** How many tasks can truly run at once (threads); sizes map concurrency and chunking defaults. */
  readonly parallelism: number;
  /** Default number of map items per task for this backend. */
  readonly defaultChunkSize: number;
  run(task: Task, hooks: TaskHooks): Promise<TaskOutcome>;
  /** Counters since the orchestrator started; with `runId`, those of that run where the backend tracks them. */
  stats(runId?: string): OrchestratorStats;
  /**
   * Optional: the run ended (after its `stats(runId)`); the backend lets go of what it kept for it
   * (a distributed backend: the run's keys in its broker). The engine awaits it before the run's
   * result resolves, so a caller that sees the result sees the clean-up done. Tasks of the run
   * still winding down (a cancel) may be released later. Never rejects.
   */
  endRun?(runId: string): Promise<void>;
  close(): Promise<void>;
}

/** What an orchestrator factory receives. */
export interface OrchestratorContext {
  readonly services: HostServices;
  readonly options: Readonly<Record<string, unknown>>;
  /** The engine's machine tuning profile, if any: a backend takes from it what applies to it (explicit `options` win). */
  readonly tuning?: TuningValues;
}

/** A registered backend: a factory plus the capabilities it declares. */
export interface OrchestratorEntry {
  readonly name: string;
  readonly capabilities: OrchestratorCapabilities;
  readonly description: string;
  create(ctx: OrchestratorContext): Orchestrator;
}
