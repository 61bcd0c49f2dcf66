import { WeftError } from '@weft/core';
import { type RunSnapshot } from '@weft/core/store';
import {
  pruneCandidates,
  resolveQuery,
  encodeCursor,
  type Owner,
  type RunPage,
  type RunQuery,
  type RunRecord,
  type RunStore,
  type SessionRecord,
  type StoredRunStatus,
} from '@weft/core/store';
import { decodeRecord, encodeRecord } from '../shared/record-codec.js';
import { decodeValue, encodeValue, joinEncoded } from '../shared/value-codec.js';
import type { Values } from '../shared/values.js';
import type { Db } from './db.js';
import type { SqliteWriter } from './sqlite-writer.js';

/** What the run store needs from the rest of the SQLite store. */
export interface SqliteRunsDeps {
  readonly db: Db;
  readonly values: Values;
  readonly writer: SqliteWriter;
  /** Removes a run's audit log and anchor (its file lives outside the database). */
  forgetAudit(runId: string): void;
  /** Deletes unreferenced values; returns bytes freed. */
  collect(): number;
  size(): number;
  /** Drops cross-run cache entries (and checkpoints of no run) stored at or before `before`; returns how many. */
  expireCache(before: number): number;
}

interface RunRow {
  record: string;
}

interface SessionRow {
  run_id: string;
  session: number;
  kind: SessionRecord['kind'];
  owner: string;
  started_at: number;
  finished_at: number | null;
  status: StoredRunStatus;
  first_seq: number;
  last_seq: number | null;
}

const toSession = (r: SessionRow): SessionRecord => ({
  runId: r.run_id,
  session: r.session,
  kind: r.kind,
  owner: JSON.parse(r.owner) as Owner,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  status: r.status,
  firstSeq: r.first_seq,
  lastSeq: r.last_seq,
});

/** Runs, sessions and snapshots in SQLite, queried through indexes on (field, started_at). */
export class SqliteRuns implements RunStore {
  readonly #d: SqliteRunsDeps;

  constructor(deps: SqliteRunsDeps) {
    this.#d = deps;
  }

