import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import Database from 'better-sqlite3';
import { WeftError, type RunEvent, type RunRecord, type RunSnapshot } from '@weft/core';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

/** What the CLI keeps about how a run was started, so that `weft resume` can start it again. */
export interface RunSource {
  /** Absolute path of the pipeline file (a .json declaration or a JS module). */
  readonly file: string;
  /** Export (JS module) chosen with `file#name`, if any. */
  readonly exportName: string | null;
  readonly outDir: string | null;
  readonly orchestrator: string;
  readonly offline: boolean;
  readonly cache: boolean;
}

/** One stored event row. */
export interface StoredEvent {
  readonly session: number;
  readonly seq: number;
  readonly type: string;
  readonly step: string | null;
  readonly time: number;
  readonly event: RunEvent;
}

const CORRUPT = new Set([
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT_INDEX',
  'SQLITE_CORRUPT_VTAB',
  'SQLITE_CORRUPT_SEQUENCE',
  'SQLITE_IOERR_SHORT_READ',
]);

/** Maps a SQLite failure to a coded error: a damaged file is STORE_CORRUPT, never a raw SqliteError. */
function storeError(e: unknown, file: string, what: string): WeftError {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (CORRUPT.has(code) || code.startsWith('SQLITE_CORRUPT'))) {
    return new WeftError(
      'STORE_CORRUPT',
      `the run store ${file} is damaged (${code}) while ${what}; move it aside (it is safe to delete .weft/weft.db to start afresh)`,
      { cause: e, data: { file, sqlite: code } },
    );
  }
  if (e instanceof WeftError) return e;
  if ((e instanceof Error && /serializ|clone/i.test(e.message)) || e instanceof TypeError) {
    return new WeftError('NOT_SERIALIZABLE', `cannot store a value while ${what}: ${e.message}`, {
      cause: e,
    });
  }
  return new WeftError(
    'STORE_CORRUPT',
    `the run store ${file} failed while ${what}: ${(e as Error).message}`,
    { cause: e, data: { file, ...(typeof code === 'string' ? { sqlite: code } : {}) } },
  );
}

/** Encodes a value for storage (structured clone: Buffers, Maps, Dates survive; functions are refused). */
export function encode(value: unknown): Buffer {
  try {
    return serialize(value);
  } catch (cause) {
    throw new WeftError('NOT_SERIALIZABLE', `value cannot be stored: ${(cause as Error).message}`, { cause });
  }
}

function decode(bytes: Buffer): unknown {
  return deserialize(bytes);
}

/**
 * The durable run store: one SQLite file (`.weft/weft.db`) holding runs, events, suspended
 * snapshots, checkpoints and step outputs (the idempotency memo). Every write is one transaction;
 * the database runs in WAL mode, so a process killed at any point leaves the last committed state.
 * @example
 * const store = SqliteRunStore.open('.weft/weft.db');
 * const engine = createEngine({ store });
 */
