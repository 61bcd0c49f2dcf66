import { hostname } from 'node:os';
import { deserialize } from 'node:v8';
import type { RunRecord } from '@weft/core/store';
import { encodeRecord } from '../shared/record-codec.js';
import { joinEncoded, type Encoded } from '../shared/value-codec.js';
import { Values, type ValueBackend } from '../shared/values.js';
import type { Db } from './db.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

const V8 = Buffer.of(0x56);
const LEGACY = ['runs', 'sessions', 'events', 'snapshots', 'outputs', 'checkpoints', 'audit_heads', 'meta'];

/**
 * Migrates a store of the first release (schema 1, `@weft/cli` before `@weft/store`) in one
 * transaction: records and their sources, sessions (with owners from their pids), events
 * renumbered per run across sessions (they restarted at 1 in each), snapshots, the cache (step
 * outputs become memo entries over values stored once by hash: the keys do not change, so cached
 * steps stay cached), checkpoints and audit heads. Runs left `running` by a crash are reconciled
 * to `interrupted` on open, like any run whose owner is gone.
 */
export function migrateV1(db: Db, _dir: string): void {
  const raw = db.raw;
  raw
    .transaction(() => {
      for (const t of LEGACY) raw.exec(`ALTER TABLE ${t} RENAME TO v1_${t}`);
      raw.exec(SCHEMA_SQL);
      const now = Date.now();
      const vals = raw.prepare(
        'INSERT OR IGNORE INTO vals (hash, bytes, data, in_file, saved_at) VALUES (?, ?, ?, 0, ?)',
      );
      const backend: ValueBackend = {
        has: (h) => raw.prepare('SELECT 1 FROM vals WHERE hash = ?').get(h) !== undefined,
        write: (e: Encoded) => void vals.run(e.hash, e.bytes, joinEncoded(e), now),
        read: (h) =>
          (raw.prepare('SELECT data FROM vals WHERE hash = ?').get(h) as { data: Buffer } | undefined)?.data,
        remove: () => {},
      };
      const values = new Values(backend);
      const host = hostname();

      // Events: renumbered per run in (session, seq) order.
      const heads = new Map<string, number>();
      const bounds = new Map<string, { first: number; last: number }>();
      const insEvent = raw.prepare(
        'INSERT INTO events (run_id, first_seq, last_seq, body) VALUES (?, ?, ?, ?)',
      );
      for (const e of raw
        .prepare('SELECT run_id, session, body FROM v1_events ORDER BY run_id, session, seq')
        .all() as Array<{
        run_id: string;
        session: number;
        body: string;
      }>) {
        const n = (heads.get(e.run_id) ?? 0) + 1;
        heads.set(e.run_id, n);
        const b = bounds.get(`${e.run_id}\n${e.session}`);
        if (b) b.last = n;
        else bounds.set(`${e.run_id}\n${e.session}`, { first: n, last: n });
        let body = e.body;
        try {
          body = JSON.stringify({ ...(JSON.parse(e.body) as object), seq: n });
        } catch {
          // kept as it was
        }
        insEvent.run(e.run_id, n, n, body);
      }
      const insHead = raw.prepare('INSERT INTO event_heads (run_id, last_seq) VALUES (?, ?)');
      for (const [runId, n] of heads) insHead.run(runId, n);

      // Sessions, with the event numbers each one wrote.
      const sessions = raw.prepare('SELECT * FROM v1_sessions ORDER BY run_id, session').all() as {
        run_id: string;
        session: number;
        pid: number;
        started_at: number;
        finished_at: number | null;
        status: string;
      }[];
      const insSession = raw.prepare(
        'INSERT INTO sessions (run_id, session, kind, owner, started_at, finished_at, status, first_seq, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const counts = new Map<string, number>();
      let prev: { run_id: string; status: string } | undefined;
      let next = 1;
      for (const s of sessions) {
        if (prev?.run_id !== s.run_id) next = 1;
        const kind = s.session === 1 ? 'start' : prev?.status === 'suspended' ? 'resume' : 'recover';
        const b = bounds.get(`${s.run_id}\n${s.session}`);
        const owner = { id: `${host}:${s.pid}:legacy`, host, pid: s.pid, processStart: 0 };
        insSession.run(
          s.run_id,
          s.session,
          kind,
          JSON.stringify(owner),
          s.started_at,
          s.finished_at,
          s.status,
          b?.first ?? next,
          b?.last ?? null,
        );
        if (b) next = b.last + 1;
        counts.set(s.run_id, s.session);
        prev = s;
      }

      // Records, their sources folded in.
      const insRun = raw.prepare(
        'INSERT INTO runs (run_id, pipeline, status, tenant, started_at, finished_at, sessions, last_seq, record, updated_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)',
      );
      const insRef = raw.prepare('INSERT OR IGNORE INTO run_refs (hash, run_id) VALUES (?, ?)');
      for (const r of raw.prepare('SELECT * FROM v1_runs').all() as Array<{
        run_id: string;
        pipeline: string;
        status: string;
        started_at: number;
        finished_at: number | null;
        record: Buffer | null;
        source: string | null;
        updated_at: number;
      }>) {
        const old = r.record ? (deserialize(r.record) as RunRecord) : undefined;
        const record: RunRecord = {
          runId: r.run_id,
          pipeline: r.pipeline,
          module: old?.module ?? null,
          planId: old?.planId ?? '',
          input: old?.input ?? null,
          ...(old ?? {}),
          status: (old?.status ?? r.status) as RunRecord['status'],
          startedAt: old?.startedAt ?? r.started_at,
          ...(r.source ? { source: JSON.parse(r.source) as unknown } : {}),
        };
        const { json, refs } = encodeRecord(record, values);
        insRun.run(
          r.run_id,
          record.pipeline,
          record.status,
          record.startedAt,
          record.finishedAt ?? null,
          counts.get(r.run_id) ?? 0,
          heads.get(r.run_id) ?? 0,
          json,
          r.updated_at,
        );
        for (const h of refs) insRef.run(h, r.run_id);
      }

      // The cache: each output becomes a memo entry over a value stored once.
      const insMemo = raw.prepare(
        'INSERT INTO memo (key, hash, files, run_id, saved_at) VALUES (?, ?, NULL, NULL, ?)',
      );
      for (const o of raw.prepare('SELECT key, value, saved_at FROM v1_outputs').all() as Array<{
        key: string;
        value: Buffer;
        saved_at: number;
      }>) {
        insMemo.run(o.key, values.put(deserialize(o.value)).$weftValue, o.saved_at);
      }
      const insSnap = raw.prepare('INSERT INTO snapshots (run_id, data, saved_at) VALUES (?, ?, ?)');
      for (const s of raw.prepare('SELECT * FROM v1_snapshots').all() as Array<{
        run_id: string;
        data: Buffer;
        saved_at: number;
      }>)
        insSnap.run(s.run_id, Buffer.concat([V8, s.data]), s.saved_at);
      const insCp = raw.prepare(
        'INSERT INTO checkpoints (key, value, run_id, saved_at) VALUES (?, ?, NULL, ?)',
      );
      for (const c of raw.prepare('SELECT * FROM v1_checkpoints').all() as Array<{
        key: string;
        value: Buffer;
        saved_at: number;
      }>)
        insCp.run(c.key, Buffer.concat([V8, c.value]), c.saved_at);
      raw.exec(
        'INSERT INTO audit_heads (run_id, count, hash) SELECT run_id, count, hash FROM v1_audit_heads',
      );
      const meta = raw.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      meta.run('app', 'weft');
      meta.run('schema', String(SCHEMA_VERSION));
      meta.run('migrated', JSON.stringify({ from: 1, at: new Date(now).toISOString() }));
      for (const t of LEGACY) raw.exec(`DROP TABLE v1_${t}`);
    })
    .immediate();
}