  get #db(): Db {
    return this.#d.db;
  }

  async put(record: RunRecord): Promise<void> {
    const { sessions: _s, lastSeq: _l, ...rest } = record;
    this.#write(rest);
  }

  /** Writes a record (keeping the stored `sessions` and `lastSeq`), its tags and refs, in one transaction. */
  #write(record: RunRecord): void {
    const { json, refs } = encodeRecord(record, this.#d.values);
    this.#d.writer.commit(() => {
      const db = this.#db;
      db.stmt(
        `INSERT INTO runs (run_id, pipeline, status, tenant, started_at, finished_at, record, updated_at)
           VALUES (@runId, @pipeline, @status, @tenant, @startedAt, @finishedAt, @record, @now)
         ON CONFLICT (run_id) DO UPDATE SET pipeline = excluded.pipeline, status = excluded.status,
           tenant = excluded.tenant, started_at = excluded.started_at, finished_at = excluded.finished_at,
           record = excluded.record, updated_at = excluded.updated_at`,
      ).run({
        runId: record.runId,
        pipeline: record.pipeline,
        status: record.status,
        tenant: record.tenant ?? null,
        startedAt: record.startedAt,
        finishedAt: record.finishedAt ?? null,
        record: json,
        now: Date.now(),
      });
      db.stmt('DELETE FROM run_tags WHERE run_id = ?').run(record.runId);
      for (const t of new Set(record.tags ?? []))
        db.stmt('INSERT INTO run_tags (tag, run_id) VALUES (?, ?)').run(t, record.runId);
      db.stmt('DELETE FROM run_refs WHERE run_id = ?').run(record.runId);
      for (const h of refs)
        db.stmt('INSERT OR IGNORE INTO run_refs (hash, run_id) VALUES (?, ?)').run(h, record.runId);
    });
  }

  #row(runId: string): { record: string; sessions: number; last_seq: number; status: string } | undefined {
    return this.#db.do(
      'reading a run',
      () =>
        this.#db.stmt('SELECT record, sessions, last_seq, status FROM runs WHERE run_id = ?').get(runId) as
          { record: string; sessions: number; last_seq: number; status: string } | undefined,
    );
  }

  #decode(row: { record: string; sessions: number; last_seq: number }): RunRecord {
    const r = this.#db.do('decoding a run', () => decodeRecord(row.record, this.#d.values));
    return {
      ...r,
      ...(row.sessions > 0 ? { sessions: row.sessions } : {}),
      ...(row.sessions > 0 || row.last_seq > 0 ? { lastSeq: row.last_seq } : {}),
    };
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const row = this.#row(runId);
    return row ? this.#decode(row) : undefined;
  }

  async query(q?: RunQuery): Promise<RunPage> {
    const r = resolveQuery(q);
    const where: string[] = [];
    const args: unknown[] = [];
    if (r.statuses) {
      where.push(`status IN (${r.statuses.map(() => '?').join(', ')})`);
      args.push(...r.statuses);
    }
    const add = (clause: string, ...values: unknown[]): void => {
      where.push(clause);
      args.push(...values);
    };
    if (r.pipeline !== null) add('pipeline = ?', r.pipeline);
    if (r.tenant !== null) add('tenant = ?', r.tenant);
    if (r.tag !== null)
      add('EXISTS (SELECT 1 FROM run_tags t WHERE t.tag = ? AND t.run_id = runs.run_id)', r.tag);
    if (r.since !== null) add('started_at >= ?', r.since);
    if (r.after)
      add(
        '(started_at < ? OR (started_at = ? AND run_id > ?))',
        r.after.startedAt,
        r.after.startedAt,
        r.after.runId,
      );
    const sql = `SELECT record, sessions, last_seq, started_at, run_id FROM runs ${
      where.length ? `WHERE ${where.join(' AND ')}` : ''
    } ORDER BY started_at DESC, run_id LIMIT ?`;
    const rows = this.#db.do(
      'querying runs',
      () =>
        this.#db.stmt(sql).all(...args, r.limit + 1) as {
          record: string;
          sessions: number;
          last_seq: number;
          started_at: number;
          run_id: string;
        }[],
    );
    const page = rows.slice(0, r.limit);
    const last = page[page.length - 1];
    return {
      runs: page.map((row) => this.#decode(row)),
      nextCursor:
        rows.length > r.limit && last
          ? encodeCursor({ startedAt: last.started_at, runId: last.run_id })
          : null,
    };
  }

  async delete(runId: string): Promise<boolean> {
    const row = this.#row(runId);
    if (!row) return false;
    if (row.status === 'running')
      throw new WeftError('RUN_ACTIVE', `run "${runId}" is running: cancel it first`, { data: { runId } });
    this.#d.writer.commit(() => {
      for (const t of [
        'runs',
        'run_tags',
        'run_refs',
        'sessions',
        'events',
        'event_heads',
        'event_refs',
        'snapshots',
      ])
        this.#db.stmt(`DELETE FROM ${t} WHERE run_id = ?`).run(runId);
      this.#db.stmt('DELETE FROM memo WHERE run_id = ?').run(runId);
      this.#db.stmt('DELETE FROM memo_log WHERE run_id = ?').run(runId);
      this.#db.stmt('DELETE FROM checkpoints WHERE run_id = ?').run(runId);
    });
    this.#d.forgetAudit(runId);
    return true;
  }

  async openSession(runId: string, kind: SessionRecord['kind'], owner: Owner): Promise<SessionRecord> {
    let out: SessionRecord | undefined;
    const row = this.#row(runId);
    if (!row) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in the store`, { data: { runId } });
    const record = this.#decode(row);
    this.#d.writer.commit(() => {
      const db = this.#db;
      const { n } = db
        .stmt('SELECT COALESCE(MAX(session), 0) AS n FROM sessions WHERE run_id = ?')
        .get(runId) as {
        n: number;
      };
      const head = db.stmt('SELECT last_seq FROM event_heads WHERE run_id = ?').get(runId) as
        { last_seq: number } | undefined;
      out = {
        runId,
        session: n + 1,
        kind,
        owner,
        startedAt: Date.now(),
        finishedAt: null,
        status: 'running',
        firstSeq: (head?.last_seq ?? 0) + 1,
        lastSeq: null,
      };
      db.stmt(
        `INSERT INTO sessions (run_id, session, kind, owner, started_at, finished_at, status, first_seq, last_seq)
           VALUES (?, ?, ?, ?, ?, NULL, 'running', ?, NULL)`,
      ).run(runId, out.session, kind, JSON.stringify(owner), out.startedAt, out.firstSeq);
      const { sessions: _s, lastSeq: _l, ...rest } = record;
      db.stmt('UPDATE runs SET status = ?, sessions = ?, record = ?, updated_at = ? WHERE run_id = ?').run(
        'running',
        out.session,
        encodeRecord({ ...rest, status: 'running', owner }, this.#d.values).json,
        Date.now(),
        runId,
      );
    });
    return out!;
  }

  async closeSession(
    runId: string,
    session: number,
    status: StoredRunStatus,
    lastSeq: number,
  ): Promise<void> {
    const row = this.#row(runId);
    this.#d.writer.commit(() => {
      this.#db
        .stmt(
          'UPDATE sessions SET finished_at = ?, status = ?, last_seq = ? WHERE run_id = ? AND session = ?',
        )
        .run(Date.now(), status, lastSeq, runId, session);
      if (!row) return;
      const { owner: _o, sessions: _s, lastSeq: _l, ...rest } = this.#decode(row);
      this.#db
        .stmt('UPDATE runs SET status = ?, last_seq = ?, record = ?, updated_at = ? WHERE run_id = ?')
        .run(status, lastSeq, encodeRecord({ ...rest, status }, this.#d.values).json, Date.now(), runId);
    });
  }

  async sessions(runId: string): Promise<readonly SessionRecord[]> {
    const rows = this.#db.do(
      'reading sessions',
      () =>
        this.#db.stmt('SELECT * FROM sessions WHERE run_id = ? ORDER BY session').all(runId) as SessionRow[],
    );
    return rows.map(toSession);
  }

  async saveSnapshot(runId: string, snapshot: RunSnapshot): Promise<void> {
    const bytes = joinEncoded(encodeValue(snapshot, `the snapshot of run ${runId}`));
    this.#d.writer.commit(() =>
      this.#db
        .stmt('INSERT OR REPLACE INTO snapshots (run_id, data, saved_at) VALUES (?, ?, ?)')
        .run(runId, bytes, Date.now()),
    );
  }

  async loadSnapshot(runId: string): Promise<RunSnapshot | undefined> {
    const row = this.#db.do(
      'reading a snapshot',
      () =>
        this.#db.stmt('SELECT data FROM snapshots WHERE run_id = ?').get(runId) as
          { data: Buffer } | undefined,
    );
    return row ? (this.#db.do('decoding a snapshot', () => decodeValue(row.data)) as RunSnapshot) : undefined;
  }

  async deleteSnapshot(runId: string): Promise<void> {
    this.#d.writer.commit(() => this.#db.stmt('DELETE FROM snapshots WHERE run_id = ?').run(runId));
  }

  async reconcile(alive: (owner: Owner) => boolean): Promise<readonly string[]> {
    const now = Date.now();
    const rows = this.#db.do(
      'reading running runs',
      () =>
        this.#db
          .stmt("SELECT run_id, record, sessions, last_seq FROM runs WHERE status = 'running'")
          .all() as {
          run_id: string;
          record: string;
          sessions: number;
          last_seq: number;
        }[],
    );
    const gone: string[] = [];
    for (const row of rows) {
      const r = this.#decode(row);
      const o = r.owner;
      if (o && (o.leaseUntil === undefined || o.leaseUntil > now) && alive(o)) continue;
      const { owner: _o, sessions: _s, lastSeq: _l, ...rest } = r;
      this.#d.writer.commit(() => {
        this.#db
          .stmt(
            "UPDATE runs SET status = 'interrupted', record = ?, updated_at = ? WHERE run_id = ? AND status = 'running'",
          )
          .run(encodeRecord({ ...rest, status: 'interrupted' }, this.#d.values).json, now, row.run_id);
        // The session ended with the last event it committed.
        const head = this.#db.stmt('SELECT last_seq FROM event_heads WHERE run_id = ?').get(row.run_id) as
          { last_seq: number } | undefined;
        const last = head?.last_seq ?? 0;
        this.#db
          .stmt(
            "UPDATE sessions SET status = 'interrupted', finished_at = ?, last_seq = ? WHERE run_id = ? AND finished_at IS NULL",
          )
          .run(now, last, row.run_id);
        this.#db.stmt('UPDATE runs SET last_seq = ? WHERE run_id = ?').run(last, row.run_id);
      });
      gone.push(row.run_id);
    }
    return gone;
  }

  async prune(o: {
    readonly olderThanMs?: number;
    readonly keep?: number;
  }): Promise<{ runs: number; bytes: number }> {
    const rows = this.#db.do(
      'listing runs',
      () =>
        this.#db.stmt('SELECT run_id, status, started_at, finished_at FROM runs').all() as {
          run_id: string;
          status: StoredRunStatus;
          started_at: number;
          finished_at: number | null;
        }[],
    );
    const victims = pruneCandidates(
      rows.map((r) => ({
        runId: r.run_id,
        status: r.status,
        startedAt: r.started_at,
        ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
        pipeline: '',
        module: null,
        planId: '',
        input: null,
      })),
      o,
      Date.now(),
    );
    const before = this.#d.size();
    for (const v of victims) await this.delete(v.runId);
    if (o.olderThanMs !== undefined) this.#d.expireCache(Date.now() - o.olderThanMs);
    this.#d.collect();
    return { runs: victims.length, bytes: Math.max(0, before - this.#d.size()) };
  }

  async size(): Promise<number> {
    return this.#d.size();
  }
}

export type { RunRow };