export class SqliteRunStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #stmts: ReturnType<SqliteRunStore['prepare']>;
  /** Step outputs waiting to be committed (write-behind: one transaction per batch). */
  readonly #pending = new Map<string, Buffer>();
  #flushScheduled = false;
  readonly #writeOutputs: Database.Transaction<(rows: readonly (readonly [string, Buffer])[]) => void>;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.#db = db;
    this.#stmts = this.prepare();
    const now = (): number => Date.now();
    this.#writeOutputs = db.transaction((rows: readonly (readonly [string, Buffer])[]) => {
      const t = now();
      for (const [key, blob] of rows) {
        this.#stmts.putOutput.run(key, blob, t);
        this.#stmts.deleteCheckpoint.run(key);
      }
    });
  }

  /** Opens (creating when missing) the store; a damaged or foreign file gives STORE_CORRUPT. */
  static open(file: string): SqliteRunStore {
    mkdirSync(dirname(file), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 10000');
      db.exec(SCHEMA_SQL);
      const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as
        { value: string } | undefined;
      if (!row) db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
      else if (row.value !== String(SCHEMA_VERSION)) {
        throw new WeftError(
          'STORE_CORRUPT',
          `the run store ${file} has schema ${row.value}; this Weft reads schema ${SCHEMA_VERSION}`,
          { data: { file, schema: row.value } },
        );
      }
      return new SqliteRunStore(file, db);
    } catch (e) {
      db?.close();
      throw storeError(e, file, 'opening it');
    }
  }

  private prepare() {
    const db = this.#db;
    return {
      putRun: db.prepare(
        `INSERT INTO runs (run_id, pipeline, status, started_at, finished_at, record, updated_at) VALUES (@runId, @pipeline, @status, @startedAt, @finishedAt, @record, @now)
         ON CONFLICT(run_id) DO UPDATE SET pipeline = excluded.pipeline, status = excluded.status, started_at = excluded.started_at, finished_at = excluded.finished_at, record = excluded.record, updated_at = excluded.updated_at`,
      ),
      getRun: db.prepare('SELECT record FROM runs WHERE run_id = ?'),
      listRuns: db.prepare('SELECT record FROM runs ORDER BY started_at DESC, run_id'),
      putSource: db.prepare('UPDATE runs SET source = ? WHERE run_id = ?'),
      insertSource: db.prepare(
        `INSERT INTO runs (run_id, pipeline, status, started_at, record, source, updated_at) VALUES (?, ?, 'running', ?, ?, ?, ?) ON CONFLICT(run_id) DO UPDATE SET source = excluded.source`,
      ),
      getSource: db.prepare('SELECT source FROM runs WHERE run_id = ?'),
      putSnapshot: db.prepare('INSERT OR REPLACE INTO snapshots (run_id, data, saved_at) VALUES (?, ?, ?)'),
      getSnapshot: db.prepare('SELECT data FROM snapshots WHERE run_id = ?'),
      deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE run_id = ?'),
      putEvent: db.prepare(
        'INSERT OR REPLACE INTO events (run_id, session, seq, type, step, time, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      events: db.prepare(
        'SELECT session, seq, type, step, time, body FROM events WHERE run_id = ? ORDER BY session, seq',
      ),
      lastSession: db.prepare('SELECT COALESCE(MAX(session), 0) AS s FROM sessions WHERE run_id = ?'),
      putSession: db.prepare(
        'INSERT OR REPLACE INTO sessions (run_id, session, pid, started_at, finished_at, status) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      sessions: db.prepare(
        'SELECT session, pid, started_at AS startedAt, finished_at AS finishedAt, status FROM sessions WHERE run_id = ? ORDER BY session',
      ),
      getOutput: db.prepare('SELECT value FROM outputs WHERE key = ?'),
      putOutput: db.prepare('INSERT OR REPLACE INTO outputs (key, value, saved_at) VALUES (?, ?, ?)'),
      getCheckpoint: db.prepare('SELECT value FROM checkpoints WHERE key = ?'),
      putCheckpoint: db.prepare('INSERT OR REPLACE INTO checkpoints (key, value, saved_at) VALUES (?, ?, ?)'),
      deleteCheckpoint: db.prepare('DELETE FROM checkpoints WHERE key = ?'),
      getAudit: db.prepare('SELECT count, hash FROM audit_heads WHERE run_id = ?'),
      putAudit: db.prepare('INSERT OR REPLACE INTO audit_heads (run_id, count, hash) VALUES (?, ?, ?)'),
      clearOutputs: db.prepare('DELETE FROM outputs'),
    };
  }

  #do<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storeError(e, this.file, what);
    }
  }

  #tx<T>(what: string, fn: () => T): T {
    return this.#do(what, () => this.#db.transaction(fn).immediate());
  }

  async put(record: RunRecord): Promise<void> {
    const blob = encode(record);
    this.#tx('saving a run', () =>
      this.#stmts.putRun.run({
        runId: record.runId,
        pipeline: record.pipeline,
        status: record.status,
        startedAt: record.startedAt,
        finishedAt: record.finishedAt ?? null,
        record: blob,
        now: Date.now(),
      }),
    );
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    return this.getSync(runId);
  }

  /** Synchronous `get`. */
  getSync(runId: string): RunRecord | undefined {
    const row = this.#do(
      'reading a run',
      () => this.#stmts.getRun.get(runId) as { record: Buffer | null } | undefined,
    );
    return row?.record ? (this.#do('decoding a run', () => decode(row.record!)) as RunRecord) : undefined;
  }

  async list(): Promise<RunRecord[]> {
    const rows = this.#do('listing runs', () => this.#stmts.listRuns.all() as { record: Buffer | null }[]);
    return rows
      .filter((r) => r.record)
      .map((r) => this.#do('decoding a run', () => decode(r.record!)) as RunRecord);
  }

  async saveSnapshot(runId: string, snapshot: RunSnapshot): Promise<void> {
    const blob = encode(snapshot);
    this.#tx('saving a snapshot', () => this.#stmts.putSnapshot.run(runId, blob, Date.now()));
  }

  async loadSnapshot(runId: string): Promise<RunSnapshot | undefined> {
    const row = this.#do(
      'reading a snapshot',
      () => this.#stmts.getSnapshot.get(runId) as { data: Buffer } | undefined,
    );
    return row ? (this.#do('decoding a snapshot', () => decode(row.data)) as RunSnapshot) : undefined;
  }

  async deleteSnapshot(runId: string): Promise<void> {
    this.#tx('deleting a snapshot', () => this.#stmts.deleteSnapshot.run(runId));
  }

  /** Records how a run was started (creating its row when needed). */
  saveSource(runId: string, pipeline: string, source: RunSource, input: unknown): void {
    const record: RunRecord = {
      runId,
      pipeline,
      module: null,
      planId: '',
      status: 'running',
      startedAt: Date.now(),
      input,
    };
    const blob = encode(record);
    this.#tx('saving a run source', () =>
      this.#stmts.insertSource.run(
        runId,
        pipeline,
        record.startedAt,
        blob,
        JSON.stringify(source),
        Date.now(),
      ),
    );
  }

  source(runId: string): RunSource | undefined {
    const row = this.#do(
      'reading a run source',
      () => this.#stmts.getSource.get(runId) as { source: string | null } | undefined,
    );
    return row?.source ? (JSON.parse(row.source) as RunSource) : undefined;
  }

  /** Opens a new session (one `run` or `resume` invocation) of a run; returns its number. */
  openSession(runId: string): number {
    return this.#tx('opening a session', () => {
      const { s } = this.#stmts.lastSession.get(runId) as { s: number };
      this.#stmts.putSession.run(runId, s + 1, process.pid, Date.now(), null, 'running');
      return s + 1;
    });
  }

  closeSession(runId: string, session: number, status: string): void {
    this.#tx('closing a session', () => {
      const rows = this.#stmts.sessions.all(runId) as { session: number; pid: number; startedAt: number }[];
      const row = rows.find((r) => r.session === session);
      this.#stmts.putSession.run(
        runId,
        session,
        row?.pid ?? process.pid,
        row?.startedAt ?? Date.now(),
        Date.now(),
        status,
      );
    });
  }

  sessions(
    runId: string,
  ): { session: number; pid: number; startedAt: number; finishedAt: number | null; status: string }[] {
    return this.#do('reading sessions', () => this.#stmts.sessions.all(runId) as never);
  }

  /** Appends events of one session in one transaction. */
  appendEvents(runId: string, session: number, events: readonly RunEvent[]): void {
    if (events.length === 0) return;
    const rows = events.map(
      (e) => [runId, session, e.seq, e.type, 'step' in e ? e.step : null, e.time, safeJson(e)] as const,
    );
    this.#tx('saving events', () => {
      for (const r of rows) this.#stmts.putEvent.run(...r);
    });
  }

  events(runId: string): StoredEvent[] {
    const rows = this.#do(
      'reading events',
      () =>
        this.#stmts.events.all(runId) as {
          session: number;
          seq: number;
          type: string;
          step: string | null;
          time: number;
          body: string;
        }[],
    );
    return rows.map((r) => ({
      session: r.session,
      seq: r.seq,
      type: r.type,
      step: r.step,
      time: r.time,
      event: JSON.parse(r.body) as RunEvent,
    }));
  }

  /** The stored output of a completed invocation key (including outputs not yet committed). */
  output(key: string): { value: unknown } | undefined {
    const pending = this.#pending.get(key);
    if (pending) return { value: decode(pending) };
    const row = this.#do(
      'reading a step output',
      () => this.#stmts.getOutput.get(key) as { value: Buffer } | undefined,
    );
    return row ? { value: this.#do('decoding a step output', () => decode(row.value)) } : undefined;
  }

  /**
   * Stores a completed invocation's output and drops its checkpoint, in one transaction. Outputs are
   * committed in batches (at 512, at the end of the current event-loop turn, and on flush/close): a
   * crash loses at most the last batch, whose invocations simply run again. The value is encoded at
   * once, so NOT_SERIALIZABLE is thrown here.
   */
  putOutput(key: string, value: unknown): void {
    this.#pending.set(key, encode(value));
    if (this.#pending.size >= 512) this.flushOutputs();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        if (this.#db.open) this.flushOutputs();
      });
    }
  }

  /** Commits the outputs waiting in memory. */
  flushOutputs(): void {
    if (this.#pending.size === 0) return;
    const rows = [...this.#pending];
    this.#pending.clear();
    this.#do('saving step outputs', () => this.#writeOutputs.immediate(rows));
  }

  checkpoint(key: string): { value: unknown } | undefined {
    if (this.#pending.has(key)) return undefined;
    const row = this.#do(
      'reading a checkpoint',
      () => this.#stmts.getCheckpoint.get(key) as { value: Buffer } | undefined,
    );
    return row ? { value: this.#do('decoding a checkpoint', () => decode(row.value)) } : undefined;
  }

  putCheckpoint(key: string, value: unknown): void {
    if (this.#pending.has(key)) return;
    const blob = encode(value);
    this.#tx('saving a checkpoint', () => this.#stmts.putCheckpoint.run(key, blob, Date.now()));
  }

  /** Forgets every stored step output (`weft run --no-cache` does not need this; `weft cache clear` does). */
  clearOutputs(): number {
    return this.#tx('clearing outputs', () => this.#stmts.clearOutputs.run().changes);
  }

  auditHead(runId: string): { count: number; hash: string } | undefined {
    return this.#do(
      'reading the audit head',
      () => this.#stmts.getAudit.get(runId) as { count: number; hash: string } | undefined,
    );
  }

  putAuditHead(runId: string, count: number, hash: string): void {
    this.#tx('saving the audit head', () => this.#stmts.putAudit.run(runId, count, hash));
  }

  close(): void {
    if (!this.#db.open) return;
    this.flushOutputs();
    this.#db.close();
  }
}

function safeJson(e: RunEvent): string {
  try {
    return JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '{}';
  } catch {
    return JSON.stringify({
      runId: e.runId,
      seq: e.seq,
      time: e.time,
      path: e.path,
      type: e.type,
      unserializable: true,
    });
  }
}
