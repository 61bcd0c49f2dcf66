import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WeftError } from '@weft/core';
import type { Lock, Locks, Owner } from '@weft/core/store';
import { pidAlive, processStartTime } from '../owner/process-owner.js';
import { heldError, type Alive } from '../shared/lock-table.js';
import { privateDir } from '../shared/private-fs.js';
import { storeError } from '../shared/store-errors.js';

/** What a lock file holds. */
interface LockFile {
  readonly owner: Owner;
  readonly purpose: string;
  /** When it was taken (ms since the epoch). */
  readonly since: number;
}

/** A lock file of the first release: pid and host only. */
interface LegacyLockFile {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: number;
  readonly purpose: string;
}

type Read = LockFile | 'missing' | 'unreadable';

function readLock(path: string): Read {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const v = JSON.parse(text) as Partial<LockFile & LegacyLockFile>;
    if (v.owner && typeof v.owner.pid === 'number' && typeof v.since === 'number') return v as LockFile;
    if (typeof v.pid === 'number' && typeof v.hostname === 'string' && typeof v.startedAt === 'number')
      return {
        owner: { id: `${v.hostname}:${v.pid}:legacy`, host: v.hostname, pid: v.pid, processStart: 0 },
        purpose: v.purpose ?? 'a run',
        since: v.startedAt,
      };
  } catch {
    // unreadable
  }
  return 'unreadable';
}

/** A first-release lock knows no start time: its process must have started before it took the lock. */
function legacyAlive(l: LockFile, alive: Alive): boolean {
  if (l.owner.processStart !== 0) return alive(l.owner);
  if (!alive(l.owner) || !pidAlive(l.owner.pid)) return false;
  const start = processStartTime(l.owner.pid);
  return start === 0 || start <= l.since + 1500;
}

let seq = 0;

/** Creates `path` holding `info` atomically and only if it does not exist (link of a complete temp file). */
function tryCreate(path: string, info: LockFile): boolean {
  const tmp = `${path}.${process.pid}.${++seq}.tmp`;
  writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Locks as files: `run:<id>` is `<dir>/locks/run-<id>.lock` (the first release's path), `out:<dir>`
 * is `<dir>/.weft.lock` inside the output directory, anything else `<dir>/locks/<name>.lock`.
 * Taking one never waits; a lock whose owner is gone (dead pid, a pid now used by a process started
 * later, an expired lease) is taken over, guarded so that two processes taking it over cannot both
 * win.
 */
export class FileLocks implements Locks {
  readonly #dir: string;
  readonly #alive: Alive;

  constructor(dir: string, alive: Alive) {
    this.#dir = dir;
    this.#alive = alive;
  }

  /** The file of a lock name. */
  path(name: string): string {
    if (name.startsWith('out:')) return join(name.slice(4), '.weft.lock');
    const safe = name.replace(/^run:/, 'run-').replace(/[^A-Za-z0-9._-]/g, '_');
    return join(this.#dir, 'locks', `${safe}.lock`);
  }

  acquire(name: string, owner: Owner, purpose: string): Lock {
    const path = this.path(name);
    const info: LockFile = { owner, purpose, since: Date.now() };
    try {
      privateDir(dirname(path));
      for (let attempt = 0; attempt < 8; attempt++) {
        if (tryCreate(path, info)) return this.#lock(name, path, info);
        const held = readLock(path);
        if (held === 'missing') continue;
        if (held !== 'unreadable' && legacyAlive(held, this.#alive))
          throw heldError(purpose, name, held.owner, held.since);
        this.#takeOver(path, held);
      }
    } catch (e) {
      if (e instanceof WeftError) throw e;
      throw storeError(e, path, `taking the lock of ${purpose}`);
    }
    throw new WeftError(
      'LOCK_HELD',
      `${purpose}: could not take the lock ${path} (it keeps changing hands)`,
      {
        data: { name, path },
      },
    );
  }

  #lock(name: string, path: string, info: LockFile): Lock {
    let held = true;
    return {
      name,
      holder: info.owner,
      release: () => {
        if (!held) return;
        held = false;
        const now = readLock(path);
        if (
          now !== 'missing' &&
          now !== 'unreadable' &&
          now.owner.id === info.owner.id &&
          now.since === info.since
        )
          rmSync(path, { force: true });
      },
    };
  }

  /** Removes a stale lock, guarded so that two processes taking it over cannot remove a fresh one. */
  #takeOver(path: string, stale: Read): void {
    const guard = `${path}.takeover`;
    const me: LockFile = {
      owner: { id: `takeover:${process.pid}`, host: '', pid: process.pid, processStart: 0 },
      purpose: 'takeover',
      since: Date.now(),
    };
    if (!tryCreate(guard, me)) {
      const g = readLock(guard);
      if (g === 'missing') return;
      if (g !== 'unreadable' && pidAlive(g.owner.pid) && Date.now() - g.since < 10_000) return;
      rmSync(guard, { force: true });
      return;
    }
    try {
      const now = readLock(path);
      const same =
        now === 'unreadable'
          ? stale === 'unreadable'
          : now !== 'missing' &&
            stale !== 'unreadable' &&
            stale !== 'missing' &&
            now.owner.id === stale.owner.id &&
            now.since === stale.since;
      if (same) rmSync(path, { force: true });
    } finally {
      rmSync(guard, { force: true });
    }
  }
}
