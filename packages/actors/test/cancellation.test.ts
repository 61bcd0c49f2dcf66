import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerExitInfo } from '../dist/index.js';
import { cooperative, plusOne, signalled, stubborn, whereAmI } from './dist/fixtures/pipelines.js';
import { rig, stats, type Rig } from './support.js';

describe('cancellation', () => {
  let r: Rig | undefined;
  afterEach(async () => r?.close());

  it('stops a CPU loop that polls ctx.cancelled without losing its worker', async () => {
    r = rig({ threads: 1 });
    const before = await r.engine.execute<{ threadId: number }>(whereAmI);
    const handle = r.engine.start(cooperative);
    await r.host.logged('looping');
    handle.cancel('enough');
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    expect(result.error?.code).toBe('RUN_CANCELLED');
    const after = await r.engine.execute<{ threadId: number }>(whereAmI);
    expect(after.output?.threadId).toBe(before.output?.threadId);
    expect((await stats(r.engine)).workerRestarts).toBe(0);
  });

  it('aborts ctx.signal inside the worker', async () => {
    r = rig({ threads: 1 });
    const handle = r.engine.start(signalled);
    await r.host.logged('waiting');
    handle.cancel('stop waiting');
    expect((await handle.result).status).toBe('cancelled');
    await r.host.logged('aborted: run cancelled: stop waiting');
  });

  it('terminates a step that ignores cancellation after the grace period; the other task on its worker is retried, not lost', async () => {
    const exits: WorkerExitInfo[] = [];
    let exited!: () => void;
    const gone = new Promise<void>((resolve) => (exited = resolve));
    r = rig({
      threads: 1,
      tasksPerThread: 2,
      cancelGraceMs: 50,
      onWorkerExit: (i) => (exits.push(i), exited()),
    });
    const spinning = r.engine.start(stubborn);
    await r.host.logged('spinning');
    // A second run's task lands on the same (only) worker, behind the spinning step.
    const bystander = r.engine.start<number[]>(plusOne, [1, 2, 3]);
    const events = bystander.events();
    for await (const e of events) if (e.type === 'step.start') break;
    spinning.cancel('give up');
    const cancelled = await spinning.result;
    expect(cancelled.status).toBe('cancelled');
    await gone;
    expect(exits).toEqual([expect.objectContaining({ reason: 'killed', retried: 1, failed: 0 })]);
    const result = await bystander.result;
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual([2, 3, 4]);
    expect(result.metrics.workerRestarts).toBe(1);
  });
});

describe('a signal shared by many tasks', () => {
  it('gets one abort listener, however many tasks wait on it, and aborting it cancels them all', async () => {
    const { createWorkersOrchestrator } = await import('../dist/index.js');
    const { createTestHost } = await import('./dist/fixtures/host.js');
    const host = createTestHost();
    const orchestrator = createWorkersOrchestrator({ threads: 2 }, host.services);
    const controller = new AbortController();
    const hooks = {
      started: () => undefined,
      tokens: () => undefined,
      checkpoint: () => undefined,
      item: () => undefined,
    };
    const ref = {
      module: new URL('./dist/fixtures/pipelines.js', import.meta.url).href,
      pipeline: 'cooperative',
      export: 'loop',
    };
    const task = (id: number) =>
      ({
        id,
        runId: 'shared',
        path: [],
        node: 'loop',
        kind: 'step',
        ref,
        input: null,
        attempt: 1,
        state: {},
        params: {},
        placement: 'worker',
        version: null,
        signal: controller.signal,
      }) as const;
    try {
      const outcomes = [1, 2, 3].map((id) => orchestrator.run(task(id), hooks));
      await host.logged('looping');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      controller.abort(new Error('all of them'));
      const settled = await Promise.all(outcomes);
      expect(settled.map((o) => o.ok)).toEqual([false, false, false]);
    } finally {
      host.openAll();
      await orchestrator.close();
    }
  });
});

describe('a task whose engine cancel source is already cancelled', () => {
  it('fails at once with the source’s reason, without reaching a worker', async () => {
    const { serializeError, WeftError } = await import('@weft/core');
    const { LazyAbortController } = await import('@weft/core/orchestrator');
    const { createWorkersOrchestrator } = await import('../dist/index.js');
    const orchestrator = createWorkersOrchestrator({ threads: 1 });
    const cancel = new LazyAbortController();
    cancel.abort(serializeError(new WeftError('RUN_TIMEOUT', 'too late')));
    const hooks = {
      started: () => undefined,
      tokens: () => undefined,
      checkpoint: () => undefined,
      item: () => undefined,
    };
    const ref = {
      module: new URL('./dist/fixtures/pipelines.js', import.meta.url).href,
      pipeline: 'cooperative',
      export: 'loop',
    };
    try {
      const task = {
        id: 1,
        runId: 'late',
        path: [],
        node: 'loop',
        kind: 'step',
        ref,
        input: null,
        attempt: 1,
        state: {},
        params: {},
        placement: 'worker',
        version: null,
        cancel,
        get signal() {
          return cancel.signal;
        },
      } as const;
      const outcome = await orchestrator.run(task, hooks);
      expect(outcome).toMatchObject({ ok: false, error: { code: 'RUN_TIMEOUT', message: 'too late' } });
      expect(orchestrator.stats().extra?.['dispatches']).toBe(0);
    } finally {
      await orchestrator.close();
    }
  });
});
