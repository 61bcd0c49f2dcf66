// The runtime's side of chain tasks (see `Task.chain`): a backend that runs a chain reports each
// step as it ends; the scheduler takes each step later, as its own invocation, when it decides to
// run it. This table holds what was reported until it is taken, and answers a step taken before it
// was reported once it is. It decides nothing: of a step the backend did not run, it tells the
// scheduler (`unlinked`), which sends it as a task of its own.
import type { TaskOutcome } from '../orchestrator/types.js';
import type { LazyAbortController } from './lazy-abort.js';

/** One chain task's reports, until the scheduler takes each step. */
interface Carrier {
  readonly controller: LazyAbortController;
  /** Steps reported and not yet taken, by place in the chain (0: the task's own step). */
  readonly outcomes: Map<number, TaskOutcome>;
  /** Steps taken, by place: their invocation ids. */
  readonly taken: Map<number, number>;
  /** What a step reported while it ran (tokens, checkpoints) before it was taken, by place. */
  readonly early: Map<number, ((inv: number) => unknown)[]>;
  /** Steps reported so far: the backend runs step `reported` now. */
  reported: number;
  /** The task's `run()` resolved: it reports nothing more. */
  ended: boolean;
}

/** What the table asks of the runtime. */
export interface ChainPorts {
  /** Feed the scheduler a step's outcome. */
  done(inv: number, outcome: TaskOutcome): void;
  /** Tell the scheduler the backend did not run a step it took from the chain. */
  unlinked(inv: number): void;
  /** The run's metrics: each step a chain task ran counts as a task. */
  readonly metrics: { tasks: number };
  /** The runtime's abort controllers by invocation (a step taken from a chain aborts its carrier). */
  readonly controllers: Map<number, LazyAbortController>;
}

/** The chain tasks of one run in flight, by carrier (the invocation that was sent). */
export class ChainCarriers {
  readonly #carriers = new Map<number, Carrier>();
  readonly #p: ChainPorts;

  constructor(ports: ChainPorts) {
    this.#p = ports;
  }

  /** A chain task was sent as invocation `id`. */
  open(id: number, controller: LazyAbortController): void {
    this.#carriers.set(id, {
      controller,
      outcomes: new Map(),
      taken: new Map([[0, id]]),
      early: new Map(),
      reported: 0,
      ended: false,
    });
  }

  /**
   * Something the step a chain task runs now reported (a token batch, a checkpoint): `fn` gets that
   * step's invocation now, or once the scheduler took it (its `step.start` comes first).
   */
  during<R>(id: number, fn: (inv: number) => R): R | undefined {
    const c = this.#carriers.get(id);
    if (!c) return fn(id);
    const inv = c.taken.get(c.reported);
    if (inv !== undefined) return fn(inv);
    const list = c.early.get(c.reported);
    if (list) list.push(fn);
    else c.early.set(c.reported, [fn]);
    return undefined;
  }

  /** `TaskHooks.link`: step `k` ended. The first is the carrier's own outcome; the others wait to be taken. */
  reported(id: number, k: number, outcome: TaskOutcome): void {
    const c = this.#carriers.get(id);
    if (!c || c.ended || k < c.reported) return;
    c.reported = k + 1;
    if (k > 0) this.#p.metrics.tasks++;
    const inv = c.taken.get(k);
    if (inv === undefined) return void c.outcomes.set(k, outcome);
    if (k > 0) this.#p.controllers.delete(inv);
    this.#p.done(inv, outcome);
  }

  /**
   * The chain task's `run()` resolved. A backend that did not run the chain (or failed before its
   * first step ended) answers for the task's own step; otherwise an error belongs to the step it
   * was on, and the scheduler hears of the steps it took that never ran.
   */
  ended(id: number, outcome: TaskOutcome): void {
    const c = this.#carriers.get(id);
    if (!c) return this.#p.done(id, outcome);
    if (c.reported === 0) {
      this.#carriers.delete(id);
      return this.#p.done(id, outcome);
    }
    if (!outcome.ok) this.reported(id, c.reported, outcome);
    c.ended = true;
    for (const [k, inv] of c.taken) {
      if (k < c.reported) continue;
      this.#p.controllers.delete(inv);
      this.#p.unlinked(inv);
    }
    if (c.outcomes.size === 0) this.#carriers.delete(id);
  }

  /**
   * The scheduler took step `k` of chain `id` as invocation `inv`: it is answered with the step's
   * outcome, now or once reported. False when the backend never ran it (the chain stopped or is
   * gone): the caller tells the scheduler (`unlinked`).
   */
  take(inv: number, id: number, k: number): boolean {
    const c = this.#carriers.get(id);
    if (!c || (c.ended && k >= c.reported)) return false;
    c.taken.set(k, inv);
    const early = c.early.get(k);
    if (early) {
      c.early.delete(k);
      for (const fn of early) fn(inv);
    }
    const o = c.outcomes.get(k);
    if (o === undefined) {
      this.#p.controllers.set(inv, c.controller);
      return true;
    }
    c.outcomes.delete(k);
    if (c.ended && c.outcomes.size === 0) this.#carriers.delete(id);
    this.#p.done(inv, o);
    return true;
  }

  /** Forgets every chain (the run ended). */
  clear(): void {
    this.#carriers.clear();
  }
}
