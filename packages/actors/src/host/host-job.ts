import {
  WeftError,
  serializeError,
  type ItemOutcome,
  type SerializedError,
  type Task,
  type TaskHooks,
  type TaskOutcome,
} from '@weft/core';
import type { JobSpec } from '../protocol/host-to-worker.js';
import type { WorkerHandle } from './worker-handle.js';

/**
 * One task as the host tracks it: where it is (queued, or on a worker in a slab slot under a
 * dispatch id), which map items are already reported, and how it ends. A task survives the death of
 * its worker: it is dispatched again with only the items still missing.
 */
export class HostJob {
  readonly task: Task;
  readonly hooks: TaskHooks;
  readonly io: boolean;
  readonly promise: Promise<TaskOutcome>;
  /** Outcomes of an items task by position in `task.items`. */
  readonly #outcomes: (ItemOutcome | undefined)[] | undefined;
  #missing: number;
  #resolve!: (o: TaskOutcome) => void;
  worker: WorkerHandle | null = null;
  slot = -1;
  id = 0;
  started = false;
  settled = false;
  cancelReason: SerializedError | null = null;
  graceTimer: NodeJS.Timeout | undefined;
  /** Worker deaths this task was running through. */
  crashes = 0;
  /** Steps of a chain task reported so far (see core's `Task.chain`). */
  links = 0;
  checkpoint: { value: unknown } | undefined;
  /** The tasks watching the same abort signal; the task leaves it when it settles. */
  watchers: Set<HostJob> | undefined;

  constructor(task: Task, hooks: TaskHooks) {
    this.task = task;
    this.hooks = hooks;
    this.io = task.io === true;
    this.promise = new Promise((r) => (this.#resolve = r));
    const n = task.kind === 'items' ? (task.items?.length ?? 0) : 0;
    this.#outcomes = task.kind === 'items' ? new Array<ItemOutcome | undefined>(n) : undefined;
    this.#missing = n;
  }

  get node(): string {
    return this.task.node;
  }

  /**
   * The message body for the next dispatch (for a re-dispatch: only the items still missing).
   * `withState` false leaves the run state out: the worker still holds that very object.
   */
  spec(withState = true): JobSpec {
    const t = this.task;
    const base: JobSpec = {
      kind: t.kind,
      ref: t.ref,
      runId: t.runId,
      path: t.path,
      node: t.node,
      attempt: t.attempt,
      ...(withState ? { state: t.state } : {}),
      params: t.params,
      ...('resume' in t ? { resume: { value: t.resume } } : {}),
      ...(this.checkpoint
        ? { lastCheckpoint: this.checkpoint.value }
        : t.lastCheckpoint !== undefined
          ? { lastCheckpoint: t.lastCheckpoint }
          : {}),
    };
    if (t.kind === 'step') return { ...base, input: t.input, ...(t.chain ? { chain: t.chain } : {}) };
    const items = t.items ?? [];
    const first = t.baseIndex ?? 0;
    if (this.#missing === items.length) {
      return {
        ...base,
        items,
        indices: items.length === 0 ? [] : range(first, items.length),
        ...(t.attempts ? { attempts: t.attempts } : {}),
      };
    }
    const rest: unknown[] = [];
    const indices: number[] = [];
    const attempts: number[] = [];
    for (let k = 0; k < items.length; k++) {
      if (this.#outcomes![k] !== undefined) continue;
      rest.push(items[k]);
      indices.push(first + k);
      attempts.push(t.attempts?.[k] ?? t.attempt);
    }
    return { ...base, items: rest, indices, attempts };
  }

  /** True while some items of an items task have no outcome yet. */
  get hasMissing(): boolean {
    return this.#missing > 0;
  }

  /** An item finished (first report wins). */
  report(index: number, outcome: ItemOutcome): void {
    if (this.#record(index, outcome)) this.hooks.item(index, outcome);
  }

  /** Items finished together (one message): told to the runtime in one call when it takes batches. */
  reportAll(indices: readonly number[], outcomes: readonly ItemOutcome[]): void {
    if (!this.hooks.items) {
      for (let k = 0; k < indices.length; k++) this.report(indices[k]!, outcomes[k]!);
      return;
    }
    let fresh = true;
    for (let k = 0; k < indices.length; k++) if (!this.#record(indices[k]!, outcomes[k]!)) fresh = false;
    if (fresh) return this.hooks.items(indices, outcomes);
    // Some were reported before (a re-dispatch after a worker died): tell only the new ones.
    const out = this.#outcomes!;
    const first = this.task.baseIndex ?? 0;
    const keep = indices.flatMap((i, k) => (out[i - first] === outcomes[k] ? [k] : []));
    this.hooks.items(
      keep.map((k) => indices[k]!),
      keep.map((k) => outcomes[k]!),
    );
  }

  #record(index: number, outcome: ItemOutcome): boolean {
    const k = index - (this.task.baseIndex ?? 0);
    const out = this.#outcomes;
    if (!out || k < 0 || k >= out.length || out[k] !== undefined || this.settled) return false;
    out[k] = outcome;
    this.#missing--;
    return true;
  }

  /** The task ended on its worker (or was taken off it for good). */
  complete(outcome: TaskOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.watchers?.delete(this);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.cancelReason) return this.#resolve({ ok: false, error: this.cancelReason });
    if (!outcome.ok || !this.#outcomes) return this.#resolve(outcome);
    const out = this.#outcomes;
    for (let k = 0; k < out.length; k++) {
      if (out[k] === undefined)
        out[k] = {
          ok: false,
          error: serializeError(
            new WeftError('PROTOCOL_ERROR', `no result for item ${(this.task.baseIndex ?? 0) + k}`),
          ),
        };
    }
    this.#resolve({ ok: true, value: out });
  }
}

function range(first: number, n: number): number[] {
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = first + k;
  return out;
}
