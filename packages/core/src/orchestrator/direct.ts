import type { StepCode, StepRef } from '../definition/types.js';
import { WeftError, serializeError } from '../errors/weft-error.js';
import { ActorTable } from '../runtime/actor-table.js';
import { invokeStep, settleStepResult } from '../runtime/invoke-step.js';
import { createStepContext, type HostServices } from '../runtime/step-context.js';
import { copyValue } from '../util/copy-value.js';
import { refKey, resolveStep } from './step-registry.js';
import type { ItemOutcome, Orchestrator, OrchestratorEntry, Task, TaskHooks, TaskOutcome } from './types.js';

/**
 * The `direct` orchestrator: runs every task in-process on the main thread. It resolves steps by
 * module and name exactly as a worker does, and hands each step its own copy of its input (as
 * crossing to a worker does), so the same pipeline means the same thing on both.
 */
export class DirectOrchestrator implements Orchestrator {
  readonly name = 'direct';
  readonly capabilities = { blocking: true, detached: true, durable: false, parallel: false } as const;
  readonly parallelism = 1;
  readonly defaultChunkSize = 1;
  readonly #actors = new ActorTable();
  readonly #services: HostServices;
  /** Resolved code by plan ref (stable objects): skips building the cache key on every task. */
  readonly #resolved = new WeakMap<StepRef, StepCode>();
  #closed = false;

  constructor(services: HostServices = {}) {
    this.#services = services;
  }

  run(task: Task, hooks: TaskHooks): Promise<TaskOutcome> {
    if (this.#closed)
      return Promise.resolve({
        ok: false,
        error: serializeError(new WeftError('STEP_CANCELLED', 'the direct orchestrator is closed')),
      });
    return this.#run(task, hooks);
  }

  async #run(task: Task, hooks: TaskHooks): Promise<TaskOutcome> {
    try {
      const code = task.code ?? (await (this.#resolved.get(task.ref) ?? this.#resolve(task.ref)));
      const key =
        typeof code === 'function'
          ? ''
          : task.code
            ? `override:${task.path.join('/')}/${task.node}`
            : refKey(task.ref);
      hooks.started();
      if (task.kind === 'step') {
        const r = this.#invoke(task, code, key, copyValue(task.input), task.attempt, undefined, hooks);
        // A synchronous step ended now, although its outcome is processed after work queued before it.
        const value = isPromise(r) ? await r : r;
        hooks.ended?.();
        return { ok: true, value };
      }
      const items = task.items ?? [];
      const base = task.baseIndex ?? 0;
      const out: ItemOutcome[] = [];
      // Outcomes are reported as items end, in batches of those that ended within a millisecond (one
      // scheduler event, not one per item).
      const batch = hooks.items ? new ItemBatch(hooks) : undefined;
      for (let i = 0; i < items.length; i++) {
        if (task.cancel ? task.cancel.cancelled : task.signal.aborted) {
          batch?.flush();
          throw task.signal.reason;
        }
        const attempt = task.attempts?.[i] ?? task.attempt;
        let outcome: ItemOutcome;
        try {
          const r = this.#invoke(task, code, key, copyValue(items[i]), attempt, base + i, hooks);
          if (isPromise(r)) {
            // An item that must be awaited: what ended before it is reported first.
            batch?.flush();
            outcome = { ok: true, value: await r };
          } else outcome = { ok: true, value: r };
        } catch (error) {
          outcome = { ok: false, error: serializeError(error) };
        }
        out.push(outcome);
        if (batch) batch.add(base + i, outcome);
        else hooks.item(base + i, outcome);
      }
      batch?.flush();
      return { ok: true, value: out };
    } catch (error) {
      return { ok: false, error: serializeError(error) };
    }
  }

  /**
   * Runs one invocation: a plain function is called at once (a stateless actor: no actor-table
   * bookkeeping) and its synchronous result returned as is; anything else settles through a promise.
   */
  #invoke(
    task: Task,
    code: StepCode,
    key: string,
    input: unknown,
    attempt: number,
    index: number | undefined,
    hooks: TaskHooks,
  ): unknown {
    if (typeof code === 'function') {
      const ctx = this.#context(task, attempt, index, undefined, hooks);
      const r = code(input, ctx);
      return isPending(r) ? settleStepResult(r, ctx, hooks.tokens) : r;
    }
    return this.#actors.run(key, code, task.params, task.node, (actor) =>
      invokeStep(code, input, this.#context(task, attempt, index, actor, hooks), hooks.tokens),
    );
  }

  async #resolve(ref: StepRef): Promise<StepCode> {
    const code = await resolveStep(ref);
    this.#resolved.set(ref, code);
    return code;
  }

  #context(task: Task, attempt: number, index: number | undefined, actor: unknown, hooks: TaskHooks) {
    return createStepContext({
      runId: task.runId,
      step: task.node,
      path: task.path,
      attempt,
      index,
      state: task.state,
      params: task.params,
      resume: copyValue(task.resume),
      signal: () => task.signal,
      flag: task.cancel ?? {
        get cancelled() {
          return task.signal.aborted;
        },
      },
      lastCheckpoint: copyValue(task.lastCheckpoint),
      actor,
      host: this.#services,
      onCheckpoint: (v) => hooks.checkpoint(v),
    });
  }

  stats() {
    return { workerRestarts: 0, bytesMoved: 0 };
  }

  /**
   * Refuses new tasks (STEP_CANCELLED), then runs every actor's teardown once, after that actor's
   * last invocation ended (the engine cancelled their runs first; a step on the main thread cannot
   * be stopped, only asked to, so an actor that ignores it keeps close() waiting).
   */
  async close(): Promise<void> {
    this.#closed = true;
    const errors = await this.#actors.teardown();
    if (errors.length > 0)
      throw new WeftError('HOOK_FAILED', `teardown failed: ${errors.map((e) => e.message).join('; ')}`, {
        cause: errors[0],
      });
  }
}

/** The registry entry of `direct`. */
export const directEntry: OrchestratorEntry = {
  name: 'direct',
  description: 'in-process, on the main thread',
  capabilities: { blocking: true, detached: true, durable: false, parallel: false },
  create: (ctx) => new DirectOrchestrator(ctx.services),
};

/**
 * Item outcomes of a chunk not reported yet: they go out together (`TaskHooks.items`) once a
 * millisecond passed since the last report, before an item that must be awaited, and at the end —
 * so a synchronous item is still judged against its timeout within a millisecond of its end.
 */
class ItemBatch {
  readonly #hooks: TaskHooks;
  #indices: number[] = [];
  #outcomes: ItemOutcome[] = [];
  #since = performance.now();

  constructor(hooks: TaskHooks) {
    this.#hooks = hooks;
  }

  add(index: number, outcome: ItemOutcome): void {
    this.#indices.push(index);
    this.#outcomes.push(outcome);
    if (performance.now() - this.#since >= 1) this.flush();
  }

  flush(): void {
    this.#since = performance.now();
    if (this.#indices.length === 0) return;
    const indices = this.#indices;
    const outcomes = this.#outcomes;
    this.#indices = [];
    this.#outcomes = [];
    this.#hooks.items!(indices, outcomes);
  }
}

function isPromise(v: unknown): v is Promise<unknown> {
  return v instanceof Promise;
}

/** True when a step's return value needs settling (a thenable or a generator). */
function isPending(r: unknown): boolean {
  if (r === null || (typeof r !== 'object' && typeof r !== 'function')) return false;
  return (
    typeof (r as { then?: unknown }).then === 'function' ||
    typeof (r as { next?: unknown }).next === 'function'
  );
}
