/** Runs whose counters are kept until the engine asks for them (the oldest are forgotten first). */
const MAX_TRACKED_RUNS = 4096;

/** What one run's tasks cost the pool. */
export interface RunCounters {
  restarts: number;
  bytes: number;
}

/** Per-run counters, handed to the engine once at the end of the run (`stats(runId)`). */
export class RunCounterTable {
  readonly #runs = new Map<string, RunCounters>();

  /** The counters of a run, created on first use. */
  of(runId: string): RunCounters {
    let c = this.#runs.get(runId);
    if (!c) {
      c = { restarts: 0, bytes: 0 };
      this.#runs.set(runId, c);
      if (this.#runs.size > MAX_TRACKED_RUNS) this.#runs.delete(this.#runs.keys().next().value!);
    }
    return c;
  }

  /** Removes and returns a run's counters (zeros when it moved nothing). */
  take(runId: string): RunCounters {
    const c = this.#runs.get(runId) ?? { restarts: 0, bytes: 0 };
    this.#runs.delete(runId);
    return c;
  }
}
