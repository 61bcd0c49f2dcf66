import { WeftError } from '../errors/weft-error.js';
import type { RunSnapshot } from '../runtime/snapshot.js';
import { cloneForStore } from './clone-for-store.js';
import type {
  Owner,
  RunPage,
  RunQuery,
  RunRecord,
  RunStore,
  SessionRecord,
  StoredRunStatus,
} from './ports.js';
import { pruneCandidates, queryRecords } from './run-query.js';

/**
 * Runs, sessions and snapshots in memory (the ephemeral store's RunStore). Records are kept as
 * given (not copied: an in-memory run's output is the caller's object); snapshots are copied with
 * structured-clone semantics.
 */
export class EphemeralRuns implements RunStore {
  readonly #runs = new Map<string, RunRecord>();
  readonly #sessions = new Map<string, SessionRecord[]>();
  readonly #snapshots = new Map<string, RunSnapshot>();
  readonly #lastId: (runId: string) => Promise<number>;
  readonly #forget: (runId: string) => void;

  constructor(lastId: (runId: string) => Promise<number>, forget: (runId: string) => void) {
    this.#lastId = lastId;
    this.#forget = forget;
  }

  async put(record: RunRecord): Promise<void> {
    const kept = this.#runs.get(record.runId);
    const { sessions: _s, lastSeq: _l, ...rest } = record;
    this.#runs.set(record.runId, {
      ...rest,
      ...(kept?.sessions !== undefined ? { sessions: kept.sessions } : {}),
      ...(kept?.lastSeq !== undefined ? { lastSeq: kept.lastSeq } : {}),
    });
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    return this.#runs.get(runId);
  }

  async query(q?: RunQuery): Promise<RunPage> {
    return queryRecords(this.#runs.values(), q);
  }

  async delete(runId: string): Promise<boolean> {
    const r = this.#runs.get(runId);
    if (!r) return false;
    if (r.status === 'running')
      throw new WeftError('RUN_ACTIVE', `run "${runId}" is running: cancel it first`, { data: { runId } });
    this.#runs.delete(runId);
    this.#sessions.delete(runId);
    this.#snapshots.delete(runId);
    this.#forget(runId);
    return true;
  }

  async openSession(runId: string, kind: SessionRecord['kind'], owner: Owner): Promise<SessionRecord> {
    const r = this.#runs.get(runId);
    if (!r) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in the store`, { data: { runId } });
    const list = this.#sessions.get(runId) ?? [];
    const s: SessionRecord = {
      runId,
      session: list.length + 1,
      kind,
      owner,
      startedAt: Date.now(),
      finishedAt: null,
      status: 'running',
      firstSeq: (await this.#lastId(runId)) + 1,
      lastSeq: null,
    };
    this.#sessions.set(runId, [...list, s]);
    this.#runs.set(runId, { ...r, status: 'running', owner, sessions: s.session });
    return s;
  }

  async closeSession(
    runId: string,
    session: number,
    status: StoredRunStatus,
    lastSeq: number,
  ): Promise<void> {
    const list = this.#sessions.get(runId) ?? [];
    this.#sessions.set(
      runId,
      list.map((s) => (s.session === session ? { ...s, finishedAt: Date.now(), status, lastSeq } : s)),
    );
    const r = this.#runs.get(runId);
    if (r) {
      const { owner: _o, ...rest } = r;
      this.#runs.set(runId, { ...rest, status, lastSeq });
    }
  }

  async sessions(runId: string): Promise<readonly SessionRecord[]> {
    return this.#sessions.get(runId) ?? [];
  }

  async saveSnapshot(runId: string, snapshot: RunSnapshot): Promise<void> {
    this.#snapshots.set(runId, cloneForStore(snapshot, `the snapshot of run ${runId}`));
  }

  async loadSnapshot(runId: string): Promise<RunSnapshot | undefined> {
    const s = this.#snapshots.get(runId);
    return s === undefined ? undefined : structuredClone(s);
  }

  async deleteSnapshot(runId: string): Promise<void> {
    this.#snapshots.delete(runId);
  }

  async reconcile(alive: (owner: Owner) => boolean): Promise<readonly string[]> {
    const now = Date.now();
    const gone: string[] = [];
    for (const r of this.#runs.values()) {
      if (r.status !== 'running') continue;
      const o = r.owner;
      if (o && alive(o) && (o.leaseUntil === undefined || o.leaseUntil > now)) continue;
      const { owner: _o, ...rest } = r;
      this.#runs.set(r.runId, { ...rest, status: 'interrupted' });
      gone.push(r.runId);
    }
    return gone;
  }

  async prune(o: {
    readonly olderThanMs?: number;
    readonly keep?: number;
  }): Promise<{ runs: number; bytes: number }> {
    const victims = pruneCandidates(this.#runs.values(), o, Date.now());
    for (const r of victims) await this.delete(r.runId);
    return { runs: victims.length, bytes: 0 };
  }

  async size(): Promise<number> {
    return 0;
  }
}
