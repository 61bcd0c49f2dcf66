import {
  createEngine,
  ephemeralStore,
  type Engine,
  type EngineOptions,
  type RunHandle,
  type RunRecord,
  type RunResult,
  type RunStore,
  type SessionRecord,
  type Store,
} from '@weft/core';

/**
 * A run store that keeps nothing. Benchmarks run thousands of runs; the default in-memory store
 * would keep every record (inputs included) and the growing heap would distort later figures.
 * It is awaited exactly like the real one, so the engine's path is the same.
 */
export class DiscardRunStore implements RunStore {
  async put(_record: RunRecord): Promise<void> {}
  async get(): Promise<undefined> {
    return undefined;
  }
  async query(): Promise<{ runs: RunRecord[]; nextCursor: null }> {
    return { runs: [], nextCursor: null };
  }
  async delete(): Promise<boolean> {
    return false;
  }
  async openSession(
    runId: string,
    kind: SessionRecord['kind'],
    owner: SessionRecord['owner'],
  ): Promise<SessionRecord> {
    return {
      runId,
      session: 1,
      kind,
      owner,
      startedAt: 0,
      finishedAt: null,
      status: 'running',
      firstSeq: 1,
      lastSeq: null,
    };
  }
  async closeSession(): Promise<void> {}
  async sessions(): Promise<SessionRecord[]> {
    return [];
  }
  async saveSnapshot(): Promise<void> {}
  async loadSnapshot(): Promise<undefined> {
    return undefined;
  }
  async deleteSnapshot(): Promise<void> {}
  async reconcile(): Promise<string[]> {
    return [];
  }
  async prune(): Promise<{ runs: number; bytes: number }> {
    return { runs: 0, bytes: 0 };
  }
  async size(): Promise<number> {
    return 0;
  }
}

/** The engine's default store with a run store that keeps nothing (see {@link DiscardRunStore}). */
export function discardStore(): Store {
  return { ...ephemeralStore(), runs: new DiscardRunStore() };
}

/** An engine for benchmarks: the given orchestrator, a store that keeps nothing. */
export function benchEngine(options: EngineOptions = {}): Engine {
  return createEngine({ store: discardStore(), ...options });
}

/** Drains a run's event stream (as an observer would) and returns the run's result and the event count. */
export async function consume<O>(handle: RunHandle<O>): Promise<{ result: RunResult<O>; events: number }> {
  let events = 0;
  for await (const _e of handle.events()) events++;
  return { result: await handle.result, events };
}

/** Throws unless the run succeeded with the expected output, so a broken case never yields a figure. */
export function expectOutput<O>(result: RunResult<O>, check: (output: O) => boolean, what: string): void {
  if (result.status !== 'succeeded')
    throw new Error(`${what}: run ${result.status}: ${result.error?.message ?? ''}`);
  if (!check(result.output as O))
    throw new Error(`${what}: unexpected output ${JSON.stringify(result.output)?.slice(0, 200)}`);
}
