import type { StepActor, StepCode } from '../definition/types.js';
import { WeftError } from '../errors/weft-error.js';

interface Instance {
  readonly code: StepCode;
  ready: Promise<unknown>;
  tail: Promise<void>;
  /** Invocations running now; teardown waits for the last one. */
  active: number;
  idle: (() => void) | undefined;
}

/**
 * The step actors living in one thread: one instance per step, created on its first message.
 * `setup` runs once and its value is kept for every later message; messages to an actor with
 * `setup` run one at a time unless it is `reentrant`. Plain functions are stateless and reentrant.
 * `teardown()` runs each instance's teardown once, after its last invocation ended; no instance is
 * created after it.
 */
export class ActorTable {
  readonly #instances = new Map<string, Instance>();
  #closed = false;

  /** Runs `fn` as one message to the actor `key`, with its setup value. */
  async run<T>(
    key: string,
    code: StepCode,
    params: Readonly<Record<string, unknown>>,
    step: string,
    fn: (actor: unknown) => Promise<T>,
  ): Promise<T> {
    if (typeof code === 'function') return fn(undefined);
    let inst = this.#instances.get(key);
    if (!inst) {
      if (this.#closed)
        throw new WeftError('STEP_CANCELLED', `step "${step}" cannot start: its actors were torn down`);
      const actor = code as StepActor;
      inst = {
        code,
        ready: Promise.resolve(actor.setup ? actor.setup({ step, params }) : undefined),
        tail: Promise.resolve(),
        active: 0,
        idle: undefined,
      };
      this.#instances.set(key, inst);
      inst.ready.catch(() => this.#instances.delete(key));
    }
    inst.active++;
    try {
      const actorValue = await inst.ready;
      if ((code as StepActor).reentrant === true) return await fn(actorValue);
      const prev = inst.tail;
      let release!: () => void;
      inst.tail = new Promise<void>((r) => (release = r));
      await prev;
      try {
        return await fn(actorValue);
      } finally {
        release();
      }
    } finally {
      if (--inst.active === 0) inst.idle?.();
    }
  }

  /**
   * Runs every actor's teardown once, each after its instance's last invocation ended (a step that
   * ignores its cancellation keeps its actor, and this call, waiting); errors are collected, not
   * thrown one by one. No actor is set up afterwards.
   */
  async teardown(): Promise<Error[]> {
    this.#closed = true;
    const errors: Error[] = [];
    for (const inst of this.#instances.values()) {
      if (inst.active > 0) await new Promise<void>((r) => (inst.idle = r));
      const actor = inst.code as StepActor;
      if (!actor.teardown) continue;
      try {
        await actor.teardown(await inst.ready);
      } catch (e) {
        errors.push(e as Error);
      }
    }
    this.#instances.clear();
    return errors;
  }
}
