import { afterEach, describe, expect, it } from 'vitest';
import { ephemeralStore, type Engine, type Store, type WeftError } from '@weft/core';
import { createTestHost, type TestHost } from '../dist/fixtures/control-host.js';
import { approval, nestedSuspend, parallelSuspend, twoRounds, typed } from '../dist/fixtures/suspend.js';
import { approval as approvalV2 } from '../dist/fixtures/suspend-v2.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { observe, resumeIt, runIt } from './control-support.js';

async function rejection(p: Promise<unknown>): Promise<WeftError> {
  try {
    await p;
  } catch (e) {
    return e as WeftError;
  }
  throw new Error('expected a rejection');
}

describe.each(ORCHESTRATORS)('suspend and resume on %s', (name: OrchestratorName) => {
  let engine: Engine | undefined;
  let h: TestHost;
  let store: Store;
  const make = (): Engine => {
    h = createTestHost();
    store = ephemeralStore();
    engine = engineFor(name, { services: h.services, store });
    return engine;
  };
  afterEach(async () => {
    h.openAll();
    await engine?.close();
    engine = undefined;
  });

  it('ends the run `suspended` with the reason and data, and persists a snapshot', async () => {
    const run = await runIt(make(), approval, { title: 'Weft' }, { runId: 'run-1' });
    expect(run.result.status).toBe('suspended');
    expect(run.result.error).toBeUndefined();
    expect(run.result.output).toBeUndefined();
    const reason = {
      step: 'approve',
      reason: 'needs sign-off',
      data: {
        draft: 'Draft of Weft',
        state: {
          drafts: 1,
          notes: ['drafted'],
          meta: { nested: { list: [1, 2, 3], when: 'now' }, none: null },
        },
      },
    };
    expect(run.result.suspended).toEqual([reason]);
    expect(run.of('run.suspend')[0]?.reasons).toEqual([reason]);
    expect(run.trace.slice(-2)).toEqual(['run.suspend', 'run.finish']);
    expect(run.of('run.finish')[0]?.status).toBe('suspended');
    expect(run.trace).not.toContain('step.end:approve');
    expect(run.trace).not.toContain('step.start:publish');
    expect((await store.runs.get('run-1'))?.status).toBe('suspended');
    const snapshot = await store.runs.loadSnapshot('run-1');
    // The snapshot is the scheduler's state: the run's own execution holds the suspended step.
    expect(snapshot?.execs['root']?.suspended.map((s) => s.node)).toEqual(['approve']);
  });

  it('resumes from the persisted snapshot: the suspended step sees ctx.resume, completed steps do not rerun', async () => {
    const e = make();
    await runIt(e, approval, { title: 'Weft' }, { runId: 'run-2' });
    expect(h.count('draft')).toBe(1);
    const resumed = await resumeIt(e, approval, 'run-2', { approved: true, by: 'ada' });
    expect(resumed.result.status).toBe('succeeded');
    expect(resumed.result.runId).toBe('run-2');
    const state = {
      drafts: 1,
      notes: ['approved', 'drafted'],
      meta: { nested: { list: [1, 2, 3], when: 'now' }, none: null },
    };
    expect(resumed.result.output).toEqual({ published: true, by: 'ada', draft: 'Draft of Weft', state });
    expect(resumed.result.state).toEqual(state);
    // The state survived the msgpack round trip, and so did the completed step's output.
    expect(resumed.result.outputs['draft']).toEqual({ text: 'Draft of Weft', words: ['Weft', 'by', 'weft'] });
    expect((resumed.result.outputs['approve'] as { stateSeen: unknown }).stateSeen).toEqual({
      drafts: 1,
      notes: ['drafted'],
      meta: { nested: { list: [1, 2, 3], when: 'now' }, none: null },
    });
    expect([h.count('draft'), h.count('approve'), h.count('publish')]).toEqual([1, 2, 1]);
    expect(resumed.of('run.start')[0]?.resumed).toBe(true);
    expect(resumed.trace).not.toContain('step.start:draft');
    expect(resumed.trace.filter((t) => t.startsWith('step.end'))).toEqual([
      'step.end:approve',
      'step.end:publish',
    ]);
    expect((await store.runs.get('run-2'))?.status).toBe('succeeded');
    expect(await store.runs.loadSnapshot('run-2')).toBeUndefined();
  });

  it('resumes in another engine that shares the run store (a restart)', async () => {
    const first = make();
    await runIt(first, approval, { title: 'Restart' }, { runId: 'restart-1' });
    await first.close();
    engine = engineFor(name, { services: h.services, store });
    const resumed = await resumeIt(engine, approval, 'restart-1', { approved: true, by: 'later' });
    expect(resumed.result.status).toBe('succeeded');
    expect((resumed.result.output as { draft: string }).draft).toBe('Draft of Restart');
    expect([h.count('draft'), h.count('approve'), h.count('publish')]).toEqual([1, 2, 1]);
  });

  it('suspends again when the resumed step asks again, and resumes a second time', async () => {
    const e = make();
    const first = await runIt(e, twoRounds, 'doc', { runId: 'rounds' });
    expect(first.result.suspended.map((s) => s.reason)).toEqual(['round 1']);
    const second = await resumeIt(e, twoRounds, 'rounds', 'alice');
    expect(second.result.status).toBe('suspended');
    expect(second.result.suspended.map((s) => s.reason)).toEqual(['round 2']);
    expect(second.result.state).toEqual({ rounds: ['alice'] });
    const third = await resumeIt(e, twoRounds, 'rounds', 'bob');
    expect(third.result.status).toBe('succeeded');
    expect(third.result.output).toBe('doc after alice, bob');
    expect(h.count('review')).toBe(4);
  });

  it('keeps Map, Set, Date, BigInt and bytes intact through the persisted snapshot', async () => {
    const e = make();
    const first = await runIt(e, typed, { withFunction: false }, { runId: 'typed-1' });
    expect(first.result.status).toBe('suspended');
    expect(first.result.suspended[0]?.data).toEqual({ when: new Date(86_400_000) });
    const resumed = await resumeIt(e, typed, 'typed-1', 'ok');
    expect(resumed.result.status).toBe('succeeded');
    expect(resumed.result.output).toEqual({
      map: [['a', 1]],
      set: ['x', 'y'],
      date: '1970-01-02T00:00:00.000Z',
      big: String(2n ** 40n),
      bytes: [1, 2, 3],
    });
  });

  it('fails with NOT_SERIALIZABLE when what it suspends with cannot be persisted', async () => {
    const run = await runIt(make(), typed, { withFunction: true }, { runId: 'typed-2' });
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe('NOT_SERIALIZABLE');
    expect(run.trace).not.toContain('run.suspend');
    expect(run.of('run.finish')[0]?.status).toBe('failed');
    const error = await rejection(engine!.resume(typed, 'typed-2', 'ok'));
    expect(error.code).toBe('RUN_NOT_RESUMABLE');
  });

  it('refuses to resume an unknown run with RUN_NOT_FOUND', async () => {
    const error = await rejection(make().resume(approval, 'no-such-run', 1));
    expect(error.code).toBe('RUN_NOT_FOUND');
    expect(error.message).toContain('no-such-run');
  });

  it('refuses to resume a run that finished with RUN_NOT_RESUMABLE', async () => {
    const e = make();
    await runIt(e, approval, { title: 'x' }, { runId: 'run-3' });
    await resumeIt(e, approval, 'run-3', { approved: false, by: 'bo' });
    const error = await rejection(e.resume(approval, 'run-3', { approved: true, by: 'again' }));
    expect(error.code).toBe('RUN_NOT_RESUMABLE');
    expect(error.message).toContain('succeeded');
    expect(h.count('publish')).toBe(1);
  });

  it('refuses a second resume of the same suspended run while the first goes on', async () => {
    const e = make();
    await runIt(e, approval, { title: 'x' }, { runId: 'run-twice' });
    const results = await Promise.allSettled([
      e.resume(approval, 'run-twice', { approved: true, by: 'a' }),
      e.resume(approval, 'run-twice', { approved: true, by: 'b' }),
    ]);
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(accepted).toHaveLength(1);
    expect(refused.map((r) => (r.reason as WeftError).code)).toEqual(['RUN_NOT_RESUMABLE']);
    await accepted[0]!.value.result;
    expect(h.count('publish')).toBe(1);
  });

  it('refuses to resume with a changed pipeline with RUN_NOT_RESUMABLE', async () => {
    const e = make();
    await runIt(e, approval, { title: 'x' }, { runId: 'run-4' });
    const error = await rejection(e.resume(approvalV2, 'run-4', { approved: true, by: 'v2' }));
    expect(error.code).toBe('RUN_NOT_RESUMABLE');
    expect(error.data).toMatchObject({ expected: expect.any(String), got: expect.any(String) });
    // The run is still suspended and resumes with the pipeline it was suspended under.
    const resumed = await resumeIt(e, approval, 'run-4', { approved: true, by: 'v1' });
    expect(resumed.result.status).toBe('succeeded');
  });

  describe('inside a sub-pipeline', () => {
    it('suspends the whole run with the nested step in the reason, and resumes inside the sub-pipeline', async () => {
      const e = make();
      const run = await runIt(e, nestedSuspend, 'memo', { runId: 'nested' });
      expect(run.result.status).toBe('suspended');
      // A step inside a sub-pipeline is named by its qualified name.
      expect(run.result.suspended).toEqual([
        { step: 'review/sign', reason: 'signature needed', data: { doc: 'checked MEMO' } },
      ]);
      expect(run.of('run.suspend')[0]?.reasons).toEqual(run.result.suspended);
      expect(run.trace).not.toContain('step.end:review');
      const resumed = await resumeIt(e, nestedSuspend, 'nested', 'grace');
      expect(resumed.result.status).toBe('succeeded');
      expect(resumed.result.output).toEqual({
        shipped: { sealed: 'checked MEMO, signed by grace', path: ['review'], resume: null },
      });
      expect([h.count('prep'), h.count('check'), h.count('sign'), h.count('ship')]).toEqual([1, 1, 2, 1]);
      expect(resumed.trace.filter((t) => t.startsWith('step.end'))).toEqual([
        'step.end:review/sign',
        'step.end:review/seal',
        'step.end:review',
        'step.end:ship',
      ]);
    });
  });

  describe('in parallel branches', () => {
    it('lets the other branches finish, keeps their outputs at the join, and resumes only the suspended one', async () => {
      const e = make();
      // `left` suspends only once the map has ended: a run that is suspending starts no new step,
      // so a `left` that won the race against `items` would leave `square` unstarted.
      const input = { suspend: ['left'], items: [1, 2, 3], hold: true };
      const run = await observe(e.start(parallelSuspend, input, { runId: 'par-1' }), undefined, (ev) => {
        if (ev.type === 'step.end' && ev.step === 'square') h.open('left-suspends');
      });
      expect(run.result.status).toBe('suspended');
      expect(run.result.suspended).toEqual([
        { step: 'left', reason: 'left waits', data: { branch: 'left' } },
      ]);
      expect(run.result.state).toEqual({ done: ['square:1', 'square:2', 'square:3'] });
      expect(run.trace).toContain('step.end:right');
      expect(run.trace).toContain('step.end:square');
      expect(run.trace).not.toContain('step.start:join');
      const resumed = await resumeIt(e, parallelSuspend, 'par-1', 'go');
      expect(resumed.result.status).toBe('succeeded');
      expect(resumed.result.output).toEqual({
        left: { branch: 'left', resume: 'go' },
        right: { branch: 'right', resume: null },
        square: [1, 4, 9],
      });
      expect([h.count('left'), h.count('right'), h.count('square:1'), h.count('square:3')]).toEqual([
        2, 1, 1, 1,
      ]);
      expect(resumed.result.state).toEqual({ done: ['square:1', 'square:2', 'square:3'] });
      expect(resumed.trace.filter((t) => t.startsWith('step.start'))).toEqual([
        'step.start:left',
        'step.start:join',
      ]);
    });

    it('still retries a branch that fails while another branch suspends', async () => {
      const e = make();
      const run = await runIt(
        e,
        parallelSuspend,
        { suspend: ['left'], items: [], flaky: ['right'] },
        { runId: 'par-3' },
      );
      expect(run.result.status).toBe('suspended');
      expect(run.of('step.error').map((x) => [x.step, x.willRetry])).toEqual([['right', true]]);
      const resumed = await resumeIt(e, parallelSuspend, 'par-3', 'ok');
      expect(resumed.result.status).toBe('succeeded');
      expect(resumed.result.output).toEqual({
        left: { branch: 'left', resume: 'ok' },
        right: { branch: 'right', resume: null },
        square: [],
      });
      expect(h.count('right')).toBe(2);
    });

    it('gathers every branch that suspends; one resume value reaches them all', async () => {
      const e = make();
      const run = await runIt(
        e,
        parallelSuspend,
        { suspend: ['left', 'right'], items: [] },
        { runId: 'par-2' },
      );
      expect(run.result.status).toBe('suspended');
      expect(run.result.suspended.map((s) => s.step).sort()).toEqual(['left', 'right']);
      const resumed = await resumeIt(e, parallelSuspend, 'par-2', 'both');
      expect(resumed.result.output).toEqual({
        left: { branch: 'left', resume: 'both' },
        right: { branch: 'right', resume: 'both' },
        square: [],
      });
    });
  });
});
