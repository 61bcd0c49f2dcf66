import type { HostJob } from './host-job.js';

/** A FIFO of tasks waiting for a worker. Cancelled tasks are dropped lazily when they reach the head. */
export class JobQueue {
  #items: (HostJob | undefined)[] = [];
  #head = 0;

  /** Waiting tasks (cancelled ones included until they reach the head). */
  get length(): number {
    return this.#items.length - this.#head;
  }

  push(job: HostJob): void {
    this.#items.push(job);
  }

  /** Puts a task back at the head (a task whose worker died goes first). */
  unshift(job: HostJob): void {
    if (this.#head > 0) this.#items[--this.#head] = job;
    else this.#items.unshift(job);
  }

  /** The next live task, without removing it. */
  peek(): HostJob | undefined {
    while (this.#head < this.#items.length) {
      const j = this.#items[this.#head];
      if (j && !j.settled) return j;
      this.#items[this.#head++] = undefined;
    }
    this.#compact();
    return undefined;
  }

  /** Removes the head (call after `peek`). */
  shift(): void {
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) this.#compact();
  }

  /** Every task still waiting. */
  drain(): HostJob[] {
    const out = this.#items.slice(this.#head).filter((j): j is HostJob => j !== undefined && !j.settled);
    this.#items = [];
    this.#head = 0;
    return out;
  }

  #compact(): void {
    this.#items = this.#items.slice(this.#head);
    this.#head = 0;
  }
}
