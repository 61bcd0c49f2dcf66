import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, type Engine, type Observer, type RunEvent } from '@weft/core';
import { createTestHost, type TestHost } from '../dist/fixtures/control-host.js';
import { hooked, journal, shutdownFails, startupFails } from '../dist/fixtures/hooks.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { observe, resumeIt, runIt } from './control-support.js';

describe.each(ORCHESTRATORS)('run hooks and observers on %s', (name: OrchestratorName) => {
  let engine: Engine | undefined;
  let h: TestHost;
  let clock: SimulatedClock;
  const make = (observers: Observer[] = []): Engine => {
    h = createTestHost();
    clock = new SimulatedClock();
    engine = engineFor(name, { services: h.services, clock, observers });
    return engine;
  };
  afterEach(async () => {
    h.openAll();
    await engine?.close();
    engine = undefined;
  });
  /** Journals step starts from an event hook, so they interleave with what the hooks journal. */
  const stepStarts = (runId: string) => ({
    runId,
    on: { 'step.start': (e: RunEvent) => journal.add(runId, ['step.start', (e as { step: string }).step]) },
  });

  describe('startup and shutdown', () => {
    it('runs startup before the first step (with input and initial state) and shutdown at the end', async () => {
      const run = await runIt(make(), hooked, { mode: 'ok' }, stepStarts('ok-1'));
      expect(run.result.status).toBe('succeeded');
      expect(journal.take('ok-1')).toEqual([
        ['startup', { runId: 'ok-1', input: { mode: 'ok' }, state: { count: 5 }, resumed: false }],
        ['step.start', 'first'],
        ['step.start', 'middle'],
        ['step.start', 'last'],
        ['shutdown', { runId: 'ok-1', status: 'succeeded' }],
      ]);
    });

    it('runs shutdown when the run fails', async () => {
      const run = await runIt(make(), hooked, { mode: 'fail' }, { runId: 'fail-1' });
      expect(run.result.status).toBe('failed');
      expect(journal.take('fail-1').at(-1)).toEqual(['shutdown', { runId: 'fail-1', status: 'failed' }]);
    });

    it('runs shutdown when the run is cancelled', async () => {
      const handle = make().start(hooked, { mode: 'wait' }, { runId: 'cancel-1' });
      const done = observe(handle);
      await h.arrived('hold');
      handle.cancel('user left');
      const run = await done;
      expect(run.result.status).toBe('cancelled');
      expect(run.result.error?.code).toBe('RUN_CANCELLED');
      expect(journal.take('cancel-1').at(-1)).toEqual([
        'shutdown',
        { runId: 'cancel-1', status: 'cancelled' },
      ]);
    });

    it('runs shutdown when the run times out', async () => {
      const handle = make().start(hooked, { mode: 'wait' }, { runId: 'timeout-1', timeoutMs: 50 });
      const done = observe(handle);
      await h.arrived('hold');
      await clock.advance(50);
      const run = await done;
      expect(run.result.status).toBe('timedOut');
      expect(run.result.error?.code).toBe('RUN_TIMEOUT');
      expect(journal.take('timeout-1').at(-1)).toEqual([
        'shutdown',
        { runId: 'timeout-1', status: 'timedOut' },
      ]);
    });

    it('runs shutdown when the run suspends, and startup again (resumed, restored state) when it resumes', async () => {
      const e = make();
      const first = await runIt(e, hooked, { mode: 'suspend' }, { runId: 'susp-1' });
      expect(first.result.status).toBe('suspended');
      expect(journal.take('susp-1')).toEqual([
        ['startup', { runId: 'susp-1', input: { mode: 'suspend' }, state: { count: 5 }, resumed: false }],
        ['shutdown', { runId: 'susp-1', status: 'suspended' }],
      ]);
      const resumed = await resumeIt(e, hooked, 'susp-1', 'go');
      expect(resumed.result.status).toBe('succeeded');
      expect(resumed.result.state).toEqual({ count: 6 });
      expect(journal.take('susp-1')).toEqual([
        ['startup', { runId: 'susp-1', input: { mode: 'suspend' }, state: { count: 5 }, resumed: true }],
        ['shutdown', { runId: 'susp-1', status: 'succeeded' }],
      ]);
    });

    it('fails the run cleanly with HOOK_FAILED when startup fails: no step runs, shutdown still runs', async () => {
      const run = await runIt(make(), startupFails, { mode: 'ok' }, { runId: 'start-bad' });
      expect(run.result.status).toBe('failed');
      expect(run.result.error?.code).toBe('HOOK_FAILED');
      expect(run.result.error?.message).toBe('startup hook failed: no database');
      expect((run.result.error?.cause as Error).message).toBe('no database');
      expect(run.trace).toEqual(['run.start', 'run.finish']);
      expect(run.of('run.finish')[0]?.error?.code).toBe('HOOK_FAILED');
      expect(journal.take('start-bad')).toEqual([['startup'], ['shutdown', 'failed']]);
    });

    it('reports a failing shutdown hook as a HOOK_FAILED warning without changing the status', async () => {
      const run = await runIt(make(), shutdownFails, { mode: 'ok' });
      expect(run.result.status).toBe('succeeded');
      expect(run.of('warning').map((w) => [w.code, w.message])).toEqual([
        ['HOOK_FAILED', 'shutdown hook failed: could not close'],
      ]);
      expect(run.trace.slice(-2)).toEqual(['warning', 'run.finish']);
    });
  });

  describe('event hooks and observers', () => {
    it('calls RunOptions.on hooks with the events of their type, in stream order', async () => {
      const seen: [string, number][] = [];
      const run = await runIt(
        make(),
        hooked,
        { mode: 'ok' },
        {
          on: {
            'step.end': (e) => void seen.push([e.step, e.seq]),
            'run.finish': (e) => void seen.push([e.status, e.seq]),
          },
        },
      );
      expect(seen).toEqual([
        ...run.of('step.end').map((e): [string, number] => [e.step, e.seq]),
        ['succeeded', run.of('run.finish')[0]!.seq],
      ]);
    });

    it('feeds engine observers and run observers every event in order, engine observers first', async () => {
      const calls: string[] = [];
      const engineSeen: RunEvent[] = [];
      const runSeen: RunEvent[] = [];
      const e = make([{ onEvent: (ev) => void (engineSeen.push(ev), calls.push(`engine:${ev.seq}`)) }]);
      const run = await runIt(
        e,
        hooked,
        { mode: 'ok' },
        { observers: [{ onEvent: (ev) => void (runSeen.push(ev), calls.push(`run:${ev.seq}`)) }] },
      );
      expect(engineSeen).toEqual(run.events);
      expect(runSeen).toEqual(run.events);
      expect(calls.slice(0, 4)).toEqual(['engine:1', 'run:1', 'engine:2', 'run:2']);
    });

    it('turns an observer that throws into an OBSERVER_FAILED warning; the run and the observer go on', async () => {
      const seen: string[] = [];
      const flaky: Observer = {
        onEvent(ev) {
          seen.push(ev.type);
          if (ev.type === 'step.end' && ev.step === 'first') throw new Error('observer bug');
        },
      };
      const run = await runIt(make([flaky]), hooked, { mode: 'ok' });
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toEqual({ done: 'ok' });
      const warnings = run.of('warning');
      expect(warnings.map((w) => [w.code, w.message])).toEqual([
        ['OBSERVER_FAILED', 'observer failed on step.end: observer bug'],
      ]);
      expect(seen).toEqual(run.events.map((e) => e.type));
      expect(seen.at(-1)).toBe('run.finish');
    });

    it('survives an observer that throws on every event, without reporting its own warnings in a loop', async () => {
      const broken: Observer = {
        onEvent() {
          throw new Error('always broken');
        },
      };
      const run = await runIt(make([broken]), hooked, { mode: 'ok' });
      expect(run.result.status).toBe('succeeded');
      const warnings = run.of('warning');
      const others = run.events.filter((e) => e.type !== 'warning' && e.type !== 'run.finish');
      // One warning per event it failed on, none for the warnings themselves.
      expect(warnings).toHaveLength(others.length);
      expect(warnings.every((w) => w.code === 'OBSERVER_FAILED')).toBe(true);
      // Its failure on run.finish cannot be reported: nothing follows run.finish.
      expect(run.trace.at(-1)).toBe('run.finish');
      expect(run.of('run.finish')).toHaveLength(1);
    });

    it('treats a throwing event hook like a throwing observer', async () => {
      const run = await runIt(
        make(),
        hooked,
        { mode: 'ok' },
        {
          on: {
            'step.start': () => {
              throw new Error('hook bug');
            },
          },
        },
      );
      expect(run.result.status).toBe('succeeded');
      expect(run.of('warning').map((w) => w.message)).toEqual([
        'observer failed on step.start: hook bug',
        'observer failed on step.start: hook bug',
        'observer failed on step.start: hook bug',
      ]);
    });
  });
});
