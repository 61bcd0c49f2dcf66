// Timeouts on a simulated clock: the run timeout (RUN_TIMEOUT), the step timeout (STEP_TIMEOUT), which
// counts running time and not time spent queued, step timeouts of map items and of sub-pipelines. (The barrier timeout is
// in barriers.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, type Engine, type RunEvent } from '@weft/core';
import type { StopNote } from '../dist/fixtures/cancel.js';
import { createProbe, type Probe } from '../dist/fixtures/scheduling-probe.js';
import {
  timeoutsMap,
  timeoutsQueued,
  timeoutsRetry,
  timeoutsRun,
  timeoutsStep,
  timeoutsSub,
} from '../dist/fixtures/timeouts.js';
import { ORCHESTRATORS, engineFor } from './matrix.js';
import { assertOrdered, ofType, watch } from './ordering.js';

const note = (step: string, phase: string, index?: number) => (n: unknown) => {
  const x = n as { step?: string; phase?: string; index?: number };
  return x.step === step && x.phase === phase && (index === undefined || x.index === index);
};
const isStep = (type: RunEvent['type'], step: string) => (e: RunEvent) =>
  e.type === type && 'step' in e && e.step === step;

describe.each(ORCHESTRATORS)('timeouts on %s', (name) => {
  let engine: Engine | undefined;
  let probe: Probe;
  let clock: SimulatedClock;
  afterEach(async () => {
    probe?.openAll();
    await engine?.close();
    engine = undefined;
  });
  const setup = (options: { maxConcurrency?: number } = {}): Engine => {
    probe = createProbe({ policy: 'now' });
    clock = new SimulatedClock();
    engine = engineFor(name, { services: probe.services, clock, ...options });
    return engine;
  };

  it('run timeout: RUN_TIMEOUT, one run.timeout event, the step in flight sees the signal', async () => {
    const run = watch(setup().start(timeoutsRun, 1, { timeoutMs: 500 }));
    await probe.noted(note('wait', 'started'));
    await clock.advance(499);
    expect(run.events.some((e) => e.type === 'run.timeout')).toBe(false);
    await clock.advance(1);
    const { result, events } = await run.done;
    expect(result.status).toBe('timedOut');
    expect(result.error?.code).toBe('RUN_TIMEOUT');
    expect(result.durationMs).toBe(500);
    assertOrdered(events);
    expect(ofType(events, 'run.timeout')).toEqual([expect.objectContaining({ timeoutMs: 500, time: 500 })]);
    expect(events[events.length - 2]!.type).toBe('run.timeout');
    expect(events[events.length - 1]).toMatchObject({
      type: 'run.finish',
      status: 'timedOut',
      error: { code: 'RUN_TIMEOUT' },
    });
    expect((await probe.noted(note('wait', 'stopped'))) as StopNote).toMatchObject({
      how: 'abort',
      aborted: true,
      reason: 'RUN_TIMEOUT',
    });
  });

  it('a run that ends in time is not timed out, and leaves no timer behind', async () => {
    const run = watch(setup().start(timeoutsRun, 1, { timeoutMs: 500 }));
    await probe.noted(note('wait', 'started'));
    await clock.advance(200);
    probe.open('wait');
    const { result, events } = await run.done;
    expect(result.status).toBe('succeeded');
    assertOrdered(events, { complete: true });
    expect(clock.pending).toBe(0);
  });

  it('step timeout: STEP_TIMEOUT after timeoutMs of running; the step sees the signal', async () => {
    const run = watch(setup().start(timeoutsStep, 1));
    await probe.noted(note('slow', 'started'));
    // On a worker, the step may report before its start reaches the engine: wait for its timer.
    await clock.whenPending(1);
    await clock.advance(99);
    expect(run.events.some((e) => e.type === 'step.error')).toBe(false);
    await clock.advance(1);
    const { result, events } = await run.done;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('STEP_TIMEOUT');
    assertOrdered(events);
    expect(events.find(isStep('step.error', 'slow'))).toMatchObject({
      time: 100,
      error: { code: 'STEP_TIMEOUT' },
      willRetry: false,
    });
    expect((await probe.noted(note('slow', 'stopped'))) as StopNote).toMatchObject({
      how: 'abort',
      aborted: true,
      reason: 'STEP_TIMEOUT',
    });
  });

  it('a timed-out step is retried under its policy', async () => {
    const run = watch(setup().start(timeoutsRetry, 4));
    await probe.noted(note('flaky', 'started'));
    await clock.whenPending(1);
    await clock.advance(100);
    await run.until((e) => e.type === 'step.retry');
    await clock.advance(10);
    const { result, events } = await run.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe(40);
    assertOrdered(events, { complete: true });
    expect(ofType(events, 'step.error')).toEqual([
      expect.objectContaining({
        willRetry: true,
        error: expect.objectContaining({ code: 'STEP_TIMEOUT' }) as unknown,
      }),
    ]);
  });

  it('the step timeout counts running time, not time spent queued behind maxConcurrency', async () => {
    const run = watch(setup({ maxConcurrency: 1 }).start(timeoutsQueued, 1));
    await probe.noted(note('a', 'started'));
    await clock.whenPending(1);
    expect(probe.notes.some(note('b', 'started'))).toBe(false);
    // `a` runs 90 ms while `b` waits its turn.
    await clock.advance(90);
    probe.open('a');
    await probe.noted(note('b', 'started'));
    await clock.whenPending(1);
    // 180 ms after the run began, `b` has run for 90: not timed out.
    await clock.advance(90);
    expect(run.events.some((e) => e.type === 'step.error')).toBe(false);
    // 100 ms after `b` started, it is.
    await clock.advance(10);
    const { result, events } = await run.done;
    expect(result.error?.code).toBe('STEP_TIMEOUT');
    assertOrdered(events);
    expect(events.find(isStep('step.end', 'a'))).toBeDefined();
    expect(events.find(isStep('step.start', 'b'))).toMatchObject({ time: 90 });
    expect(events.find(isStep('step.error', 'b'))).toMatchObject({
      time: 190,
      error: { code: 'STEP_TIMEOUT' },
    });
  });

  it('map items: each item’s timeout runs from its own start, not from the map’s', async () => {
    const run = watch(setup().start(timeoutsMap, [1, 2, 3]));
    for (const i of [0, 1, 2]) {
      await probe.noted(note('items', 'started', i));
      await clock.whenPending(1);
      await clock.advance(90);
      probe.open(`items${i}`);
    }
    const { result, events } = await run.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual([1, 2, 3]);
    assertOrdered(events, { complete: true });
    expect(clock.now()).toBe(270);
  });

  it('map items: an item that overruns is timed out', async () => {
    const run = watch(setup().start(timeoutsMap, [1, 2]));
    await probe.noted(note('items', 'started', 0));
    await clock.whenPending(1);
    await clock.advance(100);
    const { result, events } = await run.done;
    expect(result.error?.code).toBe('STEP_TIMEOUT');
    expect(result.error?.data).toMatchObject({ index: 0 });
    assertOrdered(events);
    expect(probe.notes.some(note('items', 'started', 1))).toBe(false);
  });

  it('sub-pipeline timeout: STEP_TIMEOUT after timeoutMs of the whole sub-pipeline; its inner work is cancelled', async () => {
    const run = watch(setup().start(timeoutsSub, 1));
    await probe.noted(note('innerWait', 'started'));
    await clock.advance(99);
    expect(run.events.some((e) => e.type === 'step.error')).toBe(false);
    await clock.advance(1);
    const { result, events } = await run.done;
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('STEP_TIMEOUT');
    assertOrdered(events);
    const error = events.find((e) => isStep('step.error', 'box')(e) && e.path.length === 0);
    expect(error).toMatchObject({
      time: 100,
      error: { code: 'STEP_TIMEOUT', data: { timeoutMs: 100 } },
      willRetry: false,
    });
    expect(events.some(isStep('step.start', 'after'))).toBe(false);
    expect((await probe.noted(note('innerWait', 'stopped'))) as StopNote).toMatchObject({
      how: 'abort',
      aborted: true,
      reason: 'STEP_TIMEOUT',
    });
  });

  it('a sub-pipeline that ends in time is not timed out, and leaves no timer behind', async () => {
    const run = watch(setup().start(timeoutsSub, 1));
    await probe.noted(note('innerWait', 'started'));
    await clock.advance(60);
    probe.open('innerWait');
    const { result, events } = await run.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe(20);
    assertOrdered(events, { complete: true });
    expect(clock.pending).toBe(0);
  });
});
