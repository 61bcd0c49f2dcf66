// Scheduling: maps over arrays, iterables and async iterables, results in input order, per-node and
// run-wide concurrency bounds (measured by the probe, never by time), chunking, empty maps and bad map
// input.
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, RunOptions } from '@weft/core';
import {
  asyncNumbers,
  boundedMap,
  brokenNumbers,
  fanOut,
  fanWithSub,
  mapThenSum,
  plainMap,
  syncNumbers,
} from '../dist/fixtures/scheduling.js';
import { createProbe, type Probe } from '../dist/fixtures/scheduling-probe.js';
import { SCHEDULING_ORCHESTRATORS, engineFor } from './matrix.js';
import { assertOrdered, collect, ofType, watch } from './ordering.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Releases held invocations one at a time (as soon as one is held) until the run ends. */
async function drive(probe: Probe, done: Promise<unknown>): Promise<void> {
  let ended = false;
  void done.finally(() => (ended = true));
  while (!ended) {
    await Promise.race([probe.held(1), done]);
    probe.release(1);
  }
}

describe.each(SCHEDULING_ORCHESTRATORS)('scheduling on %s', (name) => {
  let engine: Engine | undefined;
  let probe: Probe;
  afterEach(async () => {
    probe?.openAll();
    await engine?.close();
    engine = undefined;
  });
  const setup = (
    policy: 'now' | 'yield' | 'hold' = 'now',
    options: { maxConcurrency?: number; chunkSize?: number } = {},
  ): Engine => {
    probe = createProbe({ policy });
    engine = engineFor(name, { services: probe.services, ...options });
    return engine;
  };
  const run = async (input: unknown, options: RunOptions = {}) => {
    const out = await collect(engine!.start(plainMap, input, options));
    assertOrdered(out.events, out.result.status === 'succeeded' ? { complete: true } : {});
    return out;
  };

  describe('map inputs', () => {
    it('an array: one invocation per item, results in input order', async () => {
      setup();
      const { result, events } = await run([3, 1, 2]);
      expect(result.outputs['items']).toEqual([6, 2, 4]);
      expect(result.output).toBe(12);
      expect(ofType(events, 'map.start')[0]!.total).toBe(3);
      for (const i of ['0', '1', '2']) expect(probe.count('items', i)).toBe(1);
    });

    it('an iterable (a Set, a generator): results in iteration order', async () => {
      setup();
      const set = await run(new Set([5, 7, 9]));
      expect(set.result.outputs['items']).toEqual([10, 14, 18]);
      expect(ofType(set.events, 'map.start')[0]!.total).toBe(3);
      const gen = await run(syncNumbers(50));
      expect(gen.result.outputs['items']).toEqual(range(50).map((i) => i * 2));
      expect(ofType(gen.events, 'map.start')[0]!.total).toBeNull();
      expect(ofType(gen.events, 'map.complete')[0]!.count).toBe(50);
    });

    it('an async iterable: results in order, and it is pulled as the map goes, not drained up front', async () => {
      setup('hold');
      const source = asyncNumbers(1000);
      const w = watch(engine!.start(boundedMap, source.iterable));
      await probe.held(2);
      // concurrency 2, chunk 1: what the map pulled is what it runs, give or take one chunk.
      expect(source.pulled()).toBeLessThanOrEqual(4);
      probe.policy('now');
      const { result, events } = await w.done;
      expect(result.status).toBe('succeeded');
      expect(result.outputs['items']).toEqual(range(1000).map((i) => i * 2));
      expect(source.pulled()).toBe(1000);
      assertOrdered(events, { complete: true });
    });

    it('an empty input: the map completes with [] and its successors run', async () => {
      setup();
      const { result, events } = await run([]);
      expect(result.status).toBe('succeeded');
      expect(result.outputs['items']).toEqual([]);
      expect(result.output).toBe(0);
      expect(ofType(events, 'map.start')[0]!.total).toBe(0);
      expect(ofType(events, 'map.complete')[0]).toMatchObject({ count: 0, failed: 0 });
      expect(ofType(events, 'map.item')).toHaveLength(0);
      const empty = await run(syncNumbers(0));
      expect(empty.result.output).toBe(0);
      const emptyAsync = await run(asyncNumbers(0).iterable);
      expect(emptyAsync.result.output).toBe(0);
    });

    it('MAP_INPUT_INVALID for a string, a number, null, a plain object or nothing', async () => {
      setup();
      for (const bad of ['abc', 42, null, { a: 1 }, undefined]) {
        const { result, events } = await run(bad);
        expect(result.status, JSON.stringify(bad)).toBe('failed');
        expect(result.error?.code).toBe('MAP_INPUT_INVALID');
        expect(result.error?.message).toMatch(/needs an array or \(async\) iterable/);
        expect(ofType(events, 'step.error')[0]!.error.code).toBe('MAP_INPUT_INVALID');
      }
      expect(probe.entries).toHaveLength(0);
    });

    it('a source that throws fails the map with its error instead of ending it early', async () => {
      setup();
      for (const source of [brokenNumbers(10, 4), asyncNumbers(10, 4).iterable]) {
        const { result } = await run(source);
        expect(result.status).toBe('failed');
        expect(result.error?.message).toMatch(/the source broke at 4/);
      }
    });
  });

  it('results keep input order when items finish in reverse', async () => {
    setup();
    const w = watch(
      engine!.start(
        mapThenSum('sched-gated', 'gatedItem', { concurrency: 4, chunkSize: 1 }),
        [10, 20, 30, 40],
      ),
    );
    for (const i of range(4)) await probe.arrived(`item${i}`);
    for (const i of [3, 2, 1, 0]) probe.open(`item${i}`);
    const { result, events } = await w.done;
    expect(result.outputs['items']).toEqual([10, 20, 30, 40]);
    assertOrdered(events, { complete: true });
  });

  describe('concurrency bounds', () => {
    it('a map’s concurrency bounds its items in flight, and the bound is reached', async () => {
      setup('hold');
      const w = watch(engine!.start(boundedMap, range(8)));
      await probe.held(2);
      expect(probe.inflight('items')).toBe(2);
      await drive(probe, w.done);
      const { result, events } = await w.done;
      expect(result.output).toBe(56);
      assertOrdered(events, { complete: true });
      expect(probe.max('items')).toBe(2);
      expect(probe.count('items')).toBe(8);
    });

    it('run maxConcurrency bounds the steps in flight across a fan-out', async () => {
      setup('hold', { maxConcurrency: 2 });
      const w = watch(engine!.start(fanOut('sched-fan6', 6), 'x'));
      await probe.held(1);
      probe.release(1);
      // The root is done: six steps are ready, two may run.
      await probe.held(2);
      expect(probe.inflight()).toBe(2);
      await drive(probe, w.done);
      const { result, events } = await w.done;
      expect(result.output).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);
      assertOrdered(events, { complete: true });
      expect(probe.max()).toBe(2);
      expect(probe.count('work')).toBe(7);
    });

    it('run maxConcurrency counts the steps of sub-pipelines too', async () => {
      setup('hold', { maxConcurrency: 2 });
      const w = watch(engine!.start(fanWithSub, 'x'));
      await probe.held(1);
      probe.release(1);
      // The root is done: `inner` (a sub-pipeline, whose own root is ready at once), `a` and `b` are ready.
      await probe.held(2);
      await drive(probe, w.done);
      const { result, events } = await w.done;
      expect(result.status).toBe('succeeded');
      expect(result.output).toEqual(['a', 'b', 'inner']);
      assertOrdered(events, { complete: true });
      expect(probe.count('work')).toBe(7);
      expect(probe.max()).toBe(2);
    });

    it('run maxConcurrency bounds map items too (RunOptions overrides EngineOptions)', async () => {
      setup('hold', { maxConcurrency: 5 });
      const w = watch(engine!.start(plainMap, range(12), { maxConcurrency: 2, chunkSize: 1 }));
      await probe.held(2);
      await drive(probe, w.done);
      const { result } = await w.done;
      expect(result.output).toBe(132);
      expect(probe.max()).toBe(2);
    });
  });

  describe('chunking', () => {
    it.each([1, 3, 7, 50])(
      'chunkSize %i: every item once, retries item by item, results in order',
      async (chunkSize) => {
        setup('yield');
        const out = await collect(
          engine!.start(
            mapThenSum(`sched-chunk-${chunkSize}`, 'doubleFlaky', {
              chunkSize,
              concurrency: 8,
              retry: { attempts: 2, initialDelayMs: 0, jitter: 0 },
            }),
            range(20),
          ),
        );
        expect(out.result.status).toBe('succeeded');
        expect(out.result.outputs['items']).toEqual(range(20).map((i) => i * 2));
        assertOrdered(out.events, { complete: true });
        for (const i of range(20)) expect(probe.count('items', String(i))).toBe(2);
        expect(
          ofType(out.events, 'step.retry')
            .map((e) => e.index)
            .sort((a, b) => a! - b!),
        ).toEqual(range(20));
        expect(probe.max('items')).toBeLessThanOrEqual(8);
      },
    );

    it('chunkSize from RunOptions and EngineOptions gives the same results; a bad one is OPTION_INVALID', async () => {
      setup('yield', { chunkSize: 4 });
      const a = await collect(engine!.start(plainMap, range(30)));
      const b = await collect(engine!.start(plainMap, range(30), { chunkSize: 9 }));
      expect(a.result.output).toBe(870);
      expect(b.result.output).toBe(870);
      expect(() => engine!.start(plainMap, [], { chunkSize: 0 })).toThrow(
        expect.objectContaining({ code: 'OPTION_INVALID' }),
      );
      expect(() => engineFor(name, { chunkSize: -1 })).toThrow(
        expect.objectContaining({ code: 'OPTION_INVALID' }),
      );
      expect(() => engine!.start(mapThenSum('sched-bad-chunk', 'double', { chunkSize: 0 }), [])).toThrow(
        expect.objectContaining({ code: 'PIPELINE_INVALID' }),
      );
    });
  });
});
