import type {
  Engine,
  Pipeline,
  RunEvent,
  RunHandle,
  RunRecord as CoreRunRecord,
  RunStore as CoreRunStore,
} from '@weft/core';
import type { RunRecord, Store } from '@weft/core/store';

/** What the service records about a run beside what the engine writes. */
export interface RunMeta {
  readonly mode: string;
  readonly tenant: string | null;
  readonly tags: readonly string[];
}

/**
 * Where the engine meets the store: the run store handed to each engine (it adds the service's
 * facts, tenant, tags and mode, to every record the engine writes) and the observer that appends
 * each run's events to the event log, in order, numbered continuously across sessions.
 */
export class RunLauncher {
  readonly #store: Store;
  readonly #meta = new Map<string, RunMeta>();
  readonly #writes = new Set<Promise<void>>();
  /** The run store the engines write through. */
  readonly runStore: CoreRunStore;

  constructor(store: Store) {
    this.#store = store;
    const runs = store.runs;
    this.runStore = {
      put: (r: CoreRunRecord) => runs.put(this.#withMeta(r)),
      get: (id: string) => runs.get(id) as Promise<CoreRunRecord | undefined>,
      list: async () => (await runs.query({ limit: 1000 })).runs as CoreRunRecord[],
      saveSnapshot: (id, s) => runs.saveSnapshot(id, s),
      loadSnapshot: (id) => runs.loadSnapshot(id),
      deleteSnapshot: (id) => runs.deleteSnapshot(id),
    };
  }

  /** Starts a new run. */
  start(
    engine: Engine,
    pipeline: Pipeline,
    input: unknown,
    o: RunMeta & { readonly runId: string; readonly timeoutMs?: number },
  ): RunHandle {
    this.#meta.set(o.runId, { mode: o.mode, tenant: o.tenant, tags: o.tags });
    const handle = engine.start(pipeline, input, {
      runId: o.runId,
      observers: [this.#logWriter(o.runId, 0)],
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    });
    void handle.result.finally(() => this.#meta.delete(o.runId));
    return handle;
  }

  /** Resumes a suspended run; its events continue after the last one logged. */
  async resume(
    engine: Engine,
    pipeline: Pipeline,
    runId: string,
    value: unknown,
    meta: RunMeta,
  ): Promise<RunHandle> {
    const offset = await this.#store.events.lastId(runId);
    this.#meta.set(runId, meta);
    try {
      const handle = await engine.resume(pipeline, runId, value, {
        observers: [this.#logWriter(runId, offset)],
      });
      void handle.result.finally(() => this.#meta.delete(runId));
      return handle;
    } catch (e) {
      this.#meta.delete(runId);
      throw e;
    }
  }

  /** Resolves when every event observed so far is in the log. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#writes]);
  }

  #withMeta(r: CoreRunRecord): RunRecord {
    const m = this.#meta.get(r.runId);
    if (!m) return r;
    return { ...r, orchestrator: m.mode, ...(m.tenant !== null ? { tenant: m.tenant } : {}), tags: m.tags };
  }

  /** An observer that appends a run's events in batches (one per microtask), numbered after `offset`. */
  #logWriter(runId: string, offset: number): { onEvent(e: RunEvent): void } {
    let batch: RunEvent[] = [];
    let chain: Promise<void> = Promise.resolve();
    const log = this.#store.events;
    const flush = (): void => {
      const events = batch;
      batch = [];
      const write = (chain = chain.then(() => log.append(runId, events)));
      this.#writes.add(write);
      void write.finally(() => this.#writes.delete(write)).catch(() => undefined);
    };
    return {
      onEvent: (e) => {
        if (batch.length === 0) queueMicrotask(flush);
        batch.push(offset === 0 ? e : { ...e, seq: e.seq + offset });
      },
    };
  }
}
