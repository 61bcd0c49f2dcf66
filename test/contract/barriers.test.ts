// Joins: ALL and ANY barriers, losers of an ANY race cancelled and reported, skipped parents, barrier
// timeouts (on a simulated clock) and the barrier metrics of the finish event.
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, type Engine, type RunEvent } from '@weft/core';
import {
  barriersAll,
  barriersAny,
  barriersAnyDeep,
  barriersAnyMap,
  barriersAnyRouted,
  barriersSkipAll,
  barriersSkipAny,
  barriersTimeout,
  barriersTimeoutHandled,
} from '../dist/fixtures/barriers.js';
import { createProbe, type Probe } from '../dist/fixtures/scheduling-probe.js';
import { ORCHESTRATORS, engineFor } from './matrix.js';
import { assertOrdered, ofType, watch } from './ordering.js';

const stopped = (step: string) => (n: unknown) =>
  (n as { step?: string; phase?: string }).step === step && (n as { phase?: string }).phase === 'stopped';
const started = (step: string) => (n: unknown) =>
  (n as { step?: string; phase?: string }).step === step && (n as { phase?: string }).phase === 'started';
const isStep = (type: RunEvent['type'], step: string) => (e: RunEvent) =>
  e.type === type && 'step' in e && e.step === step && e.path.length === 0;

