/** Version of the run store's tables; a store written by another version is refused (STORE_CORRUPT). */
export const SCHEMA_VERSION = 1;

/** Tables of `.weft/weft.db`. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, status TEXT NOT NULL, started_at INTEGER NOT NULL,
  finished_at INTEGER, record BLOB, source TEXT, updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  run_id TEXT NOT NULL, session INTEGER NOT NULL, pid INTEGER NOT NULL, started_at INTEGER NOT NULL,
  finished_at INTEGER, status TEXT NOT NULL, PRIMARY KEY (run_id, session)
);
CREATE TABLE IF NOT EXISTS events (
  run_id TEXT NOT NULL, session INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, step TEXT,
  time REAL NOT NULL, body TEXT NOT NULL, PRIMARY KEY (run_id, session, seq)
);
CREATE TABLE IF NOT EXISTS snapshots (run_id TEXT PRIMARY KEY, data BLOB NOT NULL, saved_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, value BLOB NOT NULL, saved_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (key TEXT PRIMARY KEY, value BLOB NOT NULL, saved_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_heads (run_id TEXT PRIMARY KEY, count INTEGER NOT NULL, hash TEXT NOT NULL);
`;
