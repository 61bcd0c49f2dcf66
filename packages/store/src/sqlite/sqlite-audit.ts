import {
  appendFileSync,
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  truncateSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuditAnchor } from '../shared/audit-chain.js';
import type { AuditAnchors, AuditFiles } from '../shared/chained-audit.js';
import { privateDir } from '../shared/private-fs.js';
import { storeError } from '../shared/store-errors.js';
import type { Db } from './db.js';

/** The audit log of a run in a store directory (the first release's layout). */
export function auditPath(dir: string, runId: string): string {
  return join(dir, 'runs', runId, 'audit.jsonl');
}

/** Audit logs as JSON-lines files, `runs/<id>/audit.jsonl`, 0600 in 0700 directories. */
export class FsAuditFiles implements AuditFiles {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  path(runId: string): string {
    return auditPath(this.#dir, runId);
  }

  read(runId: string): string {
    try {
      return readFileSync(this.path(runId), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw storeError(e, this.path(runId), 'reading an audit log');
    }
  }

  append(runId: string, text: string): void {
    const file = this.path(runId);
    try {
      privateDir(dirname(file));
      appendFileSync(file, text, { mode: 0o600 });
    } catch (e) {
      throw storeError(e, file, 'appending to an audit log');
    }
  }

  endsClean(runId: string): boolean {
    let fd: number;
    try {
      fd = openSync(this.path(runId), 'r');
    } catch {
      return true;
    }
    try {
      const size = fstatSync(fd).size;
      if (size === 0) return true;
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, size - 1);
      return b[0] === 0x0a;
    } finally {
      closeSync(fd);
    }
  }

  truncate(runId: string, length: number): void {
    const file = this.path(runId);
    try {
      truncateSync(file, Buffer.byteLength(this.read(runId).slice(0, length), 'utf8'));
    } catch (e) {
      throw storeError(e, file, 'repairing an audit log');
    }
  }

  remove(runId: string): void {
    rmSync(dirname(this.path(runId)), { recursive: true, force: true });
  }
}

interface HeadRow {
  count: number;
  hash: string;
  pending_count: number | null;
  pending_hash: string | null;
  repaired: string | null;
}

/** Audit heads anchored in the database (`audit_heads`). */
export class SqliteAuditAnchors implements AuditAnchors {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get(runId: string): AuditAnchor | undefined {
    const r = this.#db.do(
      'reading an audit head',
      () => this.#db.stmt('SELECT * FROM audit_heads WHERE run_id = ?').get(runId) as HeadRow | undefined,
    );
    if (!r) return undefined;
    return {
      count: r.count,
      hash: r.hash,
      ...(r.pending_count !== null && r.pending_hash !== null
        ? { pending: { count: r.pending_count, hash: r.pending_hash } }
        : {}),
      ...(r.repaired !== null ? { repaired: r.repaired } : {}),
    };
  }

  set(runId: string, a: AuditAnchor): void {
    this.#db.do('anchoring an audit head', () =>
      this.#db
        .stmt(
          'INSERT OR REPLACE INTO audit_heads (run_id, count, hash, pending_count, pending_hash, repaired) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(runId, a.count, a.hash, a.pending?.count ?? null, a.pending?.hash ?? null, a.repaired ?? null),
    );
  }

  remove(runId: string): void {
    this.#db.do('forgetting an audit head', () =>
      this.#db.stmt('DELETE FROM audit_heads WHERE run_id = ?').run(runId),
    );
  }
}
