import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLock, processAlive } from '../src/util/lock.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (): string => (dir = mkdtempSync(join(tmpdir(), 'weft-lock-')));

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((r) => child.once('exit', r));
  return pid;
}

describe('FileLock', () => {
  it('writes pid, hostname and start time, and releases', () => {
    const path = join(fresh(), 'a.lock');
    const lock = FileLock.acquire(path, 'test');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
      purpose: 'test',
    });
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release();
  });

  it('refuses at once when a live process holds it (LOCK_HELD with the holder)', () => {
    const path = join(fresh(), 'a.lock');
    const lock = FileLock.acquire(path, 'run 1');
    expect(() => FileLock.acquire(path, 'run 1')).toThrow(
      expect.objectContaining({
        code: 'LOCK_HELD',
        data: expect.objectContaining({ holder: expect.objectContaining({ pid: process.pid }) }),
      }),
    );
    lock.release();
  });

  it('takes over a lock left by a dead process, and an unreadable one', async () => {
    const path = join(fresh(), 'a.lock');
    const pid = await deadPid();
    expect(processAlive(pid)).toBe(false);
    writeFileSync(path, JSON.stringify({ pid, hostname: hostname(), startedAt: 1, purpose: 'old' }));
    const lock = FileLock.acquire(path, 'new');
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    writeFileSync(path, '{"pid":');
    FileLock.acquire(path, 'again').release();
  });

  it('treats a lock from another host as held (its pid cannot be checked from here)', () => {
    const path = join(fresh(), 'a.lock');
    writeFileSync(
      path,
      JSON.stringify({ pid: 1, hostname: 'elsewhere.example', startedAt: 1, purpose: 'x' }),
    );
    expect(() => FileLock.acquire(path, 'x')).toThrow(expect.objectContaining({ code: 'LOCK_HELD' }));
  });

  it('does not remove a lock that another process now holds', () => {
    const path = join(fresh(), 'a.lock');
    const lock = FileLock.acquire(path, 'mine');
    writeFileSync(path, JSON.stringify({ pid: 1, hostname: hostname(), startedAt: 2, purpose: 'theirs' }));
    lock.release();
    expect(existsSync(path)).toBe(true);
  });
});
