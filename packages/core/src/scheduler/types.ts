// The scheduler's data: its state (which IS the run snapshot), the events it is fed and the effects
// it asks the runtime to perform. Plain data throughout: no function, no class instance, no Map.
import type { SerializedError } from '../errors/weft-error.js';
import type { EventBody } from '../events/types.js';
import type { ItemOutcome, TaskOutcome } from '../orchestrator/types.js';
import type { GuidedChunking } from './guided-chunk.js';

/** One pending activation of a node: plain data. */
export interface Activation {
  readonly node: string;
  readonly input: unknown;
  readonly from: string | null;
  readonly attempt: number;
  /** Set when the activation is re-run after a suspend. */
  readonly resume?: { readonly value: unknown };
  /** A suspended sub-pipeline: the id of its execution in `SchedulerState.execs`. */
  readonly sub?: string;
  readonly lastCheckpoint?: unknown;
}

/** An activation that suspended the run, with why. */
export interface SuspendedActivation extends Activation {
  readonly reason: string;
  readonly data?: unknown;
}

/** A join waiting for its parents. */
export interface BarrierState {
  /** The barrier machine's state (see supervisor/barrier-machine.ts). */
  status: 'waiting' | 'released' | 'timedOut' | 'cancelled';
  readonly arrived: Record<string, 'ok' | 'skipped'>;
  readonly inputs: Record<string, unknown>;
  readonly firstAt: number;
  /** Its timeout timer's key, while armed. */
  timer: string | null;
}

/**
 * One execution: the run's own (`root`), or a sub-pipeline's, nested under the sub invocation that
 * runs it. It owns a run state, the outputs so far, a ready queue and its joins.
 */
export interface ExecState {
  readonly id: string;
  readonly path: readonly string[];
  /** The sub invocation running it (null for the run's own execution). */
  parent: number | null;
  mode: 'running' | 'suspending' | 'suspended' | 'done';
  readonly input: unknown;
  state: Readonly<Record<string, unknown>>;
  stateVersion: number;
  /** Last writer of each state key (version and step), to warn about `replace` races. */
  readonly lastWrite: Record<string, { readonly version: number; readonly step: string }>;
  readonly outputs: Record<string, unknown>;
  readonly ready: Activation[];
  readonly suspended: SuspendedActivation[];
  readonly barriers: Record<string, BarrierState>;
  /** Parents whose later arrivals a join absorbs (ANY losers, barrier-timeout misses). */
  readonly anyPending: Record<string, string[]>;
  activations: number;
  /** Invocations of each node running now (per-node concurrency). */
  readonly running: Record<string, number>;
  /** Open invocations (steps, chunks, subs) of this execution. */
  invs: number;
  /** Maps running, in start order. */
  readonly maps: number[];
  /** Async error handlers still running. */
  handling: number;
  /** Retry timers armed (they keep the execution alive). */
  retryTimers: number;
  /** Set by stop(): the execution's output. */
  stop: { readonly value: unknown } | null;
}

/** One invocation in flight: a step, a chunk of map items, or a sub-pipeline. */
export interface Invocation {
  readonly id: number;
  readonly exec: string;
  readonly node: string;
  readonly kind: 'step' | 'items' | 'sub';
  readonly act: Activation;
  /** The execution's state version at dispatch (for `replace` races). */
  readonly stateVersion: number;
  startedAt: number | null;
  /** When the code ended, if the orchestrator said so before its outcome came (TaskHooks.ended). */
  endedAt: number | null;
  /** The step timeout's timer key, while armed. */
  timer: string | null;
  lastCheckpoint: unknown;
  memoKey: string | null;
  /** Items tasks: the map, the chunk's first index (items are consecutive), items and attempts. */
  readonly map: number | null;
  readonly base: number;
  readonly items: readonly unknown[] | null;
  readonly attempts: readonly number[] | null;
  /** Items tasks: true for each item without an outcome yet. */
  readonly pending: boolean[] | null;
  /** Items reported so far (each may take `timeoutMs`). */
  reported: number;
  /** Sub tasks: the sub-pipeline's execution. */
  child: string | null;
  /** A task that carries a chain: the steps its backend runs after it (see `Task.chain`). */
  chain: readonly string[] | null;
  /** A step run by a chain task: that task's id, and its place in the chain (1 = the first after it). */
  carrier: number | null;
  link: number;
}

