import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '@weft/core/store';
import { openStore, type OpenStoreOptions } from '../sqlite/sqlite-store.js';
import { auditPath } from '../sqlite/sqlite-audit.js';
import { encodeValue, joinEncoded } from '../shared/value-codec.js';
import { writePrivateAtomic } from '../shared/private-fs.js';
import type { StoreHarness } from './harness.js';

/** The contract harness of {@link openStore}: each store in a fresh temporary directory. */
export function sqliteHarness(options: OpenStoreOptions = {}): StoreHarness {
  const dirs: string[] = [];
  const dirOf = new WeakMap<Store, string>();
  const open = async (dir: string, o: Pick<OpenStoreOptions, 'onWarning'> = {}): Promise<Store> => {
    const s = await openStore(dir, { pollMs: 20, ...options, ...o });
    dirOf.set(s, dir);
    return s;
  };
  const dir = (s: Store): string => {
    const d = dirOf.get(s);
    if (!d) throw new Error('not a store of this harness');
    return d;
  };
  return {
    open: async (o) => {
      const d = mkdtempSync(join(tmpdir(), 'weft-store-'));
      dirs.push(d);
      return open(join(d, '.weft'), o);
    },
    reopen: async (s, o) => {
      await s.close();
      return open(dir(s), o);
    },
    editValue: (s, hash, replacement) => {
      const bytes = joinEncoded(encodeValue(replacement));
      const db = new Database(join(dir(s), 'weft.db'));
      try {
        db.pragma('busy_timeout = 5000');
        const row = db.prepare('SELECT in_file FROM vals WHERE hash = ?').get(hash) as
          { in_file: number } | undefined;
        if (row?.in_file) {
          const hex = hash.slice(7);
          writePrivateAtomic(join(dir(s), 'values', hex.slice(0, 2), hex.slice(2)), [bytes]);
        } else db.prepare('UPDATE vals SET data = ? WHERE hash = ?').run(bytes, hash);
        // Small values are also kept in memo rows.
        db.prepare('UPDATE memo SET data = ? WHERE hash = ? AND data IS NOT NULL').run(bytes, hash);
        db.prepare('UPDATE memo_log SET data = ? WHERE hash = ? AND data IS NOT NULL').run(bytes, hash);
      } finally {
        db.close();
      }
    },
    auditText: (s, runId) => {
      try {
        return readFileSync(auditPath(dir(s), runId), 'utf8');
      } catch {
        return '';
      }
    },
    setAuditText: (s, runId, text) => writeFileSync(auditPath(dir(s), runId), text),
    cleanup: async () => {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
