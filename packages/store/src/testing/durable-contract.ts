import { describe, expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { events, me, record } from './fixtures.js';

/** What a durable store keeps across a close and an open. */
export function durableContract(c: ContractContext): void {
  describe('durability', () => {
    it('keeps runs, sessions, events, snapshots, memo, values and audit across close and open', async () => {
      let s = c.store();
      await s.runs.put(record('d', { status: 'running', output: new Map([[1, 2]]) }));
      await s.runs.openSession('d', 'start', me());
      await s.events.append('d', events('d', 1, 50));
      s.memo.put('k', { v: [1, 2, 3] });
      s.memo.putCheckpoint('c', 7);
      const ref = s.values.put('w'.repeat(70_000));
      s.audit.append(events('d', 1, 3).map((body) => ({ runId: 'd', kind: 'event' as const, body })));
      s.audit.flush();
      await s.runs.closeSession('d', 1, 'suspended', 50);
      s = await c.reopen();
      expect(await s.runs.get('d')).toMatchObject({ status: 'suspended', sessions: 1, lastSeq: 50 });
      expect((await s.runs.get('d'))?.output).toEqual(new Map([[1, 2]]));
      expect((await s.runs.sessions('d'))[0]).toMatchObject({ kind: 'start', firstSeq: 1, lastSeq: 50 });
      expect(await s.events.lastId('d')).toBe(50);
      expect((await s.events.read('d', 45)).map((e) => e.seq)).toEqual([46, 47, 48, 49, 50]);
      expect(s.memo.get('k')).toEqual({ value: { v: [1, 2, 3] } });
      expect(s.memo.checkpoint('c')).toEqual({ value: 7 });
      expect(s.values.get(ref)).toBe('w'.repeat(70_000));
      expect(s.audit.verify('d')).toMatchObject({ ok: true, entries: 3 });
      const next = await s.runs.openSession('d', 'resume', me());
      expect(next.firstSeq).toBe(51);
    });
  });
}
