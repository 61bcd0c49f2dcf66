// Cancellation: by AbortSignal (RunOptions.signal) and by handle.cancel(). The run ends `cancelled` with
// RUN_CANCELLED after one run.cancel event; steps in flight see ctx.signal and ctx.cancelled; nothing
// happens after the finish event, even when a step ignores the cancellation and returns later.
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, type Engine, type RunEvent } from '@weft/core';
import {
  cancelBackoff,
  cancelLoop,
  cancelMap,
  cancelStream,
  cancelStubborn,
  cancelSub,
  cancelWait,
  type StopNote,
} from '../dist/fixtures/cancel.js';
import { createProbe, type Probe } from '../dist/fixtures/scheduling-probe.js';
import { ORCHESTRATORS, engineFor } from './matrix.js';
import { assertOrdered, collect, ofType, watch } from './ordering.js';

const note = (step: string, phase: string, index?: number) => (n: unknown) => {
  const x = n as { step?: string; phase?: string; index?: number };
  return x.step === step && x.phase === phase && (index === undefined || x.index === index);
};

/** The cancellation tail every cancelled stream ends with. */
function expectCancelledTail(events: readonly RunEvent[], reason: string): void {
  assertOrdered(events);
  const cancels = ofType(events, 'run.cancel');
  expect(cancels).toHaveLength(1);
  expect(cancels[0]!.reason).toBe(reason);
  expect(events[events.length - 2]!.type).toBe('run.cancel');
  expect(events[events.length - 1]).toMatchObject({
    type: 'run.finish',
    status: 'cancelled',
    error: { code: 'RUN_CANCELLED' },
  });
}

