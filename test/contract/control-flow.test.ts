import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, isWeftError, type Engine } from '@weft/core';
import {
  badRoute,
  fanRoute,
  itemControls,
  looping,
  retrier,
  retryNoPolicy,
  routing,
  skipper,
  stopRace,
  stopper,
  thrower,
  typoRoute,
  updater,
  type ThrowKind,
} from '../dist/fixtures/control-flow.js';
import { createTestHost, type TestHost } from '../dist/fixtures/control-host.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { runIt } from './control-support.js';

describe.each(ORCHESTRATORS)('control results on %s', (name: OrchestratorName) => {
  let engine: Engine | undefined;
  let h: TestHost;
  const make = (clock?: SimulatedClock): Engine => {
    h = createTestHost();
    engine = engineFor(name, { services: h.services, random: () => 0, ...(clock ? { clock } : {}) });
    return engine;
  };
  afterEach(async () => {
    h.openAll();
    await engine?.close();
    engine = undefined;
  });

  describe('next()', () => {
    it('routes to a step chosen at run time, passing its own input when it gives no output', async () => {
      const run = await runIt(make(), routing, { target: 'small', value: 4, withOutput: false });
      expect(run.result.status).toBe('succeeded');
      expect(run.result.outputs['small']).toEqual({
        small: { target: 'small', value: 4, withOutput: false },
      });
      expect(run.trace).not.toContain('step.start:big');
      // A step reached only by routes is not a static successor: it is not "skipped", it just never runs.
      expect(run.of('step.skip')).toEqual([]);
    });

    it('passes the output it names to the chosen step', async () => {
      const run = await runIt(make(), routing, { target: 'big', value: 21, withOutput: true });
      expect(run.result.outputs['big']).toEqual({ big: { doubled: 42 } });
      expect(run.result.outputs['classify']).toEqual({ doubled: 42 });
      expect(run.trace).not.toContain('step.start:small');
    });

    it('skips the static successors it did not choose, with their descendants', async () => {
      const run = await runIt(make(), fanRoute, { pick: ['c'] });
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toEqual({ c: 'c:chosen' });
      const skips = run.of('step.skip').map((e) => [e.step, e.reason]);
      expect(skips).toEqual(
        expect.arrayContaining([
          ['a', 'parent "fan" was skipped'],
          ['b', 'parent "fan" was skipped'],
          ['b2', 'parent "b" was skipped'],
        ]),
      );
      expect(skips).toHaveLength(3);
    });

    it('may choose several targets at once', async () => {
      const run = await runIt(make(), fanRoute, { pick: ['a', 'b'] });
      expect(run.result.output).toEqual({ a: 'a:chosen', b2: 'b2:b:chosen' });
      expect(run.of('step.skip').map((e) => e.step)).toEqual(['c']);
    });

    it('loops through routes, carrying output and state on each turn', async () => {
      const run = await runIt(make(), looping, 4);
      expect(run.result.status).toBe('succeeded');
      // `loop` has no static successor, so it is a leaf too: the run output holds both leaves.
      expect(run.result.output).toEqual({ loop: 4, done: 'looped 4 times' });
      expect(run.result.state).toEqual({ visits: [1, 2, 3, 4] });
      expect(run.of('step.end').filter((e) => e.step === 'loop')).toHaveLength(4);
    });

    it('fails with UNKNOWN_TARGET when it routes to a step that does not exist', async () => {
      const run = await runIt(make(), badRoute);
      expect(run.result.status).toBe('failed');
      expect(run.result.error?.code).toBe('UNKNOWN_TARGET');
      expect(run.result.error?.message).toContain('"nowhere"');
      expect(run.trace).not.toContain('step.start:end');
    });

    it('names the step it probably meant when the target is misspelt, as validation does', async () => {
      const run = await runIt(make(), typoRoute);
      expect(run.result.status).toBe('failed');
      expect(run.result.error?.code).toBe('UNKNOWN_TARGET');
      expect(run.result.error?.message).toContain('"edn"');
      expect(run.result.error?.message).toContain('did you mean "end"?');
      expect(run.trace).not.toContain('step.start:end');
    });
  });

  describe('stop()', () => {
    it('ends the run at once with its output and state patch', async () => {
      const run = await runIt(make(), stopper, 20);
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toEqual({ stoppedAt: 21 });
      expect(run.result.state).toEqual({ seen: 21 });
      expect(run.trace).not.toContain('step.start:last');
      expect(run.of('step.end').map((e) => e.step)).toEqual(['first', 'decide']);
      expect(run.of('run.finish')[0]?.status).toBe('succeeded');
    });

    it('lets the run continue when the step does not stop', async () => {
      const run = await runIt(make(), stopper, 1);
      expect(run.result.output).toEqual({ reached: 2 });
      expect(run.result.state).toEqual({ seen: 2 });
    });

    it('cancels a parallel branch still running', async () => {
      const running = runIt(make(), stopRace, 'go');
      // On a worker, a step dispatched but not yet begun is simply taken back when cancelled: let
      // `slow` reach its gate before `quick` stops the run.
      await h.arrived('slow');
      h.open('quick');
      const run = await running;
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toBe('quick stopped the run');
      expect(run.trace).not.toContain('step.end:slow');
      expect(run.trace).not.toContain('step.start:end');
    });
  });

  describe('skip()', () => {
    it('skips the step and its descendants; a join runs with the parents that were not skipped', async () => {
      const run = await runIt(make(), skipper, { skip: ['b'] });
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toEqual({ joined: ['c'] });
      expect(run.of('step.skip').map((e) => [e.step, e.reason])).toEqual([
        ['b', 'b told to skip'],
        ['b2', 'parent "b" was skipped'],
      ]);
      const release = run.of('barrier.release')[0];
      expect(release).toMatchObject({ step: 'join', skipped: false });
      expect([...(release?.arrived ?? [])].sort()).toEqual(['b2', 'c']);
      expect(run.result.metrics.steps['b']?.skips).toBe(1);
    });

    it('skips a join whose parents were all skipped, and what follows it', async () => {
      const run = await runIt(make(), skipper, { skip: ['b', 'c'] });
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toBeUndefined();
      const skips = run.of('step.skip').map((e) => [e.step, e.reason]);
      expect(skips).toEqual(
        expect.arrayContaining([
          ['b', 'b told to skip'],
          ['c', 'c told to skip'],
          ['b2', 'parent "b" was skipped'],
          ['join', 'every parent was skipped'],
          ['after', 'parent "join" was skipped'],
        ]),
      );
      expect(skips).toHaveLength(5);
      expect(run.of('barrier.release')[0]).toMatchObject({ step: 'join', skipped: true });
      expect(run.trace).not.toContain('step.start:join');
      expect(run.trace.indexOf('step.skip:join')).toBeLessThan(run.trace.indexOf('step.skip:after'));
    });
  });

  describe('retry()', () => {
    it('runs the step again under its retry policy until it is ready', async () => {
      const clock = new SimulatedClock();
      const run = await runIt(make(clock), retrier, 'job', {}, clock);
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toBe('job ready at 3');
      expect(h.count('poll')).toBe(3);
      expect(run.of('step.retry').map((e) => [e.attempt, e.delayMs])).toEqual([
        [2, 10],
        [3, 20],
      ]);
      expect(run.of('step.error').every((e) => e.willRetry && e.error.retryable)).toBe(true);
      expect(run.result.metrics.retries).toBe(2);
    });

    it('fails with STEP_FAILED when the step has no attempt left', async () => {
      const run = await runIt(make(), retryNoPolicy);
      expect(run.result.status).toBe('failed');
      expect(run.result.error?.code).toBe('STEP_FAILED');
      expect(run.result.error?.message).toContain('asked to be retried: never ready');
      expect(run.of('step.retry')).toEqual([]);
    });
  });

  describe('raised errors', () => {
    const cases: [
      ThrowKind,
      { code: string; name: string; message: string; retryable: boolean; data?: Record<string, unknown> },
    ][] = [
      ['plain', { code: 'STEP_FAILED', name: 'Error', message: 'plain failure', retryable: false }],
      ['type', { code: 'STEP_FAILED', name: 'TypeError', message: 'not a function', retryable: false }],
      [
        'coded',
        {
          code: 'STEP_FAILED',
          name: 'Error',
          message: 'socket hang up',
          retryable: false,
          data: { originalCode: 'ECONNRESET' },
        },
      ],
      [
        'weft',
        {
          code: 'QUOTA_EXCEEDED',
          name: 'WeftError',
          message: 'too many widgets',
          retryable: false,
          data: { limit: 3, used: 5 },
        },
      ],
      ['string', { code: 'STEP_FAILED', name: 'Error', message: 'a bare string', retryable: false }],
      ['retryable-plain', { code: 'STEP_FAILED', name: 'Error', message: 'try me again', retryable: true }],
    ];

    it.each(cases)('a step raising %s fails the run with a coded error', async (kind, want) => {
      const run = await runIt(make(), thrower, kind);
      expect(run.result.status).toBe('failed');
      const error = run.result.error!;
      expect(isWeftError(error)).toBe(true);
      expect({
        code: error.code,
        name: error.name,
        message: error.message,
        retryable: error.retryable,
      }).toEqual({
        code: want.code,
        name: want.name,
        message: want.message,
        retryable: want.retryable,
      });
      if (want.data) expect(error.data).toMatchObject(want.data);
      const stepError = run.of('step.error')[0]!;
      expect(stepError).toMatchObject({
        step: 'raise',
        attempt: 1,
        willRetry: false,
        error: { code: want.code, message: want.message },
      });
      const finish = run.of('run.finish')[0]!;
      expect(finish.error).toMatchObject({ code: want.code, message: want.message });
      expect(run.result.metrics.fatalErrors).toBe(1);
    });

    it('keeps the cause chain, codes included', async () => {
      const run = await runIt(make(), thrower, 'caused');
      const error = run.result.error!;
      expect(error.code).toBe('STEP_FAILED');
      const cause = error.cause as { code?: string; message?: string; retryable?: boolean };
      expect(isWeftError(cause)).toBe(true);
      expect(cause).toMatchObject({ code: 'STEP_TIMEOUT', message: 'inner timed out', retryable: true });
    });
  });

  describe('in map items', () => {
    it('applies update() per item and retries an item that returns retry()', async () => {
      const clock = new SimulatedClock();
      const items = [
        { n: 1, act: 'update' },
        { n: 2, act: 'retry' },
        { n: 3, act: 'update' },
        { n: 4, act: 'plain' },
      ];
      const run = await runIt(make(clock), itemControls, items, {}, clock);
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toEqual([2, 'retried 2', 6, 4]);
      expect(run.result.state).toEqual({ total: 4, seen: [1, 3] });
      expect(run.of('state.update').map((e) => e.step)).toEqual(['each', 'each']);
      expect(run.of('step.retry').map((e) => [e.attempt, e.delayMs, e.reason])).toEqual([
        [2, 7, 'item 1: item 1 of map "each" asked to be retried: item 2 warming up'],
      ]);
    });

    it('refuses the controls only a step can return', async () => {
      const run = await runIt(make(), itemControls, [
        { n: 1, act: 'plain' },
        { n: 2, act: 'next' },
      ]);
      expect(run.result.status).toBe('failed');
      expect(run.result.error?.code).toBe('STEP_FAILED');
      expect(run.result.error?.message).toContain('returned next(), which only a step can return');
      expect(run.result.error?.data['index']).toBe(1);
    });
  });

  describe('update()', () => {
    it('merges state patches with reducers; the next step sees the state as of its dispatch', async () => {
      const run = await runIt(make(), updater, 5);
      expect(run.result.status).toBe('succeeded');
      expect(run.result.state).toEqual({ total: 55, trail: ['one', 'two', 'saw 5'] });
      expect(run.result.output).toEqual({
        seenByTwo: { total: 5, trail: ['one'] },
        final: { total: 55, trail: ['one', 'two', 'saw 5'] },
      });
      expect(run.of('state.update').map((e) => [e.step, [...e.keys]])).toEqual([
        ['one', ['total', 'trail']],
        ['two', ['total', 'trail']],
      ]);
      expect(run.trace.indexOf('state.update:one')).toBeLessThan(run.trace.indexOf('step.end:one'));
    });
  });
});
