import { describe, expect, it } from 'vitest';
import { createEngine, pipeline, suspend, type RunEvent } from '@weft/core';
import type { AuditLog } from '@weft/core/store';
import type { ContractContext } from './context.js';
import { take } from './fixtures.js';

const approval = pipeline<string>('approval', { module: import.meta.url })
  .step('draft', (s: string) => `draft of ${s}`, { to: 'ask' })
  .step(
    'ask',
    (d: string, ctx) =>
      ctx.resume === undefined ? suspend('sign?', { d }) : `${d} by ${String(ctx.resume)}`,
    {
      to: 'done',
    },
  )
  .step('done', (s: string) => s.toUpperCase())
  .build();

/** An audit log's methods bound to it (its fields are private). */
function bind(a: AuditLog): AuditLog {
  return {
    append: (r) => a.append(r),
    flush: () => a.flush(),
    head: (id) => a.head(id),
    verify: (id) => a.verify(id),
    ...(a.lastEventSeq ? { lastEventSeq: (id: string) => a.lastEventSeq!(id) } : {}),
  };
}

/** The engine on the store: events numbered per run across sessions, replayed from any n. */
export function engineContract(c: ContractContext): void {
  describe('the engine on this store', () => {
    it("numbers a resumed run's events after the first session's, and replays them from any n with no gap", async () => {
      const store = c.store();
      const engine = createEngine({ store });
      try {
        const first = engine.start(approval, 'memo', { runId: 'e1' });
        const live1: RunEvent[] = [];
        for await (const e of first.events()) live1.push(e);
        expect((await first.result).status).toBe('suspended');
        const second = await engine.resume(approval, 'e1', 'ann');
        const live2: RunEvent[] = [];
        for await (const e of second.events()) live2.push(e);
        expect((await second.result).output).toBe('DRAFT OF MEMO BY ANN');
        const n1 = live1.length;
        expect(live1.map((e) => e.seq)).toEqual(Array.from({ length: n1 }, (_, i) => i + 1));
        expect(live2[0]?.seq).toBe(n1 + 1);
        const all = [...live1, ...live2];
        const last = all.length;
        expect(await store.events.lastId('e1')).toBe(last);
        const logged = await store.events.read('e1', 0);
        expect(logged.map((e) => [e.seq, e.type])).toEqual(all.map((e) => [e.seq, e.type]));
        for (let n = 0; n <= last; n++) {
          const after = await store.events.read('e1', n);
          expect(after.map((e) => e.seq)).toEqual(all.slice(n).map((e) => e.seq));
          const abort = new AbortController();
          const tailed = await take(store.events.tail('e1', n, abort.signal), last - n, abort);
          expect(tailed.map((e) => e.seq)).toEqual(all.slice(n).map((e) => e.seq));
        }
        const sessions = await store.runs.sessions('e1');
        expect(sessions.map((s) => [s.kind, s.firstSeq, s.lastSeq, s.status])).toEqual([
          ['start', 1, n1, 'suspended'],
          ['resume', n1 + 1, last, 'succeeded'],
        ]);
        expect(await store.runs.get('e1')).toMatchObject({ status: 'succeeded', sessions: 2, lastSeq: last });
        expect(store.audit.verify('e1')).toMatchObject({ ok: true, entries: last });
      } finally {
        await engine.close();
      }
    });

    it('a session that died between an event batch and its audit flush: the next session audits the stored events first', async () => {
      const store = c.store();
      // The first session's process "dies" before each audit flush: its events are committed, the
      // audit records of the last batches never reach the log.
      const lost = Object.create(store) as typeof store;
      Object.defineProperty(lost, 'audit', {
        value: { ...bind(store.audit), append: () => undefined, flush: () => undefined },
      });
      const crashed = createEngine({ store: lost });
      try {
        const first = crashed.start(approval, 'memo', { runId: 'e3' });
        for await (const _ of first.events());
        expect((await first.result).status).toBe('suspended');
      } finally {
        await crashed.close();
      }
      const n1 = await store.events.lastId('e3');
      expect(n1).toBeGreaterThan(0);
      expect(store.audit.lastEventSeq?.('e3')).toBe(0);
      const engine = createEngine({ store });
      try {
        const second = await engine.resume(approval, 'e3', 'ann');
        expect((await second.result).output).toBe('DRAFT OF MEMO BY ANN');
        const all = await store.events.read('e3', 0);
        expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
        expect(store.audit.verify('e3')).toMatchObject({
          ok: true,
          entries: all.filter((e) => e.type !== 'token').length,
        });
        expect(store.audit.lastEventSeq?.('e3')).toBe(all.at(-1)!.seq);
      } finally {
        await engine.close();
      }
    });

    it('follows a run live through engine.events from any n, across its resume', async () => {
      const store = c.store();
      const engine = createEngine({ store });
      try {
        const first = engine.start(approval, 'x', { runId: 'e2' });
        const abort = new AbortController();
        const followed = (async () => {
          const seen: RunEvent[] = [];
          for await (const e of engine.events('e2', { after: 0, signal: abort.signal })) {
            seen.push(e);
            if (e.type === 'run.finish' && e.status === 'succeeded') abort.abort();
          }
          return seen;
        })();
        await first.result;
        await (
          await engine.resume(approval, 'e2', 'bo')
        ).result;
        const seen = await followed;
        expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
        expect(seen.filter((e) => e.type === 'run.start')).toHaveLength(2);
      } finally {
        await engine.close();
      }
    });

    it('refuses a second engine on a run whose lock is held (LOCK_HELD), without writing to it', async () => {
      const store = c.store();
      const engine = createEngine({ store });
      try {
        const lock = store.locks.acquire('run:e3', store.owner, 'run e3');
        const r = await engine.execute(approval, 'x', { runId: 'e3' });
        lock.release();
        expect(r.status).toBe('failed');
        expect(r.error?.code).toBe('LOCK_HELD');
        expect(await store.runs.get('e3')).toBeUndefined();
        expect(await store.events.lastId('e3')).toBe(0);
      } finally {
        await engine.close();
      }
    });
  });
}
