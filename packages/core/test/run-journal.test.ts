// The engine's persistence: event numbers continue across sessions, an interrupted run recovers,
// a store fault stops the run leaving it interrupted (resumable), and the default store refuses
// what structured clone refuses.
import { describe, expect, it } from 'vitest';
import {
  WeftError,
  createEngine,
  ephemeralStore,
  pipeline,
  suspend,
  type RunEvent,
  type Store,
} from '../src/index.js';

const approval = pipeline<string>('approval', { module: import.meta.url })
  .step(
    'ask',
    (s: string, ctx) => (ctx.resume === undefined ? suspend('sign?') : `${s}:${String(ctx.resume)}`),
    {
      to: 'done',
    },
  )
  .step('done', (s: string) => s.toUpperCase())
  .build();

const fanout = pipeline<number>('fanout', { module: import.meta.url })
  .step('list', (n: number) => Array.from({ length: n }, (_, i) => i), { to: 'sq' })
  .map('sq', (x: number) => x * x)
  .build();

async function seqs(events: AsyncIterable<RunEvent>): Promise<number[]> {
  const out: number[] = [];
  for await (const e of events) out.push(e.seq);
  return out;
}

describe('the run journal', () => {
  it("numbers a resumed session's events after the first session's", async () => {
    const store = ephemeralStore();
    const engine = createEngine({ store });
    const first = engine.start(approval, 'x', { runId: 'a' });
    const s1 = await seqs(first.events());
    const second = await engine.resume(approval, 'a', 'ok');
    const s2 = await seqs(second.events());
    expect((await second.result).output).toBe('X:OK');
    expect([...s1, ...s2]).toEqual(Array.from({ length: s1.length + s2.length }, (_, i) => i + 1));
    expect(await store.events.lastId('a')).toBe(s1.length + s2.length);
    const sessions = await store.runs.sessions('a');
    expect(sessions.map((s) => [s.kind, s.firstSeq, s.lastSeq])).toEqual([
      ['start', 1, s1.length],
      ['resume', s1.length + 1, s1.length + s2.length],
    ]);
    expect((await second.result).metrics.events).toBe(s2.length);
  });

  it('recovers an interrupted run under its id, numbering after what it had written', async () => {
    const store = ephemeralStore();
    const engine = createEngine({ store });
    await engine.execute(fanout, 3, { runId: 'f' });
    const before = await store.events.lastId('f');
    const r = (await store.runs.get('f'))!;
    await store.runs.put({
      ...r,
      status: 'running',
      owner: { id: 'gone', host: 'h', pid: 1, processStart: 1 },
    });
    expect(await store.runs.reconcile(() => false)).toEqual(['f']);
    await expect(engine.resume(fanout, 'nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    const again = await engine.resume(fanout, 'f');
    const s = await seqs(again.events());
    expect((await again.result).output).toEqual([0, 1, 4]);
    expect(s[0]).toBe(before + 1);
    expect((await store.runs.sessions('f')).map((x) => x.kind)).toEqual(['start', 'recover']);
  });

  it('stops a run whose store fails (STORE_FULL), leaves it interrupted and releases its lock', async () => {
    const base = ephemeralStore();
    let appends = 0;
    const store: Store = {
      ...base,
      events: {
        ...base.events,
        append: async (runId, events) => {
          if (++appends > 1) throw new WeftError('STORE_FULL', 'no space left on device');
          return base.events.append(runId, events);
        },
        lastId: (id) => base.events.lastId(id),
        read: (id, a, l) => base.events.read(id, a, l),
        tail: (id, a, s) => base.events.tail(id, a, s),
        trim: (id, u) => base.events.trim(id, u),
      },
    };
    const engine = createEngine({ store });
    const slow = pipeline<number>('slow', { module: import.meta.url })
      .step('list', (n: number) => Array.from({ length: n }, (_, i) => i), { to: 'wait' })
      .map('wait', async (x: number) => {
        await new Promise((r) => setImmediate(r));
        return x;
      })
      .build();
    const result = await engine.execute(slow, 5000, { runId: 's' });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('STORE_FULL');
    expect((await base.runs.get('s'))?.status).toBe('interrupted');
    base.locks.acquire('run:s', base.owner, 'the test').release();
  });

  it('refuses a snapshot holding a Promise or a WeakMap with NOT_SERIALIZABLE, like every store', async () => {
    const store = ephemeralStore();
    for (const bad of [Promise.resolve(1), new WeakMap()]) {
      await expect(
        store.runs.saveSnapshot('x', { formatVersion: 1, state: { bad } } as never),
      ).rejects.toMatchObject({ code: 'NOT_SERIALIZABLE' });
    }
  });
});
