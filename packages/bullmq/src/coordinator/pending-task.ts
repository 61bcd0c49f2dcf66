import type { SerializedError, Task, TaskHooks, TaskOutcome } from '@weft/core';

/**
 * One task in flight on `bullmq`, as the coordinator tracks it: its job, the lease of the execution
 * whose messages count, and how it ends. Messages from an older lease are discarded (fencing).
 */
export class PendingTask {
  readonly task: Task;
  readonly hooks: TaskHooks;
  readonly key: string;
  readonly queue: 'cpu' | 'io';
  readonly promise: Promise<TaskOutcome>;
  /** The job's data, kept to add it again if it vanishes. */
  data: Record<string, unknown> | undefined;
  gen = 0;
  /** The lease of the execution whose messages count (0: none seen yet). */
  lease = 0;
  /** The worker process running the current lease. */
  worker: string | undefined;
  started = false;
  settled = false;
  /** Added to Redis (not only waiting for admission). */
  added = false;
  cancelReason: SerializedError | null = null;
  /** When the coordinator last heard of this task (or added it), ms since epoch. */
  heardAt = Date.now();
  /** Tokens the runtime consumed (for the worker's credit), and what was last granted. */
  consumed = 0;
  granted = 0;
  /** Times the task's job vanished and was added again. */
  readds = 0;
  cancelTimer: NodeJS.Timeout | undefined;
  #resolve!: (o: TaskOutcome) => void;

  constructor(task: Task, hooks: TaskHooks, key: string) {
    this.task = task;
    this.hooks = hooks;
    this.key = key;
    this.queue = task.io === true ? 'io' : 'cpu';
    this.promise = new Promise((r) => (this.#resolve = r));
  }

  /** Ends the task once; a cancelled task ends with its cancel reason, as on `workers`. */
  complete(outcome: TaskOutcome): void {
    if (this.settled) return;
    this.settled = true;
    if (this.cancelTimer) clearTimeout(this.cancelTimer);
    this.#resolve(this.cancelReason ? { ok: false, error: this.cancelReason } : outcome);
  }
}
