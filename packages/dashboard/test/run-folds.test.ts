// RunFolds on a real event log (@weft/store's memoryStore): a followed run's fold keeps up with the
// log as events are appended and stops at the run's end, so a page load then reads nothing old;
// a catch-up and the tail meet without counting twice (the snapshot equals the fold of the whole log).
import { createEngine, type RunEvent } from '@weft/core';
import type { EventLog } from '@weft/core/store';
import { memoryStore } from '@weft/store';
import { describe, expect, it } from 'vitest';
import { RunFolds, runSnapshot } from '../dist/index.js';
import { showcase } from './fixtures/pipelines.js';

/** Turns of the event loop until `ok` (the log's tail delivers asynchronously), bounded. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !ok(); i++) await new Promise((r) => setImmediate(r));
  expect(ok()).toBe(true);
}

describe('RunFolds', () => {
  it('follows a run as its events are logged, stops at its end, and a page load then reads nothing old', async () => {
    const engine = createEngine();
    const p = showcase();
    const plan = engine.plan(p);
    const events: RunEvent[] = [];
    await engine.execute(p, 30, { runId: 'r', observers: [{ onEvent: (e) => events.push(e) }] });
    await engine.close();
    const finish = events.findIndex((e) => e.type === 'run.finish' && e.path.length === 0);
    expect(finish).toBe(events.length - 1);

    const store = memoryStore();
    const reads: number[] = [];
    const log: EventLog = {
      append: (id, es) => store.events.append(id, es),
      read: (id, after, limit) => {
        reads.push(after);
        return store.events.read(id, after, limit);
      },
      tail: (id, after, signal) => store.events.tail(id, after, signal),
      lastId: (id) => store.events.lastId(id),
      trim: (id, upTo) => store.events.trim(id, upTo),
    };
    const folds = new RunFolds(log);
    folds.follow('r', plan);
    const half = Math.floor(events.length / 2);
    await store.events.append('r', events.slice(0, half));
    await until(() => folds.state('r')?.lastSeq === half);
    expect(folds.state('r')?.following).toBe(true);

    const mid = await folds.snapshot('r', plan);
    expect(reads).toEqual([half]);
    expect(JSON.parse(JSON.stringify(mid))).toEqual(
      JSON.parse(JSON.stringify(runSnapshot(events.slice(0, half), plan))),
    );

    await store.events.append('r', events.slice(half));
    await until(() => folds.state('r')?.following === false);
    expect(folds.state('r')?.lastSeq).toBe(events.length);
    const end = await folds.snapshot('r', plan);
    expect(JSON.parse(JSON.stringify(end))).toEqual(JSON.parse(JSON.stringify(runSnapshot(events, plan))));
    folds.close();
    expect(folds.state('r')).toBeUndefined();
    await store.close();
  });

  it('counts the events a trimmed log no longer holds as missed, and none when it holds them all', async () => {
    const engine = createEngine();
    const p = showcase();
    const plan = engine.plan(p);
    const events: RunEvent[] = [];
    await engine.execute(p, 30, { runId: 'r', observers: [{ onEvent: (e) => events.push(e) }] });
    await engine.close();
    const store = memoryStore({ maxEventsPerRun: events.length - 7 });
    await store.events.append('r', events);
    const trimmed = await new RunFolds(store.events).snapshot('r', plan);
    expect(trimmed.missed).toBe(7);
    expect(trimmed.view.lastSeq).toBe(events.length);
    const whole = memoryStore();
    await whole.events.append('r', events);
    expect((await new RunFolds(whole.events).snapshot('r', plan)).missed).toBe(0);
    await store.close();
    await whole.close();
  });
});
