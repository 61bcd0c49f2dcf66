import type { StepActor, StepCode } from '../definition/types.js';

interface Instance {
  readonly code: StepCode;
  ready: Promise<unknown>;
  tail: Promise<void>;
}

/**
 * The step actors living in one thread: one instance per step, created on its first message.
 * `setup` runs once and its value is kept for every later message; messages to an actor with
 * `setup` run one at a time unless it is `reentrant`. Plain functions are stateless and reentrant.
 */
export class ActorTable {
  readonly #instances = new Map<string, Instance>();

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
      const actor = code as StepActor;
      inst = {
        code,
        ready: Promise.resolve(actor.setup ? actor.setup({ step, params }) : undefined),
        tail: Promise.resolve(),
      };
      this.#instances.set(key, inst);
      inst.ready.catch(() => this.#instances.delete(key));
    }
    const actorValue = await inst.ready;
    if ((code as StepActor).reentrant === true) return fn(actorValue);
    const prev = inst.tail;
    let release!: () => void;
    inst.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn(actorValue);
    } finally {
      release();
    }
  }

  /** Runs every actor's teardown once; errors are collected, not thrown one by one. */
  async teardown(): Promise<Error[]> {
    const errors: Error[] = [];
    for (const inst of this.#instances.values()) {
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
