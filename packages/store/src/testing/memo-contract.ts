import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { record } from './fixtures.js';

/** Memo and values: stored once by hash, hash-checked on read, checkpoints, scopes. */
export function memoContract(c: ContractContext): void {
  describe('Memo and values', () => {
    it('stores and returns values with the files a step wrote', async () => {
      const { memo } = c.store();
      expect(memo.get('k')).toBeUndefined();
      memo.put('k', { rows: [1, 2], when: new Date(3) });
      memo.put('f', 'x', { files: [{ path: '/tmp/a.csv', sha256: 'ab'.repeat(32) }] });
      memo.flush();
      expect(memo.get('k')).toEqual({ value: { rows: [1, 2], when: new Date(3) } });
      expect(memo.get('f')).toEqual({ value: 'x', files: [{ path: '/tmp/a.csv', sha256: 'ab'.repeat(32) }] });
    });

    it('refuses a Promise, a WeakMap or a function with NOT_SERIALIZABLE, and keeps nothing of it', () => {
      const { memo } = c.store();
      for (const v of [Promise.resolve(1), new WeakMap(), { f: () => 1 }])
        expect(() => memo.put('bad', v)).toThrow(expect.objectContaining({ code: 'NOT_SERIALIZABLE' }));
      memo.flush();
      expect(memo.get('bad')).toBeUndefined();
    });

    it('stores a value once, however many keys and events refer to it', async () => {
      const s = c.store();
      const value = new Uint8Array(2_000_000).fill(7);
      s.memo.put('a', value);
      s.memo.flush();
      const one = await s.runs.size();
      s.memo.put('b', value);
      s.memo.put('c', new Uint8Array(2_000_000).fill(7));
      const ref = s.values.put(value);
      s.memo.flush();
      expect(await s.runs.size()).toBeLessThan(one + 100_000);
      const same = (v: unknown): boolean => v instanceof Uint8Array && Buffer.from(v).equals(value);
      expect(same(s.values.get(ref))).toBe(true);
      expect(same(s.memo.get('c')?.value)).toBe(true);
    });

    it('never serves a value changed behind its back: the read is a miss, reported, and a new put heals it', () => {
      const s = c.store();
      s.memo.put('out', 1);
      const ref = s.values.put(1);
      // Committed first: what waits in the writer's buffer is the process's own memory.
      s.memo.flush();
      c.h.editValue(s, ref.$weftValue, 666);
      expect(() => s.values.get(ref)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
      expect(s.memo.get('out')).toBeUndefined();
      expect(c.warnings.map((w) => w.code)).toContain('STORE_CORRUPT');
      s.memo.put('out', 1);
      s.memo.flush();
      expect(s.memo.get('out')).toEqual({ value: 1 });
    });

    it('says whether a run has entries or checkpoints stored (hasRun, where implemented)', async () => {
      const s = c.store();
      const hasRun = s.memo.hasRun?.bind(s.memo);
      if (hasRun === undefined) return;
      expect(hasRun('a')).toBe(false);
      s.memo.put('k-a', 1, { runId: 'a' });
      expect(hasRun('a')).toBe(true);
      s.memo.putCheckpoint('k-b', { at: 1 }, { runId: 'b' });
      expect(hasRun('b')).toBe(true);
      s.memo.put('k-global', 2);
      expect(hasRun('c')).toBe(false);
      s.memo.flush();
      expect(hasRun('a')).toBe(true);
      await s.runs.put(record('a'));
      await s.runs.delete('a');
      expect(hasRun('a')).toBe(false);
    });

    it('keeps checkpoints until the key completes', () => {
      const { memo } = c.store();
      expect(memo.checkpoint('k')).toBeUndefined();
      memo.putCheckpoint('k', { offset: 10 });
      memo.putCheckpoint('k', { offset: 20 });
      memo.flush();
      expect(memo.checkpoint('k')).toEqual({ value: { offset: 20 } });
      memo.put('k', 'done');
      memo.flush();
      expect(memo.checkpoint('k')).toBeUndefined();
      expect(() => memo.putCheckpoint('k2', new WeakMap())).toThrow(
        expect.objectContaining({ code: 'NOT_SERIALIZABLE' }),
      );
    });

    it('clears the cross-run entries only; run-scoped ones go with their run', () => {
      const { memo } = c.store();
      memo.put('g1', 1);
      memo.put('g2', 2);
      memo.put('s1', 3, { runId: 'r' });
      memo.flush();
      expect(memo.clear()).toBe(2);
      expect(memo.get('g1')).toBeUndefined();
      expect(memo.get('s1')).toEqual({ value: 3 });
    });
  });
}
