import type { StepCode, StepRef } from '../definition/types.js';
import { WeftError, serializeError } from '../errors/weft-error.js';
import { ActorTable } from '../runtime/actor-table.js';
import { invokeStep } from '../runtime/invoke-step.js';
import { createStepContext, type HostServices } from '../runtime/step-context.js';
import { refKey, resolveStep } from './step-registry.js';
import type { ItemOutcome, Orchestrator, OrchestratorEntry, Task, TaskHooks, TaskOutcome } from './types.js';

/**
 * The `direct` orchestrator: runs every task in-process on the main thread. It resolves steps by
 * module and name exactly as a worker does, so the same pipeline means the same thing on both.
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

  constructor(services: HostServices = {}) {
    this.#services = services;
  }

  async run(task: Task, hooks: TaskHooks): Promise<TaskOutcome> {
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
        // A plain function is a stateless actor: call it without the actor table's bookkeeping.
        const value =
          typeof code === 'function'
            ? await invokeStep(
                code,
                task.input,
                this.#context(task, task.attempt, undefined, undefined, hooks),
                hooks.tokens,
              )
            : await this.#actors.run(key, code, task.params, task.node, (actor) =>
                invokeStep(
                  code,
                  task.input,
                  this.#context(task, task.attempt, undefined, actor, hooks),
                  hooks.tokens,
                ),
              );
        return { ok: true, value };
      }
      const items = task.items ?? [];
      const base = task.baseIndex ?? 0;
      const out: ItemOutcome[] = [];
      for (let i = 0; i < items.length; i++) {
        if (task.cancel ? task.cancel.cancelled : task.signal.aborted) throw task.signal.reason;
        const attempt = task.attempts?.[i] ?? task.attempt;
        let outcome: ItemOutcome;
        try {
          const value =
            typeof code === 'function'
              ? await invokeStep(
                  code,
                  items[i],
                  this.#context(task, attempt, base + i, undefined, hooks),
                  hooks.tokens,
                )
              : await this.#actors.run(key, code, task.params, task.node, (actor) =>
                  invokeStep(
                    code,
                    items[i],
                    this.#context(task, attempt, base + i, actor, hooks),
                    hooks.tokens,
                  ),
                );
          outcome = { ok: true, value };
        } catch (error) {
          outcome = { ok: false, error: serializeError(error) };
        }
        out.push(outcome);
        hooks.item(base + i, outcome);
      }
      return { ok: true, value: out };
    } catch (error) {
      return { ok: false, error: serializeError(error) };
    }
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
      resume: task.resume,
      signal: () => task.signal,
      flag: task.cancel ?? {
        get cancelled() {
          return task.signal.aborted;
        },
      },
      lastCheckpoint: task.lastCheckpoint,
      actor,
      host: this.#services,
      onCheckpoint: (v) => hooks.checkpoint(v),
    });
  }

  stats() {
    return { workerRestarts: 0, bytesMoved: 0 };
  }

  async close(): Promise<void> {
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
