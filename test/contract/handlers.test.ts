import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, isWeftError, type Engine } from '@weft/core';
import {
  guarded,
  handled,
  journal,
  nodeHandlers,
  unhandled,
  wrapped,
  type HandlerPlan,
} from '../dist/fixtures/handlers.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { runIt } from './control-support.js';

describe.each(ORCHESTRATORS)('error handlers and middleware on %s', (name: OrchestratorName) => {
  let engine: Engine | undefined;
  let clock: SimulatedClock;
  const make = (): Engine => {
    clock = new SimulatedClock();
    engine = engineFor(name, { clock, random: () => 0 });
    return engine;
  };
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });
  const runPlan = (plan: HandlerPlan) => runIt(make(), handled, plan, {}, clock);

  describe('error handlers', () => {
    it('lets the step handler recover with an output, once the attempts are spent', async () => {
      const run = await runPlan({ step: 'recover', pipeline: 'none', raise: 'weft' });
      expect(run.result.status).toBe('succeeded');
      const recovered = {
        recoveredBy: 'step',
        code: 'QUOTA_EXCEEDED',
        message: 'weft failure on attempt 2',
        attempt: 2,
        step: 'work',
      };
      expect(run.result.output).toEqual({ tail: { after: recovered } });
      expect(run.of('step.error').map((e) => [e.attempt, e.willRetry])).toEqual([
        [1, true],
        [2, false],
      ]);
      expect(run.of('step.end').find((e) => e.step === 'work')?.output).toEqual(recovered);
      expect(run.trace.indexOf('step.error:work')).toBeLessThan(run.trace.indexOf('step.end:work'));
    });

    it('passes a rethrown error to the pipeline handler, which may recover', async () => {
      const run = await runPlan({ step: 'rethrow', pipeline: 'recover', raise: 'weft' });
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toEqual({
        tail: {
          after: {
            recoveredBy: 'pipeline',
            code: 'QUOTA_EXCEEDED',
            message: 'weft failure on attempt 2',
            step: 'work',
          },
        },
      });
    });

    it('fails with the original error, code and data, when every handler rethrows it', async () => {
      const run = await runPlan({ step: 'rethrow', pipeline: 'rethrow', raise: 'weft' });
      expect(run.result.status).toBe('failed');
      expect(run.result.error).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        message: 'weft failure on attempt 2',
        data: { attempt: 2 },
      });
      expect(run.trace).not.toContain('step.start:after');
    });

    it('keeps a plain error as STEP_FAILED with its original code when rethrown', async () => {
      const run = await runPlan({ step: 'rethrow', pipeline: 'rethrow', raise: 'plain' });
      expect(run.result.status).toBe('failed');
      expect(run.result.error).toMatchObject({
        code: 'STEP_FAILED',
        message: 'plain failure on attempt 1',
        data: { originalCode: 'EPIPE' },
      });
      expect(run.of('step.error')).toHaveLength(1);
    });

    it('turns a handler that throws a non-Weft error into HOOK_FAILED, keeping the thrown error as cause', async () => {
      const run = await runPlan({ step: 'throw-plain', pipeline: 'rethrow', raise: 'weft' });
      expect(run.result.status).toBe('failed');
      const error = run.result.error!;
      expect(error.code).toBe('HOOK_FAILED');
      expect(error.message).toBe('error handler of step "work" failed: step handler bug');
      expect(error.data).toMatchObject({ step: 'work', handling: 'QUOTA_EXCEEDED' });
      expect((error.cause as Error).message).toBe('step handler bug');
    });

    it('hands the HOOK_FAILED of a broken step handler to the pipeline handler', async () => {
      const run = await runPlan({ step: 'throw-plain', pipeline: 'recover', raise: 'weft' });
      expect(run.result.output).toEqual({
        tail: {
          after: {
            recoveredBy: 'pipeline',
            code: 'HOOK_FAILED',
            message: 'error handler of step "work" failed: step handler bug',
            step: 'work',
          },
        },
      });
    });

    it('reports a broken pipeline handler as HOOK_FAILED', async () => {
      const run = await runPlan({ step: 'rethrow', pipeline: 'throw-plain', raise: 'weft' });
      expect(run.result.error).toMatchObject({
        code: 'HOOK_FAILED',
        message: 'error handler of step "work" failed: pipeline handler bug',
      });
    });

    it('keeps the code of a Weft error thrown by a handler', async () => {
      const run = await runPlan({ step: 'throw-weft', pipeline: 'rethrow', raise: 'weft' });
      expect(run.result.error).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        message: 'step handler says: over quota',
      });
      expect(isWeftError(run.result.error)).toBe(true);
    });

    it('awaits an async handler', async () => {
      const run = await runPlan({ step: 'async-recover', pipeline: 'none', raise: 'weft' });
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toEqual({
        tail: { after: { recoveredBy: 'async step handler', code: 'QUOTA_EXCEEDED' } },
      });
    });

    it('lets a handler return a control result: skip()', async () => {
      const run = await runPlan({ step: 'skip', pipeline: 'none', raise: 'weft' });
      expect(run.result.status).toBe('succeeded');
      expect(run.of('step.skip').map((e) => [e.step, e.reason])).toEqual([
        ['work', 'handler skipped it'],
        ['after', 'parent "work" was skipped'],
        ['tail', 'parent "after" was skipped'],
      ]);
    });

    it('lets a handler return a control result: next()', async () => {
      const run = await runPlan({ step: 'route', pipeline: 'none', raise: 'weft' });
      expect(run.result.output).toEqual({
        fallback: { fallback: { from: 'handler', code: 'QUOTA_EXCEEDED' } },
      });
      expect(run.of('step.skip').map((e) => e.step)).toEqual(['after', 'tail']);
    });

    it('fails by default when no handler is declared', async () => {
      const run = await runIt(make(), unhandled);
      expect(run.result.status).toBe('failed');
      expect(run.result.error).toMatchObject({ code: 'QUOTA_EXCEEDED', message: 'nobody handles this' });
    });

    it('lets the handlers of a map node and of a sub node recover their failures', async () => {
      const run = await runIt(make(), nodeHandlers, [1, 2, 3, 4]);
      expect(run.result.status).toBe('succeeded');
      expect(run.result.outputs['each']).toEqual({ mapFailedAt: 2, message: 'three is bad' });
      expect(run.result.output).toEqual({ subFailed: 'QUOTA_EXCEEDED', message: 'inner failed' });
      // The failing item reports its error on its map.item, then the map node its own step.error (which the handler recovers).
      expect(run.of('map.item').find((e) => !e.ok)?.error?.message).toBe('three is bad');
      expect(run.of('step.error').map((e) => [e.path.join('/'), e.step])).toEqual([
        ['', 'each'],
        ['inner', 'explode'],
        ['', 'inner'],
      ]);
    });
  });

  describe('middleware', () => {
    it('wraps every step invocation in order, sees input, output, error and attempt, and may change the outcome', async () => {
      const run = await runIt(make(), wrapped, 'world', { runId: 'mw-1' }, clock);
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toBe('ECHO RECOVERED BY MIDDLEWARE');
      expect(journal.take('mw-1')).toEqual([
        ['outer:before', 'greet', 1, 'world'],
        ['second:before', 'greet', 1, 'world'],
        ['second:after', 'greet', 'HELLO WORLD'],
        ['outer:after', 'greet', 'HELLO WORLD'],
        ['outer:before', 'flaky', 1, 'HELLO WORLD'],
        ['second:before', 'flaky', 1, 'HELLO WORLD'],
        ['second:error', 'flaky', 'QUOTA_EXCEEDED', 'flaky once'],
        ['outer:error', 'flaky', 'QUOTA_EXCEEDED', 'flaky once'],
        ['outer:before', 'flaky', 2, 'HELLO WORLD'],
        ['second:before', 'flaky', 2, 'HELLO WORLD'],
        ['second:after', 'flaky', 'HELLO WORLD'],
        ['outer:after', 'flaky', 'HELLO WORLD'],
        ['outer:before', 'fragile', 1, 'HELLO WORLD'],
        ['second:before', 'fragile', 1, 'HELLO WORLD'],
        ['second:after', 'fragile', 'recovered by middleware'],
        ['outer:after', 'fragile', 'recovered by middleware'],
        // Inside the sub-pipeline: the run's middleware first, then the inner pipeline's own.
        ['outer:before', 'nested/echo', 1, 'recovered by middleware'],
        ['second:before', 'nested/echo', 1, 'recovered by middleware'],
        ['inner:before', 'nested/echo', 1, 'recovered by middleware'],
        ['inner:after', 'nested/echo', 'echo recovered by middleware'],
        ['second:after', 'nested/echo', 'ECHO RECOVERED BY MIDDLEWARE'],
        ['outer:after', 'nested/echo', 'ECHO RECOVERED BY MIDDLEWARE'],
      ]);
      expect(run.of('step.error').map((e) => e.step)).toEqual(['flaky']);
      expect(run.of('step.end').find((e) => e.step === 'greet')?.output).toBe('HELLO WORLD');
    });

    it('fails the step with the error a middleware throws', async () => {
      const run = await runIt(make(), guarded, 'x');
      expect(run.result.status).toBe('failed');
      expect(run.result.error).toMatchObject({ code: 'QUOTA_EXCEEDED', message: 'middleware refused' });
      expect(run.of('step.error').map((e) => e.step)).toEqual(['secret']);
    });
  });
});
