import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { deadOwner, me, reusedPidOwner } from './fixtures.js';

/** Locks: exclusive, never waiting, stale ones taken over (dead pid, reused pid, expired lease). */
export function locksContract(c: ContractContext): void {
  describe('Locks', () => {
    it('gives a lock to one owner at a time and refuses the next with LOCK_HELD at once', () => {
      const { locks } = c.store();
      const a = locks.acquire('run:1', me(), 'run 1');
      expect(a.holder.id).toBe(me().id);
      expect(() => locks.acquire('run:1', me(), 'run 1')).toThrow(
        expect.objectContaining({ code: 'LOCK_HELD', message: expect.stringContaining('run 1') }),
      );
      const b = locks.acquire('run:2', me(), 'run 2');
      a.release();
      a.release();
      locks.acquire('run:1', me(), 'run 1').release();
      b.release();
    });

    it('takes over a lock whose owner died, whose pid now belongs to another process, or whose lease passed', () => {
      const { locks } = c.store();
      for (const [name, stale] of [
        ['dead', deadOwner()],
        ['reused', reusedPidOwner()],
        ['lease', { ...me(), id: 'serve-x', host: 'elsewhere', leaseUntil: Date.now() - 1 }],
      ] as const) {
        const old = locks.acquire(name, stale, name);
        const mine = locks.acquire(name, me(), name);
        expect(mine.holder.id).toBe(me().id);
        // The old holder's late release does not free the new holder's lock.
        old.release();
        expect(() => locks.acquire(name, me(), name)).toThrow(expect.objectContaining({ code: 'LOCK_HELD' }));
        mine.release();
      }
    });

    it('respects a lock held on another host under a lease that has not passed', () => {
      const { locks } = c.store();
      locks.acquire('x', { ...deadOwner(), host: 'elsewhere', leaseUntil: Date.now() + 60_000 }, 'x');
      expect(() => locks.acquire('x', me(), 'x')).toThrow(expect.objectContaining({ code: 'LOCK_HELD' }));
    });
  });
}
