import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WeftError } from '@weft/core';
import type { Owner, Store } from '@weft/core/store';
import { isOwnerAlive, processOwner } from '../owner/process-owner.js';
import { ChainedAudit } from '../shared/chained-audit.js';
import { EventEncoder, INLINE_LIMIT } from '../shared/event-codec.js';
import type { Alive } from '../shared/lock-table.js';
import type { WarningSink } from '../shared/store-warning.js';
import { Values } from '../shared/values.js';
import { FileLocks } from './file-locks.js';
import { DB_FILE, openDb } from './open-db.js';
import { FsAuditFiles, SqliteAuditAnchors } from './sqlite-audit.js';
import { SqliteEvents } from './sqlite-events.js';
import { SqliteMemo } from './sqlite-memo.js';
import { SqliteRuns } from './sqlite-runs.js';
import { SqliteValueBackend } from './sqlite-values.js';
import { SqliteWriter } from './sqlite-writer.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Who writes (default: this process, `host:pid:startTime`). */
  readonly owner?: Owner;
  /** Create the store when the directory has none (default true). */
  readonly create?: boolean;
  /**
   * A size cap in bytes (database and value files): a write beyond it is STORE_FULL, as a full disk
   * would be. Default none. `WEFT_STORE_MAX_BYTES` sets it for the CLI.
   */
  readonly maxBytes?: number;
  /** Values inside events and records above this many bytes are stored by hash (default 64 KiB). */
  readonly inlineLimit?: number;
  /** Values at or above this many bytes are files under `values/` instead of rows (default 1 MiB). */
  readonly fileBytes?: number;
  /** How often a tail reads the log for appends made by other processes (default 250 ms). */
  readonly pollMs?: number;
  /** Told of what the store dealt with: an edited stored value (recomputed), a repaired audit log, a migration. */
  readonly onWarning?: WarningSink;
  /** Whether an owner still holds its claims (default: pid + process start time + lease). */
  readonly alive?: Alive;
}

/**
 * Opens (creating when missing) the durable store in `dir` (the CLI's `.weft/`): `weft.db`
 * (SQLite, WAL), large values under `values/`, audit logs under `runs/<id>/audit.jsonl`, locks
 * under `locks/`; the directory 0700, its files 0600. A store of the first release is migrated; a
 * zero-length or foreign `weft.db` is STORE_CORRUPT, never replaced by a fresh store.
 * @example
 * const store = await openStore('.weft');
 * await store.runs.reconcile(isOwnerAlive);
 * const engine = createEngine({ store, memo: stepMemo(store) });
 */
export async function openStore(dir: string, o: OpenStoreOptions = {}): Promise<Store> {
  const warn: WarningSink = o.onWarning ?? (() => {});
  const maxBytes = o.maxBytes;
  if (maxBytes !== undefined && !(maxBytes > 0))
    throw new WeftError(
      'OPTION_INVALID',
      `maxBytes must be a positive number of bytes, got ${String(maxBytes)}`,
    );
  const db = openDb(dir, {
    ...(o.create !== undefined ? { create: o.create } : {}),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    onMigrate: (from) =>
      warn({
        code: 'STORE_MIGRATED',
        message: `the store ${join(dir, DB_FILE)} was written by an older release (schema ${from}) and has been migrated`,
        data: { from },
      }),
  });
  const dbBytes = (): number => {
    const page = db.raw.pragma('page_size', { simple: true }) as number;
    const pages = db.raw.pragma('page_count', { simple: true }) as number;
    const free = db.raw.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * page;
  };
  const reserve = (bytes: number): void => {
    if (maxBytes !== undefined && dbBytes() + backend.fileBytes() + bytes > maxBytes)
      throw new WeftError(
        'STORE_FULL',
        `the store ${dir} would exceed its size cap (${maxBytes} bytes): free space (weft runs prune), then resume the run`,
        {
          data: { dir, maxBytes },
        },
      );
  };
  const backend: SqliteValueBackend = new SqliteValueBackend(db, dir, o.fileBytes ?? 1 << 20, reserve);
  const values = new Values(backend, warn);
  const writer = new SqliteWriter(db, backend);
  const encoder = new EventEncoder((v) => values.put(v), o.inlineLimit ?? INLINE_LIMIT);
  const files = new FsAuditFiles(dir);
  const audit = new ChainedAudit(files, new SqliteAuditAnchors(db), (b) => encoder.body(b));
  const alive = o.alive ?? ((owner: Owner) => isOwnerAlive(owner));
  const size = (): number =>
    db.do('measuring the store', () => dbBytes() + backend.fileBytes() + auditBytes(dir));
  const memo = new SqliteMemo(db, values, writer);
  const runs = new SqliteRuns({
    db,
    values,
    writer,
    forgetAudit: (runId) => audit.remove(runId),
    expireCache: (before) => memo.expire(before),
    collect: () => {
      const freed = backend.collect();
      db.do('reclaiming space', () => db.raw.pragma('incremental_vacuum'));
      return freed;
    },
    size,
  });
  let closed = false;
  return {
    runs,
    events: new SqliteEvents(db, writer, encoder, o.pollMs ?? 250),
    memo,
    locks: new FileLocks(dir, alive),
    audit,
    values,
    owner: o.owner ?? processOwner(),
    durable: true,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        // Commits what is buffered, and moves the memo's logged entries into its keyed table.
        memo.merge();
      } finally {
        db.raw.close();
      }
    },
  };
}

/** Bytes of the audit logs under `runs/`. */
function auditBytes(dir: string): number {
  let n = 0;
  let ids: string[];
  try {
    ids = readdirSync(join(dir, 'runs'));
  } catch {
    return 0;
  }
  for (const id of ids) {
    try {
      n += statSync(join(dir, 'runs', id, 'audit.jsonl')).size;
    } catch {
      // none
    }
  }
  return n;
}
