import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { WeftError } from '@weft/core';

/** What a lock file holds. */
export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: number;
  readonly purpose: string;
}

/** True when a process with this pid exists on this host (EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const v = JSON.parse(text) as LockInfo;
    return typeof v.pid === 'number' && typeof v.hostname === 'string' ? v : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

let seq = 0;

/** Creates `path` holding `info`, atomically and only if it does not exist (link of a complete temp file). */
function tryCreate(path: string, info: LockInfo): boolean {
  const tmp = `${path}.${process.pid}.${++seq}.tmp`;
  writeFileSync(tmp, JSON.stringify(info));
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
 * An exclusive lock file (pid, hostname, start time). Taking it never waits: a lock held by a
 * live process gives LOCK_HELD at once; a lock left by a dead process on this host is taken over.
 * @example
 * const lock = FileLock.acquire('.weft/locks/run-42.lock', 'run 42');
 * try { ... } finally { lock.release(); }
 */
export class FileLock {
  readonly path: string;
  readonly info: LockInfo;
  #held = true;

  private constructor(path: string, info: LockInfo) {
    this.path = path;
    this.info = info;
  }

  static acquire(path: string, purpose: string): FileLock {
    mkdirSync(dirname(path), { recursive: true });
    const info: LockInfo = { pid: process.pid, hostname: hostname(), startedAt: Date.now(), purpose };
    for (let attempt = 0; attempt < 8; attempt++) {
      if (tryCreate(path, info)) return new FileLock(path, info);
      const held = readLock(path);
      if (held === 'missing') continue;
      if (held !== 'unreadable') {
        const live = held.hostname !== info.hostname || held.pid === process.pid || processAlive(held.pid);
        if (live) {
          const where =
            held.hostname === info.hostname ? `pid ${held.pid}` : `pid ${held.pid} on host ${held.hostname}`;
          throw new WeftError(
            'LOCK_HELD',
            `${purpose} is locked by ${where} (since ${new Date(held.startedAt).toISOString()}): ${path}`,
            {
              data: { path, holder: held },
            },
          );
        }
      }
      FileLock.#takeOver(path, held);
    }
    throw new WeftError(
      'LOCK_HELD',
      `${purpose}: could not take the lock ${path} (it keeps changing hands)`,
      { data: { path } },
    );
  }

  /** Removes a stale lock, guarded so that two processes taking it over cannot remove a fresh one. */
  static #takeOver(path: string, stale: LockInfo | 'unreadable'): void {
    const guard = `${path}.takeover`;
    const me: LockInfo = {
      pid: process.pid,
      hostname: hostname(),
      startedAt: Date.now(),
      purpose: 'takeover',
    };
    if (!tryCreate(guard, me)) {
      const g = readLock(guard);
      if (g === 'missing') return;
      if (g !== 'unreadable' && g.hostname === me.hostname && processAlive(g.pid)) return;
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
            now.pid === stale.pid &&
            now.startedAt === stale.startedAt;
      if (same) rmSync(path, { force: true });
    } finally {
      rmSync(guard, { force: true });
    }
  }

  /** Releases the lock (idempotent); only removes the file if it is still ours. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    const now = readLock(this.path);
    if (
      now !== 'missing' &&
      now !== 'unreadable' &&
      now.pid === this.info.pid &&
      now.startedAt === this.info.startedAt
    )
      rmSync(this.path, { force: true });
  }
}

/** The lock path of a run. */
export function runLockPath(root: string, runId: string): string {
  return join(root, '.weft', 'locks', `run-${runId}.lock`);
}

/** The lock path of an output directory. */
export function outDirLockPath(outDir: string): string {
  return join(outDir, '.weft.lock');
}
