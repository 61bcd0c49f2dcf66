import { WeftError } from '@weft/core';
import { type RunSnapshot } from '@weft/core/store';
import {
  pruneCandidates,
  queryRecords,
  type Owner,
  type RunPage,
  type RunQuery,
  type RunRecord,
  type RunStore,
  type SessionRecord,
  type StoredRunStatus,
  type ValueStore,
} from '@weft/core/store';
import { decodeRecord, encodeRecord } from '../shared/record-codec.js';
import { encodeValue, decodeValue, joinEncoded } from '../shared/value-codec.js';

/** What the memory store's parts share with its run store. */
export interface MemoryRunsDeps {
  readonly values: ValueStore;
  lastId(runId: string): Promise<number>;
  /** Forgets everything else of a run (events, run-scoped memo, audit). */
  forget(runId: string): void;
  /** Drops values nothing refers to; returns the bytes freed. */
  collect(): number;
  size(): number;
  /** Drops cross-run cache entries (and checkpoints of no run) stored at or before `before`; returns how many. */
  expireCache(before: number): number;
}

interface Row {
  json: string;
  refs: string[];
  status: StoredRunStatus;
  sessions: number | undefined;
  lastSeq: number | undefined;
  /** `json` parsed (values by ref), on first need: a run's record is written 4 times per session. */
  parsed: RunRecord | undefined;
}

/** A row's record as stored (values by ref), for queries and pruning. */
function recordOf(row: Row): RunRecord {
  return (row.parsed ??= JSON.parse(row.json) as RunRecord);
}

/** Runs, sessions and snapshots in memory, encoded as SQLite encodes them (so they mean the same). */
export class MemoryRuns implements RunStore {
  readonly #rows = new Map<string, Row>();
  readonly #sessions = new Map<string, SessionRecord[]>();
  readonly #snapshots = new Map<string, Uint8Array>();
  readonly #d: MemoryRunsDeps;

  constructor(deps: MemoryRunsDeps) {
    this.#d = deps;
  }

  async put(record: RunRecord): Promise<void> {
    const kept = this.#rows.get(record.runId);
    const { sessions: _s, lastSeq: _l, ...rest } = record;
    this.#write({
      ...rest,
      ...(kept?.sessions !== undefined ? { sessions: kept.sessions } : {}),
      ...(kept?.lastSeq !== undefined ? { lastSeq: kept.lastSeq } : {}),
    });
  }

  #write(record: RunRecord): void {
    const { json, refs } = encodeRecord(record, this.#d.values);
    this.#rows.set(record.runId, {
      json,
      refs,
      status: record.status,
      sessions: record.sessions,
      lastSeq: record.lastSeq,
      parsed: undefined,
    });
  }

  /**
   * Sets fields of a stored record that hold no values (status, owner, counters; `undefined`
   * removes one), in its stored JSON: its values stay by ref as they are, nothing is decoded.
   */
  #patch(
    row: Row,
    fields: { status: StoredRunStatus; owner?: Owner | undefined; sessions?: number; lastSeq?: number },
  ): void {
    const r = JSON.parse(row.json) as Record<string, unknown>;
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) delete r[k];
      else r[k] = v;
    }
    row.json = JSON.stringify(r);
    row.status = fields.status;
    if ('sessions' in fields) row.sessions = fields.sessions;
    if ('lastSeq' in fields) row.lastSeq = fields.lastSeq;
    row.parsed = undefined;
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const row = this.#rows.get(runId);
    return row ? decodeRecord(row.json, this.#d.values) : undefined;
  }

  async query(q?: RunQuery): Promise<RunPage> {
    const page = queryRecords([...this.#rows.values()].map(recordOf), q);
    return {
      runs: page.runs.map((r) => decodeRecord(this.#rows.get(r.runId)!.json, this.#d.values)),
      nextCursor: page.nextCursor,
    };
  }

  async delete(runId: string): Promise<boolean> {
    const row = this.#rows.get(runId);
    if (!row) return false;
    if (row.status === 'running')
      throw new WeftError('RUN_ACTIVE', `run "${runId}" is running: cancel it first`, { data: { runId } });
    this.#rows.delete(runId);
    this.#sessions.delete(runId);
    this.#snapshots.delete(runId);
    this.#d.forget(runId);
    return true;
  }

  async openSession(runId: string, kind: SessionRecord['kind'], owner: Owner): Promise<SessionRecord> {
    const row = this.#rows.get(runId);
    if (!row) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in the store`, { data: { runId } });
    const list = this.#sessions.get(runId) ?? [];
    const s: SessionRecord = {
      runId,
      session: list.length + 1,
      kind,
      owner,
      startedAt: Date.now(),
      finishedAt: null,
      status: 'running',
      firstSeq: (await this.#d.lastId(runId)) + 1,
      lastSeq: null,
    };
    this.#sessions.set(runId, [...list, s]);
    this.#patch(row, { status: 'running', owner, sessions: s.session });
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
    const row = this.#rows.get(runId);
    if (!row) return;
    this.#patch(row, { status, lastSeq, owner: undefined });
  }

  async sessions(runId: string): Promise<readonly SessionRecord[]> {
    return this.#sessions.get(runId) ?? [];
  }

  async saveSnapshot(runId: string, snapshot: RunSnapshot): Promise<void> {
    this.#snapshots.set(runId, joinEncoded(encodeValue(snapshot, `the snapshot of run ${runId}`)));
  }

  async loadSnapshot(runId: string): Promise<RunSnapshot | undefined> {
    const bytes = this.#snapshots.get(runId);
    return bytes === undefined ? undefined : (decodeValue(bytes) as RunSnapshot);
  }

  async deleteSnapshot(runId: string): Promise<void> {
    this.#snapshots.delete(runId);
  }

  async reconcile(alive: (owner: Owner) => boolean): Promise<readonly string[]> {
    const now = Date.now();
    const gone: string[] = [];
    for (const [runId, row] of this.#rows) {
      if (row.status !== 'running') continue;
      const o = recordOf(row).owner;
      if (o && (o.leaseUntil === undefined || o.leaseUntil > now) && alive(o)) continue;
      const lastSeq = await this.#d.lastId(runId);
      this.#patch(row, { status: 'interrupted', lastSeq, owner: undefined });
      const list = this.#sessions.get(runId) ?? [];
      this.#sessions.set(
        runId,
        list.map((s) =>
          s.finishedAt === null ? { ...s, finishedAt: now, status: 'interrupted' as const, lastSeq } : s,
        ),
      );
      gone.push(runId);
    }
    return gone;
  }

  async prune(o: {
    readonly olderThanMs?: number;
    readonly keep?: number;
  }): Promise<{ runs: number; bytes: number }> {
    const before = this.#d.size();
    const victims = pruneCandidates([...this.#rows.values()].map(recordOf), o, Date.now());
    for (const r of victims) await this.delete(r.runId);
    if (o.olderThanMs !== undefined) this.#d.expireCache(Date.now() - o.olderThanMs);
    this.#d.collect();
    return { runs: victims.length, bytes: Math.max(0, before - this.#d.size()) };
  }

  async size(): Promise<number> {
    return this.#d.size();
  }

  /** Value hashes the records refer to. */
  refs(): string[] {
    return [...this.#rows.values()].flatMap((r) => r.refs);
  }

  /** Bytes held by records and snapshots. */
  bytes(): number {
    let n = 0;
    for (const r of this.#rows.values()) n += r.json.length;
    for (const s of this.#snapshots.values()) n += s.byteLength;
    return n;
  }
}
