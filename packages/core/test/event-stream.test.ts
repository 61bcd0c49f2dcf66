// The run's event stream at its edges: events emitted from inside an observer keep seq order, and a run
// that cannot start still has one run.start and one run.finish. (The ordering rules on real runs are in
// the contract suite, test/contract/events-ordering.test.ts.)
import { describe, expect, it } from 'vitest';
import {
  EventHub,
  createEngine,
  ephemeralStore,
  createRegistry,
  pipeline,
  type RunEvent,
  type RunHandle,
} from '../src/index.js';

const tiny = pipeline<number>('tiny', { module: import.meta.url })
  .step('a', (n: number) => n + 1)
  .build();

async function drain(handle: RunHandle): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const e of handle.events()) events.push(e);
  return events;
}

const at = (seq: number, type: 'run.start' | 'run.cancel' | 'warning'): RunEvent =>
  type === 'warning'
    ? { runId: 'r', seq, time: 0, path: [], type, code: 'X', message: 'x' }
    : type === 'run.cancel'
      ? { runId: 'r', seq, time: 0, path: [], type, reason: 'x' }
      : {
          runId: 'r',
          seq,
          time: 0,
          path: [],
          type,
          pipeline: 'p',
          planId: 'p',
          orchestrator: 'direct',
          resumed: false,
        };

describe('EventHub', () => {
  it('delivers an event emitted by an observer after the one being delivered, to observers and subscribers alike', async () => {
    const hub = new EventHub(16);
    const first: number[] = [];
    const second: number[] = [];
    hub.observe((e) => {
      first.push(e.seq);
      if (e.seq === 1) hub.emit(at(2, 'run.cancel'));
      if (e.seq === 2) hub.emit(at(3, 'warning'));
    });
    hub.observe((e) => second.push(e.seq));
    const sub = hub.subscribe();
    hub.emit(at(1, 'run.start'));
    hub.close();
    const got: number[] = [];
    for await (const e of sub) got.push(e.seq);
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([1, 2, 3]);
    expect(got).toEqual([1, 2, 3]);
  });
});

describe('a run that cannot start', () => {
  it('whose orchestrator fails to start: run.start, then run.finish with the error', async () => {
    const registry = createRegistry().register({
      name: 'broken',
      description: 'fails to start',
      capabilities: { blocking: true, detached: true, durable: false, parallel: false },
      create() {
        throw new Error('no threads today');
      },
    });
    const engine = createEngine({ orchestrator: 'broken', registry });
    const handle = engine.start(tiny, 1);
    const events = await drain(handle);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/no threads today/);
    expect(events.map((e) => e.type)).toEqual(['run.start', 'run.finish']);
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('whose store refuses the run: it fails with run.start and run.finish instead of hanging', async () => {
    const base = ephemeralStore();
    const runs = base.runs;
    const refusing = new Proxy(runs, {
      get: (target, key) =>
        key === 'put'
          ? async (record: Parameters<typeof runs.put>[0]): Promise<void> => {
              if (record.status === 'running') throw new Error('disk full');
              return target.put(record);
            }
          : (target[key as keyof typeof target] as (...a: unknown[]) => unknown).bind(target),
    });
    const engine = createEngine({ store: { ...base, runs: refusing } });
    const handle = engine.start(tiny, 1);
    const events = await drain(handle);
    const result = await handle.result;
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/disk full/);
    expect(events.map((e) => e.type)).toEqual(['run.start', 'run.finish']);
    await engine.close();
  });
});
