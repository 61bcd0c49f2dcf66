import type { RunEvent } from './types.js';

interface Subscriber {
  readonly queue: RunEvent[];
  head: number;
  wake: (() => void) | undefined;
  closed: boolean;
}

/**
 * The ordered event stream of one run. Observers are called synchronously; async-iterator
 * subscribers each get a bounded queue. Emitting never blocks: the runtime reads `saturated` and
 * awaits `drained()` before dispatching more work or pulling more tokens, so a slow consumer slows
 * the run and nothing deadlocks.
 */
export class EventHub {
  readonly #capacity: number;
  readonly #observers: ((e: RunEvent) => void)[] = [];
  readonly #subs = new Set<Subscriber>();
  #waiters: (() => void)[] = [];
  #closed = false;
  #count = 0;
  #delivering = false;
  readonly #pending: RunEvent[] = [];

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Number of events emitted. */
  get count(): number {
    return this.#count;
  }

  /** True when someone receives the events (an observer or a subscriber): otherwise they need not be built. */
  get listened(): boolean {
    return this.#observers.length > 0 || this.#subs.size > 0;
  }

  /** Counts an event nobody receives (see `listened`) without building it. */
  pass(): void {
    if (this.#closed) throw new Error('event after the stream closed');
    this.#count++;
  }

  /** Adds a synchronous observer. An observer that throws is reported by the caller's wrapper. */
  observe(fn: (e: RunEvent) => void): void {
    this.#observers.push(fn);
  }

  /**
   * Delivers an event to every observer and subscriber, in order. An event emitted by an observer
   * while another is being delivered (say, an observer cancels the run) waits for that delivery to
   * end, so every observer and subscriber sees the events in emission (seq) order.
   */
  emit(event: RunEvent): void {
    if (this.#closed) throw new Error(`event after the stream closed: ${event.type}`);
    this.#count++;
    if (this.#delivering) {
      this.#pending.push(event);
      return;
    }
    this.#delivering = true;
    try {
      this.#deliver(event);
      for (let i = 0; i < this.#pending.length; i++) this.#deliver(this.#pending[i]!);
    } finally {
      this.#pending.length = 0;
      this.#delivering = false;
    }
  }

  #deliver(event: RunEvent): void {
    for (const o of this.#observers) o(event);
    for (const s of this.#subs) {
      if (s.closed) continue;
      s.queue.push(event);
      const w = s.wake;
      if (w) {
        s.wake = undefined;
        w();
      }
    }
  }

  /** Events that can still be emitted before some subscriber holds `capacity` undelivered (Infinity with no subscriber). */
  get room(): number {
    let room = Number.POSITIVE_INFINITY;
    for (const s of this.#subs)
      if (!s.closed) room = Math.min(room, this.#capacity - (s.queue.length - s.head));
    return Math.max(0, room);
  }

  /** True while some subscriber holds `capacity` or more undelivered events. */
  get saturated(): boolean {
    for (const s of this.#subs) if (!s.closed && s.queue.length - s.head >= this.#capacity) return true;
    return false;
  }

  /** Resolves when no subscriber is saturated. */
  drained(): Promise<void> {
    if (!this.saturated) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }

  /** Ends the stream: subscribers finish after the events already queued. */
  close(): void {
    this.#closed = true;
    for (const s of this.#subs) {
      const w = s.wake;
      s.wake = undefined;
      w?.();
    }
    this.#release();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A new subscription, receiving every event emitted from now on. */
  subscribe(): AsyncIterableIterator<RunEvent> {
    const sub: Subscriber = { queue: [], head: 0, wake: undefined, closed: false };
    this.#subs.add(sub);
    const finish = (): IteratorResult<RunEvent> => {
      sub.closed = true;
      this.#subs.delete(sub);
      this.#release();
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<RunEvent> = {
      next: async () => {
        for (;;) {
          if (sub.closed) return { done: true, value: undefined };
          if (sub.head < sub.queue.length) {
            const value = sub.queue[sub.head]!;
            // Drop the reference at once: a consumed event (a token batch, say) must not stay
            // reachable until the next compaction, or it is promoted and costs a major GC.
            sub.queue[sub.head] = undefined as unknown as RunEvent;
            sub.head++;
            if (sub.head > 1024 && sub.head * 2 > sub.queue.length) {
              sub.queue.splice(0, sub.head);
              sub.head = 0;
            }
            if (this.#waiters.length > 0 && sub.queue.length - sub.head < this.#capacity) this.#release();
            return { done: false, value };
          }
          if (this.#closed) return finish();
          await new Promise<void>((r) => (sub.wake = r));
        }
      },
      return: async () => finish(),
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    if (this.#closed) sub.closed = true;
    return iterator;
  }

  #release(): void {
    if (this.saturated) return;
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w();
  }
}
