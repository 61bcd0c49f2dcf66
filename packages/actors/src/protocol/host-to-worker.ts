// Messages from the host (main thread) to a worker. One discriminated union; every switch over it is
// exhaustive. Several messages travel in one frame (see codec/frame.ts); `id` is the dispatch id of
// one task on one worker (a task retried elsewhere gets a new one).
import type { ChainLink, SerializedError, StepRef } from '@weft/core';

/** What a worker needs to run one task: plain data, msgpack-safe. */
export interface JobSpec {
  readonly kind: 'step' | 'items';
  readonly ref: StepRef;
  readonly runId: string;
  readonly path: readonly string[];
  readonly node: string;
  readonly attempt: number;
  /** The run state at dispatch; absent when it is the same object the worker received last (not sent again). */
  readonly state?: unknown;
  readonly params: Readonly<Record<string, unknown>>;
  /** Present when the step is re-run after it suspended the run. */
  readonly resume?: { readonly value: unknown };
  readonly lastCheckpoint?: unknown;
  /** Step input (kind `step`). */
  readonly input?: unknown;
  /** Map items (kind `items`). */
  readonly items?: readonly unknown[];
  /** Absolute index of each item (kind `items`). */
  readonly indices?: readonly number[];
  /** Attempt of each item (kind `items`). */
  readonly attempts?: readonly number[];
  /** Steps to run after this one, each with the previous output (kind `step`; see core's `Task.chain`). */
  readonly chain?: readonly ChainLink[];
}

/** Run a task in the given slab slot; the worker claims it first (an idle worker may have stolen it). */
export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly slot: number;
  readonly job: JobSpec;
}

/** The task was cancelled: abort `ctx.signal` (the slab flag is already set). */
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
  readonly reason: SerializedError;
}

/** Run every actor's teardown, answer `closed`, then stop serving. */
export interface TeardownMessage {
  readonly type: 'teardown';
}

/** Host → worker. */
export type HostToWorker = RunMessage | CancelMessage | TeardownMessage;
