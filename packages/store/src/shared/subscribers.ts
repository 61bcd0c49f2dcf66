import type { RunEvent } from '@weft/core';

/** Live listeners of appends per run (what `tail` hears in this process). */
export class Subscribers {
  readonly #subs = new Map<string, Set<(batch: readonly RunEvent[]) => void>>();

  /** True when someone listens to `runId` (then appends parse what they stored, to hand it on). */
  has(runId: string): boolean {
    return this.#subs.has(runId);
  }

  subscribe(runId: string, fn: (batch: readonly RunEvent[]) => void): () => void {
    let set = this.#subs.get(runId);
    if (!set) this.#subs.set(runId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.#subs.delete(runId);
    };
  }

  publish(runId: string, batch: readonly RunEvent[]): void {
    for (const fn of this.#subs.get(runId) ?? []) fn(batch);
  }
}
