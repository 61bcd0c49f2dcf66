import { ephemeralStore, type RunStore, type SessionRecord, type Store } from '@weft/core';
import type { SqliteRunStore } from './sqlite-store.js';

/**
 * The engine's view of the CLI's SQLite run store (an interim bridge until the CLI moves to
 * @weft/store): records and snapshots go to SQLite; sessions, events, memo and audit stay with the
 * CLI's session code, as before.
 */
export function engineStore(sqlite: SqliteRunStore): Store {
  const base = ephemeralStore();
  const runs: RunStore = {
    put: (r) => sqlite.put(r),
    get: (id) => sqlite.get(id),
    query: async () => ({ runs: await sqlite.list(), nextCursor: null }),
    delete: async () => false,
    openSession: async (runId, kind, owner): Promise<SessionRecord> => ({
      runId,
      session: 0,
      kind,
      owner,
      startedAt: Date.now(),
      finishedAt: null,
      status: 'running',
      firstSeq: 1,
      lastSeq: null,
    }),
    closeSession: async () => {},
    sessions: async () => [],
    saveSnapshot: (id, s) => sqlite.saveSnapshot(id, s),
    loadSnapshot: (id) => sqlite.loadSnapshot(id),
    deleteSnapshot: (id) => sqlite.deleteSnapshot(id),
    reconcile: async () => [],
    prune: async () => ({ runs: 0, bytes: 0 }),
    size: async () => 0,
  };
  return { ...base, runs };
}
