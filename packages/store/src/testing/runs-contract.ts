import { describe, expect, it } from 'vitest';
import type { RunSnapshot } from '@weft/core';
import type { ContractContext } from './context.js';
import { deadOwner, events, me, record } from './fixtures.js';

/** A suspended run's snapshot (the scheduler's state, format 2) whose run state holds `extra`. */
const snapshot = (extra: Record<string, unknown> = {}): RunSnapshot => ({
  formatVersion: 2,
  runId: 'r',
  planId: 'plan-1',
  pipeline: { name: 'p', module: null },
  input: null,
  nextId: 1,
  slots: 0,
  timerSeq: 0,
  execs: {
    root: {
      id: 'root',
      path: [],
      parent: null,
      mode: 'suspended',
      input: null,
      state: { ...extra },
      stateVersion: 0,
      lastWrite: {},
      outputs: {},
      ready: [],
      suspended: [],
      barriers: {},
      anyPending: {},
      activations: 0,
      running: {},
      invs: 0,
      maps: [],
      handling: 0,
      retryTimers: 0,
      stop: null,
    },
  },
  invs: {},
  maps: {},
  timers: {},
  chains: {},
  queueDepthMax: 0,
  draining: false,
  outcome: null,
});

/** RunStore: records, queries, sessions, snapshots, delete, reconcile, prune, size. */
export function runsContract(c: ContractContext): void {
  describe('RunStore', () => {
    it('keeps a record as given, with values JSON cannot hold (Map, BigInt, Date, bytes)', async () => {
      const input = { m: new Map([['k', 1n]]), d: new Date(5), b: new Uint8Array([1, 2]) };
      await c.store().runs.put(record('r1', { input, output: [1, 'two'], tags: ['a'], tenant: 't' }));
      const r = await c.store().runs.get('r1');
      expect(r).toMatchObject({
        runId: 'r1',
        status: 'succeeded',
        output: [1, 'two'],
        tags: ['a'],
        tenant: 't',
      });
      expect(r?.input).toEqual(input);
      expect(await c.store().runs.get('nope')).toBeUndefined();
    });

    it('refuses what structured clone refuses with NOT_SERIALIZABLE, the same in every store', async () => {
      for (const output of [Promise.resolve(1), new WeakMap(), () => 1, Symbol('s')]) {
        await expect(c.store().runs.put(record('bad', { output }))).rejects.toMatchObject({
          code: 'NOT_SERIALIZABLE',
        });
      }
      for (const bad of [Promise.resolve(1), new WeakMap(), { f: () => 1 }]) {
        await expect(c.store().runs.saveSnapshot('s', snapshot({ bad }))).rejects.toMatchObject({
          code: 'NOT_SERIALIZABLE',
        });
      }
    });

    it('saves, loads and deletes snapshots, keeping structured-clone values', async () => {
      const s = snapshot({ m: new Map([[1, new Set(['x'])]]), big: 2n ** 70n, nan: NaN, neg: -0 });
      await c.store().runs.saveSnapshot('r', s);
      expect(await c.store().runs.loadSnapshot('r')).toEqual(s);
      expect(Object.is((await c.store().runs.loadSnapshot('r'))!.execs['root']!.state['neg'], -0)).toBe(true);
      await c.store().runs.deleteSnapshot('r');
      expect(await c.store().runs.loadSnapshot('r')).toBeUndefined();
    });

    it('queries by status, pipeline, tag, tenant and time, newest first, in pages that cover every run once', async () => {
      const runs = c.store().runs;
      for (let i = 0; i < 25; i++)
        await runs.put(
          record(`q${String(i).padStart(2, '0')}`, {
            status: i % 3 === 0 ? 'failed' : 'succeeded',
            pipeline: i % 2 === 0 ? 'even' : 'odd',
            tags: i % 5 === 0 ? ['five'] : [],
            tenant: i < 10 ? 'a' : 'b',
            startedAt: 1_000_000 + i * 1000,
          }),
        );
      const all = await runs.query({ limit: 1000 });
      expect(all.runs.map((r) => r.runId)).toEqual(
        Array.from({ length: 25 }, (_, i) => `q${String(24 - i).padStart(2, '0')}`),
      );
      expect(all.nextCursor).toBeNull();
      expect((await runs.query({ status: 'failed' })).runs).toHaveLength(9);
      expect((await runs.query({ status: ['failed', 'succeeded'] })).runs).toHaveLength(25);
      expect((await runs.query({ pipeline: 'even' })).runs).toHaveLength(13);
      expect((await runs.query({ tag: 'five' })).runs.map((r) => r.runId)).toEqual([
        'q20',
        'q15',
        'q10',
        'q05',
        'q00',
      ]);
      expect((await runs.query({ tenant: 'a', status: 'succeeded' })).runs).toHaveLength(6);
      expect((await runs.query({ since: 1_000_000 + 20 * 1000 })).runs).toHaveLength(5);
      const seen: string[] = [];
      let cursor: string | null | undefined;
      let pages = 0;
      do {
        const page = await runs.query({ limit: 7, ...(cursor ? { cursor } : {}) });
        seen.push(...page.runs.map((r) => r.runId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(4);
      expect(seen).toEqual(all.runs.map((r) => r.runId));
      await expect(runs.query({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'OPTION_INVALID' });
      await expect(runs.query({ limit: 0 })).rejects.toMatchObject({ code: 'OPTION_INVALID' });
    });

    it('opens sessions that number events after the log, and closes them', async () => {
      const { runs, events: log } = c.store();
      await expect(runs.openSession('none', 'start', me())).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
      await runs.put(record('r', { status: 'running' }));
      const s1 = await runs.openSession('r', 'start', me());
      expect(s1).toMatchObject({ session: 1, kind: 'start', firstSeq: 1, status: 'running', lastSeq: null });
      expect((await runs.get('r'))?.owner?.id).toBe(me().id);
      await log.append('r', events('r', 1, 5));
      await runs.closeSession('r', 1, 'suspended', 5);
      expect((await runs.get('r'))?.owner).toBeUndefined();
      const s2 = await runs.openSession('r', 'resume', me());
      expect(s2).toMatchObject({ session: 2, kind: 'resume', firstSeq: 6 });
      await runs.closeSession('r', 2, 'succeeded', 5);
      const list = await runs.sessions('r');
      expect(list.map((s) => [s.session, s.status, s.firstSeq, s.lastSeq])).toEqual([
        [1, 'suspended', 1, 5],
        [2, 'succeeded', 6, 5],
      ]);
      expect(await runs.get('r')).toMatchObject({ status: 'succeeded', sessions: 2, lastSeq: 5 });
      // `put` does not reset what the store keeps.
      await runs.put(record('r', { status: 'succeeded' }));
      expect(await runs.get('r')).toMatchObject({ sessions: 2, lastSeq: 5 });
    });

    it('deletes a finished run with everything it owns, and refuses a running one with RUN_ACTIVE', async () => {
      const s = c.store();
      await s.runs.put(record('d', { status: 'running' }));
      await s.runs.openSession('d', 'start', me());
      await s.events.append('d', events('d', 1, 3));
      s.audit.append([{ runId: 'd', kind: 'event', body: events('d', 1, 1)[0] }]);
      s.audit.flush();
      s.memo.put('scoped', 1, { runId: 'd' });
      s.memo.put('global', 2);
      await s.runs.saveSnapshot('d', snapshot());
      await expect(s.runs.delete('d')).rejects.toMatchObject({ code: 'RUN_ACTIVE' });
      await s.runs.closeSession('d', 1, 'failed', 3);
      expect(await s.runs.delete('d')).toBe(true);
      expect(await s.runs.get('d')).toBeUndefined();
      expect(await s.runs.sessions('d')).toEqual([]);
      expect(await s.events.lastId('d')).toBe(0);
      expect(await s.runs.loadSnapshot('d')).toBeUndefined();
      expect(s.audit.head('d')).toBeUndefined();
      expect(s.memo.get('scoped')).toBeUndefined();
      expect(s.memo.get('global')).toEqual({ value: 2 });
      expect(await s.runs.delete('d')).toBe(false);
    });

    it('reconciles: a running run whose owner is gone (or whose lease passed) becomes interrupted', async () => {
      const { runs } = c.store();
      for (const id of ['live', 'dead', 'leased', 'expired'])
        await runs.put(record(id, { status: 'running' }));
      await runs.openSession('live', 'start', me());
      await runs.openSession('dead', 'start', deadOwner());
      await runs.openSession('leased', 'start', {
        ...deadOwner(),
        host: 'elsewhere',
        leaseUntil: Date.now() + 60_000,
      });
      await runs.openSession('expired', 'start', { ...me(), id: 'serve-1', leaseUntil: Date.now() - 1 });
      const alive = (o: { pid: number; host: string }): boolean =>
        o.host === 'elsewhere' || o.pid === process.pid;
      expect([...(await runs.reconcile(alive))].sort()).toEqual(['dead', 'expired']);
      expect((await runs.get('dead'))?.status).toBe('interrupted');
      expect((await runs.get('dead'))?.owner).toBeUndefined();
      expect((await runs.sessions('dead'))[0]).toMatchObject({ status: 'interrupted', lastSeq: 0 });
      expect((await runs.get('live'))?.status).toBe('running');
      expect((await runs.get('leased'))?.status).toBe('running');
      expect(await runs.reconcile(alive)).toEqual([]);
    });

    it('prunes finished runs by age and count, never running, suspended or interrupted ones, and frees their values', async () => {
      const s = c.store();
      const day = 86_400_000;
      const big = 'x'.repeat(200_000);
      const t0 = Date.now();
      const at = (ago: number) => ({ startedAt: t0 - ago, finishedAt: t0 - ago + 1 });
      for (let i = 0; i < 6; i++)
        await s.runs.put(record(`old${i}`, { output: `${big}${i}`, ...at(10 * day + i) }));
      await s.runs.put(record('old-suspended', { status: 'suspended', ...at(11 * day) }));
      await s.runs.put(record('old-interrupted', { status: 'interrupted', ...at(11 * day) }));
      for (let i = 0; i < 3; i++) await s.runs.put(record(`new${i}`, at(i)));
      s.memo.put('cache-entry', `${big}cached`);
      s.memo.put('run-entry', `${big}scoped`, { runId: 'new0' });
      s.memo.flush();
      await expect(s.runs.prune({})).rejects.toMatchObject({ code: 'OPTION_INVALID' });
      const before = await s.runs.size();
      expect(before).toBeGreaterThan(6 * 200_000);
      const r1 = await s.runs.prune({ olderThanMs: 7 * day, keep: 5 });
      // The newest five are kept whatever their age: new0-2 and old0-1.
      expect(r1.runs).toBe(4);
      expect(r1.bytes).toBeGreaterThan(4 * 200_000);
      expect(await s.runs.size()).toBeLessThan(before - 4 * 200_000);
      const left = (await s.runs.query({ limit: 100 })).runs.map((r) => r.runId).sort();
      expect(left).toEqual(
        ['new0', 'new1', 'new2', 'old-interrupted', 'old-suspended', 'old0', 'old1'].sort(),
      );
      // The cache stored less than 7 days ago stays; an age of 0 expires it (not a kept run's entries).
      expect(s.memo.get('cache-entry')?.value).toBe(`${big}cached`);
      const r0 = await s.runs.prune({ olderThanMs: 0, keep: 100 });
      expect(r0).toMatchObject({ runs: 0 });
      expect(r0.bytes).toBeGreaterThan(200_000);
      expect(s.memo.get('cache-entry')).toBeUndefined();
      expect(s.memo.get('run-entry')?.value).toBe(`${big}scoped`);
      expect((await s.runs.prune({ keep: 0 })).runs).toBe(5);
    });
  });
}