/** A chain task still running steps ahead: which steps, and the next one the scheduler expects. */
export interface ChainState {
  readonly exec: string;
  readonly nodes: readonly string[];
  /** Index in `nodes` of the next step to take from the chain, and the step before it. */
  next: number;
  last: string;
}

/** A map node running: plain data, no actor per item. */
export interface MapState {
  readonly id: number;
  readonly exec: string;
  readonly node: string;
  readonly act: Activation;
  readonly startedAt: number;
  readonly total: number | null;
  /** Items per chunk; with `guided`, the largest chunk. */
  readonly chunkSize: number;
  /**
   * Set when no chunk size was given, the map's size is known and the orchestrator chunks: its
   * chunks shrink as it drains (see guided-chunk.ts).
   */
  readonly guided: GuidedChunking | null;
  readonly concurrency: number;
  /** The input is an array: items are read from it; otherwise the runtime pulls them (`pull`). */
  readonly array: boolean;
  /** Items taken so far (the next item's index). */
  next: number;
  inflight: number;
  /** Chunks (tasks) open. */
  chunks: number;
  done: number;
  failed: number;
  readonly results: unknown[];
  readonly retryQueue: { readonly index: number; readonly item: unknown; readonly attempt: number }[];
  retryTimers: number;
  /** Pulled items not yet sent (iterable inputs). */
  readonly buffer: unknown[];
  exhausted: boolean;
  pulling: boolean;
  /** The iterator threw. */
  sourceError: { readonly message: string; readonly cause: unknown } | null;
  finished: boolean;
  /** Some item changed the run state (update()): the whole map's value alone cannot replay it. */
  patchedState: boolean;
  /** The whole map's memo key, and the items' memo keys in flight. */
  readonly memoKey: string | null;
  readonly itemMemo: boolean;
  /** The state items are keyed with (as of the map's start). */
  readonly memoState: unknown;
  readonly keys: Record<number, string>;
}

/** A timer the runtime keeps for the scheduler. */
export type TimerSpec =
  | { readonly kind: 'retry'; readonly exec: string; readonly act: Activation }
  | {
      readonly kind: 'itemRetry';
      readonly map: number;
      readonly index: number;
      readonly item: unknown;
      readonly attempt: number;
    }
  | { readonly kind: 'stepTimeout'; readonly inv: number }
  | { readonly kind: 'subTimeout'; readonly inv: number }
  | { readonly kind: 'barrier'; readonly exec: string; readonly node: string };

/** How the run's execution ended (errors as plain data; the snapshot is the state itself). */
export type SchedulerOutcome =
  | { readonly status: 'succeeded'; readonly output: unknown }
  | { readonly status: 'failed' | 'cancelled' | 'timedOut'; readonly error: SerializedError }
  | {
      readonly status: 'suspended';
      readonly reasons: readonly { step: string; reason: string; data?: unknown }[];
    };

/**
 * The whole state of a run's scheduling: every execution, invocation, map and timer. It is the
 * run snapshot: a suspended run is persisted as it is (then nothing is in flight) and resumed from
 * it; `formatVersion` changes with its shape.
 */
export interface SchedulerState {
  readonly formatVersion: 2;
  readonly runId: string;
  readonly planId: string;
  readonly pipeline: { readonly name: string; readonly module: string | null };
  /** The run's input. */
  readonly input: unknown;
  /** The next invocation id (shared by every execution of the run). */
  nextId: number;
  /** Tasks in flight across the run, against `maxConcurrency`. */
  slots: number;
  /** Names timers uniquely. */
  timerSeq: number;
  /** Executions by id (`root` first, in creation order). */
  readonly execs: Record<string, ExecState>;
  readonly invs: Record<number, Invocation>;
  readonly maps: Record<number, MapState>;
  readonly timers: Record<string, TimerSpec>;
  /** Chain tasks whose steps are still to be taken, by carrier id. */
  readonly chains: Record<number, ChainState>;
  /** Longest ready queue seen (run metrics). */
  queueDepthMax: number;
  /** Waiting for the event stream to drain before dispatching more. */
  draining: boolean;
  /** Set once the run's execution ended. */
  outcome: SchedulerOutcome | null;
}

