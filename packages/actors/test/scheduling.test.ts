import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '@weft/core';
import {
  gatedMap,
  ioSlots,
  plusOne,
  queuedTimeout,
  tinyPinned,
  tinyWhere,
} from './dist/fixtures/pipelines.js';
import { rig, runIt, stats, type Rig } from './support.js';

describe('scheduling and quotas', () => {
  let r: Rig | undefined;
  afterEach(async () => r?.close());

  it('sends map items in chunks: one message per chunk, not per item', async () => {
    r = rig({ threads: 2, chunkSize: 100 });
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const before = (await stats(r.engine)).tasks;
    const result = await r.engine.execute<number[]>(plusOne, items);
    expect(result.output).toEqual(items.map((i) => i + 1));
    // Guided chunks capped at the orchestrator's 100: seven of 100, then 75, 57, 42, 32, 24, 18 and
    // chunks of the floor (1000 / 64 → 16) as the map drains: 17, a chunk or two more when the map
    // refills as partial results come back. Per item it would be 1000.
    const tasks = (await stats(r.engine)).tasks - before;
    expect(tasks).toBeGreaterThanOrEqual(17);
    expect(tasks).toBeLessThanOrEqual(20);
  });

  it('cuts a short map into guided chunks: as large as two per thread first, smaller as it drains', async () => {
    r = rig({ threads: 2 });
    const items = Array.from({ length: 64 }, (_, i) => i);
    const before = (await stats(r.engine)).tasks;
    const run = await runIt<number[]>(r.engine, plusOne, items);
    expect(run.result.output).toEqual(items.map((i) => i + 1));
    // 16, 12, 9, 7, 5, 4, 3, 2, 2, 1, 1, 1, 1 (the whole map is in flight at once: no refill).
    expect((await stats(r.engine)).tasks - before).toBe(13);
    expect(run.of('map.item')).toHaveLength(64);
  });

  it('runs tasks of a tiny plain step on the main thread once a worker has measured them', async () => {
    // A generous budget, so that the decision does not depend on how busy the machine is.
    r = rig({ threads: 2, inlineUs: 1_000_000, chunkSize: 16 });
    const items = Array.from({ length: 64 }, (_, i) => i + 1);
    const first = await r.engine.execute<number[]>(tinyWhere, items);
    // Every chunk left before any was measured: every item ran on a worker.
    expect(first.output).toEqual(items);
    const second = await r.engine.execute<number[]>(tinyWhere, items);
    expect(second.output).toEqual(items.map((x) => -x));
    const inlined = Number((await r.engine.orchestrator()).stats().extra?.['inlined']);
    expect(inlined).toBeGreaterThan(0);
    // `placement: 'worker'` keeps a step on the workers however cheap it is.
    await r.engine.execute(tinyPinned, items);
    expect((await r.engine.execute<number[]>(tinyPinned, items)).output).toEqual(items);
    expect(Number((await r.engine.orchestrator()).stats().extra?.['inlined'])).toBe(inlined);
  });

  it('never runs a step inline with inlineUs 0', async () => {
    r = rig({ threads: 1, inlineUs: 0 });
    const items = [1, 2, 3];
    await r.engine.execute(tinyWhere, items);
    expect((await r.engine.execute<number[]>(tinyWhere, items)).output).toEqual(items);
  });

  it('counts a timeout from when the worker begins the step, not while it waits for a slot', async () => {
    const clock = new SimulatedClock();
    r = rig({ threads: 1, tasksPerThread: 1 }, { clock });
    const handle = r.engine.start(queuedTimeout);
    const seen: string[] = [];
    const events = (async () => {
      for await (const e of handle.events()) if (e.type === 'step.start') seen.push(e.step);
    })();
    await r.host.arrived('hold');
    // `quick` waits for the only slot, held by `hold`; its 100 ms limit must not run meanwhile.
    await clock.advance(10_000);
    r.host.open('hold');
    const result = await handle.result;
    await events;
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toMatchObject({ hold: 'held', quick: 'quick' });
    expect(seen).toContain('quick');
  });

  it('runs IO-bound steps on IO slots, beside a CPU slot that is taken', async () => {
    r = rig({ threads: 1, tasksPerThread: 1 });
    const handle = r.engine.start(ioSlots);
    let fetched = false;
    for await (const e of handle.events()) {
      if (e.type === 'step.end' && e.step === 'fetchy') {
        fetched = true;
        r.host.open('hold');
      }
    }
    const result = await handle.result;
    expect(fetched).toBe(true);
    expect(result.outputs).toMatchObject({ hold: 'held', fetchy: 'fetched' });
  });

  it('refuses work beyond maxQueue with a retryable QUOTA_EXCEEDED', async () => {
    r = rig({ threads: 1, tasksPerThread: 1, maxQueue: 1 });
    // One task on the worker, one waiting, the third refused: the map fails with the quota error.
    const { result, errors } = await runItFrom(r.engine.start(gatedMap, [0, 1, 2, 3]));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('QUOTA_EXCEEDED');
    expect(errors[0]?.retryable).toBe(true);
  });
});

async function runItFrom(handle: ReturnType<Rig['engine']['start']>) {
  const errors: { code: string; retryable: boolean }[] = [];
  for await (const e of handle.events()) if (e.type === 'step.error') errors.push(e.error);
  return { result: await handle.result, errors };
}
