// Messages from a worker to the host. One discriminated union; every switch over it is exhaustive.
import type { ItemOutcome, SerializedError, TaskOutcome } from '@weft/core';
import type { BinRef } from '../codec/binary.js';

/** The worker is up and serves its port (sent once, first). */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly worker: number;
}

/** A batch of tokens from a streaming step, in order. */
export interface TokensMessage {
  readonly type: 'tokens';
  readonly id: number;
  readonly tokens: readonly unknown[];
}

/** `ctx.checkpoint(value)` was called. */
export interface CheckpointMessage {
  readonly type: 'checkpoint';
  readonly id: number;
  readonly value: unknown;
}

/** Outcomes of some items of an items task (sent as they finish, in batches). */
export interface ItemsMessage {
  readonly type: 'items';
  readonly id: number;
  readonly indices: readonly number[];
  readonly outcomes: readonly ItemOutcome[];
  /** Binary values moved out of the message and transferred (see codec/binary.ts). */
  readonly bin?: readonly BinRef[];
}

/** The task ended. For an items task the value is null: every item was reported in `items` messages. */
export interface DoneMessage {
  readonly type: 'done';
  readonly id: number;
  readonly outcome: TaskOutcome;
  /**
   * Time the step code took, µs, present only when it is a plain function that ran synchronously
   * from start to end: the host learns what such a step costs (see `inlineUs`).
   */
  readonly us?: number;
  /** Binary values moved out of the message and transferred (see codec/binary.ts). */
  readonly bin?: readonly BinRef[];
}

/** A chain task's step `k` ended (0: the task's own step); the task's `done` follows the last one. */
export interface LinkMessage {
  readonly type: 'link';
  readonly id: number;
  readonly k: number;
  readonly outcome: TaskOutcome;
  /** As in `done`: the step's synchronous running time, µs. */
  readonly us?: number;
  readonly bin?: readonly BinRef[];
}

/** Answer to `teardown`: the actors' teardown errors, if any. */
export interface ClosedMessage {
  readonly type: 'closed';
  readonly errors: readonly SerializedError[];
}

/** Worker → host. */
export type WorkerToHost =
  ReadyMessage | TokensMessage | CheckpointMessage | ItemsMessage | DoneMessage | LinkMessage | ClosedMessage;