describe.each(ORCHESTRATORS)('barriers on %s', (name) => {
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

  it('ALL: the join waits for every parent, then runs once with every output', async () => {
    const run = watch(setup().start(barriersAll, 1));
    await run.until((e) => e.type === 'barrier.wait' && e.from === 'fast');
    await probe.noted(started('slow'));
    expect(run.events.some(isStep('step.start', 'both'))).toBe(false);
    probe.open('slow');
    const { result, events } = await run.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ fast: 'fast:1', slow: 'slow:1' });
    assertOrdered(events, { complete: true });
    expect(events.filter(isStep('step.start', 'both'))).toHaveLength(1);
    const release = events.findIndex(isStep('barrier.release', 'both'));
    expect(events.findIndex(isStep('step.end', 'slow'))).toBeLessThan(release);
    expect(events.findIndex(isStep('step.start', 'both'))).toBeGreaterThan(release);
    expect(events[release]).toMatchObject({ join: 'all', skipped: false });
    expect(ofType(events, 'barrier.wait').map((e) => [e.from, e.arrived, e.expected])).toEqual([
      ['fast', 1, 2],
      ['slow', 2, 2],
    ]);
  });

  it('ANY: the first parent releases the join; the loser is cancelled (it sees ctx.signal), reported, and its other successors skipped', async () => {
    const run = watch(setup().start(barriersAny, 7));
    await probe.noted(started('fast'));
    await probe.noted(started('slow'));
    probe.open('fast');
    const { result, events } = await run.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ first: 'first got fast:7' });
    assertOrdered(events, { complete: true });
    const release = events.find(isStep('barrier.release', 'first'));
    expect(release).toMatchObject({ join: 'any', arrived: ['fast'], skipped: false });
    const cancelled = events.find(isStep('step.error', 'slow')) as Extract<RunEvent, { type: 'step.error' }>;
    expect(cancelled.error.code).toBe('STEP_CANCELLED');
    expect(cancelled.willRetry).toBe(false);
    expect(events.some(isStep('step.end', 'slow'))).toBe(false);
    expect(events.find(isStep('step.skip', 'afterSlow'))).toBeDefined();
    expect(events.filter(isStep('step.start', 'first'))).toHaveLength(1);
    const note = (await probe.noted(stopped('slow'))) as {
      how: string;
      aborted: boolean;
      cancelled: boolean;
    };
    expect(note).toMatchObject({ how: 'abort', aborted: true, cancelled: true });
  });

  it('ANY: a losing parent that has not started yet never runs', async () => {
    const run = watch(setup().start(barriersAnyDeep, 3));
    await run.until(isStep('step.end', 'first'));
    await probe.noted(started('slowHead'));
    probe.open('slowHead');
    const { result, events } = await run.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe('first got fast:3');
    assertOrdered(events, { complete: true });
    expect(events.some(isStep('step.start', 'slowTail'))).toBe(false);
    expect(events.find(isStep('step.skip', 'slowTail'))).toBeDefined();
    expect(probe.notes.some((n) => (n as { step?: string }).step === 'slowTail')).toBe(false);
  });

  it('ANY: a losing map is cancelled with its items', async () => {
    const run = watch(setup().start(barriersAnyMap, [1, 2, 3, 4]));
    await probe.noted(started('items'));
    await probe.noted(started('fast'));
    probe.open('fast');
    const { result, events } = await run.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe('fast:1,2,3,4');
    assertOrdered(events, { complete: true });
    const mapError = events.find(
      (e) => isStep('step.error', 'items')(e) && (e as { index?: number }).index === undefined,
    ) as Extract<RunEvent, { type: 'step.error' }>;
    expect(mapError?.error.code).toBe('STEP_CANCELLED');
    expect(events.some(isStep('step.end', 'items'))).toBe(false);
    // Every item that started was cancelled; items 2 and 3 were never dispatched (concurrency 2).
    const began = probe.notes.filter(started('items')).map((n) => (n as { index: number }).index);
    expect(began.length).toBeGreaterThan(0);
    for (const index of began) {
      expect(index).toBeLessThan(2);
      const note = (await probe.noted(
        (n) => stopped('items')(n) && (n as { index?: number }).index === index,
      )) as { how: string };
      expect(note.how).toBe('abort');
    }
    expect(probe.notes.some((n) => ((n as { index?: number }).index ?? -1) >= 2)).toBe(false);
  });

  describe('skipped parents', () => {
    it('ALL with one parent skipped: the join runs with the other parent’s output', async () => {
      const run = watch(setup().start(barriersSkipAll, { skipLeft: true, skipRight: false }));
      await run.until(isStep('step.skip', 'left'));
      probe.open('right');
      const { result, events } = await run.done;
      expect(result.output).toEqual({ after: { right: 'R' } });
      assertOrdered(events, { complete: true });
      expect(events.find(isStep('barrier.release', 'join'))).toMatchObject({ skipped: false });
      expect(
        [
          ...(
            events.find(isStep('barrier.release', 'join')) as Extract<RunEvent, { type: 'barrier.release' }>
          ).arrived,
        ].sort(),
      ).toEqual(['left', 'right']);
    });

    it('ALL with every parent skipped: the join and its descendants are skipped', async () => {
      const { result, events } = await watch(
        setup().start(barriersSkipAll, { skipLeft: true, skipRight: true }),
      ).done;
      expect(result.status).toBe('succeeded');
      assertOrdered(events, { complete: true });
      expect(events.find(isStep('barrier.release', 'join'))).toMatchObject({ skipped: true });
      expect(events.some(isStep('step.start', 'join'))).toBe(false);
      const skips = events.filter((e) => e.type === 'step.skip').map((e) => (e as { step: string }).step);
      expect(skips.slice(0, 2).sort()).toEqual(['left', 'right']);
      expect(skips.slice(2)).toEqual(['join', 'after']);
    });

    it('ANY whose first arrival is a skip: the join waits for a parent with an output', async () => {
      const run = watch(setup().start(barriersSkipAny, { skipLeft: true, skipRight: false }));
      await run.until((e) => e.type === 'barrier.wait' && e.from === 'left');
      expect(run.events.some((e) => e.type === 'barrier.release')).toBe(false);
      probe.open('right');
      const { result, events } = await run.done;
      expect(result.output).toEqual({ after: 'R' });
      assertOrdered(events, { complete: true });
      expect(events.find(isStep('barrier.release', 'join'))).toMatchObject({ join: 'any', skipped: false });
    });

    it('ANY with every parent skipped: the join is skipped', async () => {
      const { result, events } = await watch(
        setup().start(barriersSkipAny, { skipLeft: true, skipRight: true }),
      ).done;
      expect(result.status).toBe('succeeded');
      assertOrdered(events, { complete: true });
      expect(events.find(isStep('barrier.release', 'join'))).toMatchObject({ skipped: true });
      expect(events.find(isStep('step.skip', 'after'))).toBeDefined();
    });
  });

  describe('barrier timeout (simulated clock)', () => {
    it('fails the join with BARRIER_TIMEOUT once the time since the first arrival passes, and cancels the missing parent', async () => {
      const clock = new SimulatedClock();
      const run = watch(setup(clock).start(barriersTimeout, 1));
      await run.until((e) => e.type === 'barrier.wait' && e.from === 'fast');
      await probe.noted(started('slow'));
      await clock.advance(49);
      expect(run.events.some((e) => e.type === 'barrier.timeout')).toBe(false);
      await clock.advance(1);
      const { result, events } = await run.done;
      expect(result.status).toBe('failed');
      expect(result.error?.code).toBe('BARRIER_TIMEOUT');
      expect(result.error?.data).toMatchObject({ arrived: ['fast'], missing: ['slow'] });
      assertOrdered(events);
      const timeout = events.find(isStep('barrier.timeout', 'join'));
      expect(timeout).toMatchObject({ arrived: ['fast'], missing: ['slow'], time: 50 });
      expect(events.some((e) => e.type === 'barrier.release')).toBe(false);
      expect(events.some(isStep('step.start', 'join'))).toBe(false);
      const note = (await probe.noted(stopped('slow'))) as { how: string };
      expect(note.how).toBe('abort');
    });

    it('a join whose error handler recovers from the timeout goes on; the late parent is cancelled, not waited for', async () => {
      const clock = new SimulatedClock();
      const run = watch(setup(clock).start(barriersTimeoutHandled, 1));
      await run.until((e) => e.type === 'barrier.wait' && e.from === 'fast');
      await probe.noted(started('slow'));
      await clock.advance(50);
      await run.until(isStep('step.end', 'join'));
      // Were `slow` still running, this would let it arrive at a join that is gone.
      probe.open('slow');
      const { result, events } = await run.done;
      expect(result.status).toBe('succeeded');
      expect(result.output).toEqual({ recovered: 'BARRIER_TIMEOUT' });
      assertOrdered(events, { complete: true });
      const note = (await probe.noted(stopped('slow'))) as { how: string; aborted: boolean };
      expect(note).toMatchObject({ how: 'abort', aborted: true });
      expect(events.some(isStep('step.end', 'slow'))).toBe(false);
    });
  });

  it('ANY with parents next() can bypass: a barrier holding only skips is skipped once nothing can arrive', async () => {
    const e = setup();
    const direct = await watch(e.start(barriersAnyRouted, 'direct')).done;
    expect(direct.result.status).toBe('succeeded');
    expect(direct.result.output).toBe('s4 got s0:direct');
    assertOrdered(direct.events, { complete: true });
    expect(direct.events.filter(isStep('step.end', 's4'))).toHaveLength(1);
    expect(direct.events.find(isStep('barrier.release', 's4'))).toMatchObject({
      join: 'any',
      arrived: ['s2'],
      skipped: true,
    });
    const viaS3 = await watch(e.start(barriersAnyRouted, 'via-s3')).done;
    expect(viaS3.result.status).toBe('succeeded');
    expect(viaS3.result.output).toBe('s4 got s3:via-s3');
    assertOrdered(viaS3.events, { complete: true });
    const plain = await watch(e.start(barriersAnyRouted, 'x')).done;
    expect(plain.result.output).toBe('s4 got s2:x');
  });

  it('barrier metrics: waits counted and timed from the first arrival to the release', async () => {
    const clock = new SimulatedClock();
    const run = watch(setup(clock).start(barriersAll, 1));
    await run.until((e) => e.type === 'barrier.wait' && e.from === 'fast');
    await probe.noted(started('slow'));
    await clock.advance(30);
    probe.open('slow');
    const { result, events } = await run.done;
    assertOrdered(events, { complete: true });
    expect(events.find(isStep('barrier.release', 'both'))).toMatchObject({ waitedMs: 30 });
    expect(result.metrics.barrierWaits).toEqual({ both: { count: 1, totalMs: 30, maxMs: 30 } });
  });
});