/** What the runtime tells the scheduler. Every event carries the time and the event-stream room. */
export type SchedulerEvent = EventIo &
  (
    | { readonly t: 'start' }
    | { readonly t: 'resume'; readonly value: unknown }
    | { readonly t: 'started'; readonly inv: number }
    | { readonly t: 'ended'; readonly inv: number }
    | { readonly t: 'item'; readonly inv: number; readonly index: number; readonly outcome: ItemOutcome }
    | {
        readonly t: 'items';
        readonly inv: number;
        readonly indices: readonly number[];
        readonly outcomes: readonly ItemOutcome[];
      }
    | { readonly t: 'done'; readonly inv: number; readonly outcome: TaskOutcome }
    | { readonly t: 'checkpoint'; readonly inv: number; readonly value: unknown }
    /** The backend did not run this step taken from a chain task (see `Task.chain`). */
    | { readonly t: 'unlinked'; readonly inv: number }
    /** The backend runs the task again from its start elsewhere (it lost the worker running it). */
    | { readonly t: 'restarted'; readonly inv: number; readonly reason: string; readonly message: string }
    | { readonly t: 'timer'; readonly key: string }
    | { readonly t: 'handled'; readonly handler: HandlerCall; readonly outcome: TaskOutcome }
    | {
        readonly t: 'pulled';
        readonly map: number;
        readonly items: readonly unknown[];
        readonly exhausted: boolean;
        readonly error?: { readonly message: string; readonly cause: unknown };
      }
    | { readonly t: 'drained' }
    | {
        readonly t: 'abort';
        readonly status: 'failed' | 'cancelled' | 'timedOut';
        readonly error: SerializedError;
      }
  );

/** Facts of the moment an event is fed: the clock, and how many events the stream takes before it is saturated. */
export interface EventIo {
  readonly now: number;
  readonly room: number;
}

/** A failed node whose error handlers the runtime runs (they are user code). */
export interface HandlerCall {
  readonly exec: string;
  readonly node: string;
  readonly act: Activation;
  readonly error: SerializedError;
  /** The invocation the error belongs to (0 when none), its state version and last checkpoint. */
  readonly invocation: number;
  readonly stateVersion: number;
  /** When the failed invocation began (for the recovered step's `durationMs`). */
  readonly startedAt: number | null;
}

/** What the scheduler asks the runtime to do, in order. */
export type Effect =
  | { readonly t: 'emit'; readonly path: readonly string[]; readonly body: EventBody }
  /** Send the invocation (read it from the state) to the orchestrator. */
  | { readonly t: 'dispatch'; readonly inv: number }
  /** A step of a chain task (`carrier`) was taken as invocation `inv`: answer with its `done` once step `k` reported. */
  | { readonly t: 'link'; readonly inv: number; readonly carrier: number; readonly k: number }
  /** Abort an invocation in flight (its task may still report; the scheduler ignores it). */
  | { readonly t: 'cancel'; readonly inv: number; readonly error: SerializedError }
  | { readonly t: 'timer'; readonly key: string; readonly ms: number }
  | { readonly t: 'clearTimer'; readonly key: string }
  /** Run the node's error handlers; answer with `handled`. */
  | { readonly t: 'handle'; readonly call: HandlerCall }
  /** Pull up to `n` items from the map's iterable input; answer with `pulled`. */
  | { readonly t: 'pull'; readonly map: number; readonly n: number }
  /** The map ended: drop its iterator. */
  | { readonly t: 'closeSource'; readonly map: number }
  /** Feed `drained` once the event stream has room again. */
  | { readonly t: 'waitDrain' }
  /** The run's execution ended (the outcome is also in the state). */
  | { readonly t: 'finish'; readonly outcome: SchedulerOutcome };