describe.each(ORCHESTRATORS)('cancellation on %s', (name) => {
  let engine: Engine | undefined;
  let probe: Probe;
  afterEach(async () => {
    probe?.openAll();
    await engine?.close();
    engine = undefined;
  });
  const setup = (clock?: SimulatedClock): Engine => {
    probe = createProbe({ policy: 'now' });
    engine = engineFor(name, { services: probe.services, ...(clock ? { clock } : {}) });
    return engine;
  };

  it('an AbortSignal cancels the run; the step in flight sees ctx.signal and ctx.cancelled', async () => {
    const controller = new AbortController();
    const run = watch(setup().start(cancelWait, 1, { signal: controller.signal }));
    await probe.noted(note('wait', 'started'));
    controller.abort('the client went away');
    const { result, events } = await run.done;
    expect(result.status).toBe('cancelled');
    expect(result.error?.code).toBe('RUN_CANCELLED');
    expect(result.error?.message).toMatch(/the client went away/);
    expectCancelledTail(events, 'the client went away');
    expect(events.some((e) => e.type === 'step.start' && e.step === 'after')).toBe(false);
    const stop = (await probe.noted(note('wait', 'stopped'))) as StopNote;
    expect(stop).toMatchObject({ how: 'abort', aborted: true, cancelled: true, reason: 'RUN_CANCELLED' });
  });

  it('handle.cancel() does the same, with its reason', async () => {
    const handle = setup().start(cancelWait, 1);
    const run = watch(handle);
    await probe.noted(note('wait', 'started'));
    handle.cancel('enough');
    const { result, events } = await run.done;
    expect(result.status).toBe('cancelled');
    expectCancelledTail(events, 'enough');
    expect(((await probe.noted(note('wait', 'stopped'))) as StopNote).how).toBe('abort');
  });

  it('a signal aborted before the start: start, cancel, finish, and no step runs', async () => {
    const { result, events } = await collect(
      setup().start(cancelWait, 1, { signal: AbortSignal.abort('too late') }),
    );
    expect(result.status).toBe('cancelled');
    expect(events.map((e) => e.type)).toEqual(['run.start', 'run.cancel', 'run.finish']);
    expectCancelledTail(events, 'too late');
    expect(probe.notes).toEqual([]);
  });

  it('a cooperative loop sees ctx.cancelled flip and throwIfCancelled() throws STEP_CANCELLED', async () => {
    const handle = setup().start(cancelLoop, 1);
    const run = watch(handle);
    await probe.noted((n) => (n as { slices?: number }).slices === 3);
    handle.cancel('stop spinning');
    const { result, events } = await run.done;
    expect(result.status).toBe('cancelled');
    expectCancelledTail(events, 'stop spinning');
    const threw = (await probe.noted(note('spin', 'threw'))) as { code: string };
    expect(threw.code).toBe('STEP_CANCELLED');
  });

  it('a map: the items in flight see the cancellation and no further item starts', async () => {
    const handle = setup().start(cancelMap, [1, 2, 3, 4, 5, 6]);
    const run = watch(handle);
    await probe.noted(note('items', 'started', 0));
    await probe.noted(note('items', 'started', 1));
    handle.cancel('map cancelled');
    const { result, events } = await run.done;
    expect(result.status).toBe('cancelled');
    expectCancelledTail(events, 'map cancelled');
    for (const i of [0, 1])
      expect(((await probe.noted(note('items', 'stopped', i))) as StopNote).how).toBe('abort');
    expect(probe.notes.filter((n) => (n as { phase?: string }).phase === 'started')).toHaveLength(2);
    expect(ofType(events, 'map.item')).toHaveLength(0);
  });

  it('a sub-pipeline: its step in flight sees the cancellation', async () => {
    const handle = setup().start(cancelSub, 1);
    const run = watch(handle);
    await probe.noted(note('innerWait', 'started'));
    handle.cancel('sub cancelled');
    const { result, events } = await run.done;
    expect(result.status).toBe('cancelled');
    expectCancelledTail(events, 'sub cancelled');
    expect(((await probe.noted(note('innerWait', 'stopped'))) as StopNote).how).toBe('abort');
  });

  it('a streaming step stops yielding; no token after the finish', async () => {
    const handle = setup().start(cancelStream, 1);
    const run = watch(handle);
    await run.until((e) => e.type === 'token' && (e.tokens as number[]).includes(2));
    handle.cancel('stream cancelled');
    const { result, events } = await run.done;
    expect(result.status).toBe('cancelled');
    expectCancelledTail(events, 'stream cancelled');
    const stopped = (await probe.noted(note('talk', 'stopped'))) as { k: number; cancelled: boolean };
    expect(stopped.cancelled).toBe(true);
    const tokens = ofType(events, 'token').flatMap((t) => t.tokens as number[]);
    expect(tokens).toEqual(Array.from({ length: tokens.length }, (_, i) => i));
    expect(tokens.length).toBeLessThanOrEqual(stopped.k);
  });

  it('a step that ignores the cancellation and returns later changes nothing after the finish', async () => {
    const handle = setup().start(cancelStubborn, 1);
    const run = watch(handle);
    await probe.noted(note('stubborn', 'started'));
    handle.cancel('not waiting');
    const { result, events } = await run.done;
    expect(result.status).toBe('cancelled');
    const count = events.length;
    probe.open('stubborn');
    const returned = (await probe.noted(note('stubborn', 'returned'))) as { cancelled: boolean };
    expect(returned.cancelled).toBe(true);
    // The late return is dropped: same stream, same result, no error raised anywhere.
    expect(run.events).toHaveLength(count);
    expectCancelledTail(events, 'not waiting');
    expect((await handle.result).status).toBe('cancelled');
  });

  it('cancelling again, or after the end, is a no-op', async () => {
    const controller = new AbortController();
    const handle = setup().start(cancelWait, 1, { signal: controller.signal });
    const run = watch(handle);
    await probe.noted(note('wait', 'started'));
    handle.cancel('first');
    handle.cancel('second');
    controller.abort('third');
    const { events } = await run.done;
    expectCancelledTail(events, 'first');
  });

  it('a finished run cannot be cancelled', async () => {
    setup();
    probe.open('wait');
    const controller = new AbortController();
    const handle = engine!.start(cancelWait, 1, { signal: controller.signal });
    const { result, events } = await collect(handle);
    expect(result.status).toBe('succeeded');
    handle.cancel('after the end');
    controller.abort('after the end');
    expect((await handle.result).status).toBe('succeeded');
    expect(events.some((e) => e.type === 'run.cancel')).toBe(false);
    assertOrdered(events, { complete: true });
  });

  it('a retry waiting for its backoff is dropped by the cancellation', async () => {
    const clock = new SimulatedClock();
    const handle = setup(clock).start(cancelBackoff, 1);
    const run = watch(handle);
    await run.until((e) => e.type === 'step.retry');
    handle.cancel('no more attempts');
    const { result, events } = await run.done;
    expect(result.status).toBe('cancelled');
    expectCancelledTail(events, 'no more attempts');
    await clock.advance(10_000);
    expect(probe.notes.filter(note('flaky', 'attempt'))).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });
});
