/** A timer handle returned by a Clock. */
export type TimerHandle = { readonly id: number };

/** The injectable clock: every timer in the engine goes through it, so tests can simulate time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock (performance.now for durations, host timers for delays). */
export const systemClock: Clock = (() => {
  const timers = new Map<number, ReturnType<typeof globalThis.setTimeout>>();
  let seq = 0;
  return {
    now: () => performance.now(),
    setTimeout(fn, ms) {
      const id = ++seq;
      const t = globalThis.setTimeout(() => {
        timers.delete(id);
        fn();
      }, ms);
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t !== undefined) {
        globalThis.clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
})();

/**
 * A simulated clock: time moves only when the test calls `advance`, and timers fire in due order.
 * @example
 * const clock = new SimulatedClock();
 * const run = engine.start(p, input, { clock });
 * await clock.advance(5_000); // fires every timer due in the next 5 s
 */
export class SimulatedClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  #pendingWaiters: { n: number; resolve: () => void }[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    if (this.#pendingWaiters.length > 0) this.#checkPending();
    return { id };
  }

  /**
   * Resolves once at least `n` timers are pending: say, once a step that runs in another thread has
   * started and armed its timeout, so that advancing the clock is sure to reach it.
   */
  whenPending(n = 1): Promise<void> {
    if (this.#timers.size >= n) return Promise.resolve();
    return new Promise((resolve) => this.#pendingWaiters.push({ n, resolve }));
  }

  #checkPending(): void {
    const ready = this.#pendingWaiters.filter((w) => this.#timers.size >= w.n);
    if (ready.length === 0) return;
    this.#pendingWaiters = this.#pendingWaiters.filter((w) => this.#timers.size < w.n);
    for (const w of ready) w.resolve();
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle.id);
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }

  /** The time of the next timer, if any. */
  nextAt(): number | undefined {
    let best: number | undefined;
    for (const t of this.#timers.values()) if (best === undefined || t.at < best) best = t.at;
    return best;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order; between timers it lets pending
   * promise callbacks run, so that work triggered by one timer can schedule the next.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#timers)
        if (
          e[1].at <= target &&
          (due === undefined || e[1].at < due[1].at || (e[1].at === due[1].at && e[0] < due[0]))
        )
          due = e;
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = target;
    await settle();
  }

  /** Fires timers one after another until none is left (or `limit` fired). */
  async runAll(limit = 10_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      await settle();
      const at = this.nextAt();
      if (at === undefined) return;
      await this.advance(at - this.#now);
    }
  }
}

/** Lets queued microtasks and immediate callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
