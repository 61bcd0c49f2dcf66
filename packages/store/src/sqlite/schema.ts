/** The schema version this release writes; older ones are migrated on open, newer ones refused. */
export const SCHEMA_VERSION = 2;

/**
 * Memo entries as they are committed (with their event batch), in commit order and without an
 * index: appending costs a few bytes of WAL per entry, where an insert into `memo`'s random-keyed
 * index dirties a page each. They are moved into `memo` in key order, many at a time (see
 * SqliteMemo). Added to schema 2 stores when they are opened (an older release ignores it: its
 * entries are then cache misses, never wrong values).
 */
export const MEMO_LOG_SQL = `CREATE TABLE IF NOT EXISTS memo_log (
  key TEXT NOT NULL, hash TEXT NOT NULL, files TEXT, run_id TEXT, saved_at INTEGER NOT NULL, data BLOB
);`;

/** Tables of `weft.db` (schema 2). Values above the file threshold live in `values/` by hash. */
export const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, status TEXT NOT NULL, tenant TEXT,
  started_at INTEGER NOT NULL, finished_at INTEGER, sessions INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0, record TEXT NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX runs_started ON runs (started_at DESC, run_id);
CREATE INDEX runs_status ON runs (status, started_at DESC, run_id);
CREATE INDEX runs_pipeline ON runs (pipeline, started_at DESC, run_id);
CREATE INDEX runs_tenant ON runs (tenant, started_at DESC, run_id);
CREATE TABLE run_tags (tag TEXT NOT NULL, run_id TEXT NOT NULL, PRIMARY KEY (tag, run_id)) WITHOUT ROWID;
CREATE TABLE run_refs (hash TEXT NOT NULL, run_id TEXT NOT NULL, PRIMARY KEY (hash, run_id)) WITHOUT ROWID;
CREATE INDEX run_refs_run ON run_refs (run_id);
CREATE TABLE sessions (
  run_id TEXT NOT NULL, session INTEGER NOT NULL, kind TEXT NOT NULL, owner TEXT NOT NULL,
  started_at INTEGER NOT NULL, finished_at INTEGER, status TEXT NOT NULL, first_seq INTEGER NOT NULL,
  last_seq INTEGER, PRIMARY KEY (run_id, session)
) WITHOUT ROWID;
CREATE TABLE events (
  run_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (run_id, first_seq)
);
CREATE INDEX events_last ON events (run_id, last_seq);
CREATE TABLE event_heads (run_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE event_refs (hash TEXT NOT NULL, run_id TEXT NOT NULL, PRIMARY KEY (hash, run_id)) WITHOUT ROWID;
CREATE INDEX event_refs_run ON event_refs (run_id);
CREATE TABLE vals (hash TEXT PRIMARY KEY, bytes INTEGER NOT NULL, data BLOB, in_file INTEGER NOT NULL, saved_at INTEGER NOT NULL);
CREATE TABLE snapshots (run_id TEXT PRIMARY KEY, data BLOB NOT NULL, saved_at INTEGER NOT NULL);
CREATE TABLE memo (
  key TEXT PRIMARY KEY, hash TEXT NOT NULL, files TEXT, run_id TEXT, saved_at INTEGER NOT NULL, data BLOB
);
CREATE INDEX memo_run ON memo (run_id) WHERE run_id IS NOT NULL;
${MEMO_LOG_SQL}
CREATE TABLE checkpoints (key TEXT PRIMARY KEY, value BLOB NOT NULL, run_id TEXT, saved_at INTEGER NOT NULL);
CREATE INDEX checkpoints_run ON checkpoints (run_id) WHERE run_id IS NOT NULL;
CREATE TABLE audit_heads (
  run_id TEXT PRIMARY KEY, count INTEGER NOT NULL, hash TEXT NOT NULL, pending_count INTEGER,
  pending_hash TEXT, repaired TEXT
);
`;
