import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerExitInfo } from '../dist/index.js';
import { crashMap, hog, lateCrash, plusOne, whereAmI } from './dist/fixtures/pipelines.js';
import { rig, runIt, stats, type Rig } from './support.js';

/** A promise of the next worker exits, fed by the onWorkerExit hook. */
function exits(): {
  readonly hook: (info: WorkerExitInfo) => void;
  next(): Promise<WorkerExitInfo>;
  readonly seen: WorkerExitInfo[];
} {
  const seen: WorkerExitInfo[] = [];
  let waiters: ((i: WorkerExitInfo) => void)[] = [];
  return {
    seen,
    hook(info) {
      seen.push(info);
      const ws = waiters;
      waiters = [];
      for (const w of ws) w(info);
    },
    next: () => new Promise<WorkerExitInfo>((r) => waiters.push(r)),
  };
}

describe('supervision', () => {
  let r: Rig | undefined;
  afterEach(async () => r?.close());

  it('replaces a worker killed mid-map: the crashing item is retried by its policy, no other item is lost', async () => {
    const x = exits();
    r = rig({ threads: 2, onWorkerExit: x.hook });
    const items = Array.from({ length: 40 }, (_, i) => i);
    const run = await runIt<number[]>(r.engine, crashMap, { items, crashAt: 13 });
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual(items.map((i) => i * 10));
    // Exactly one item failed, with the crash, and was retried; every item reported once as done.
    const errors = run.of('step.error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error.code).toBe('WORKER_CRASHED');
    expect(errors[0]!.willRetry).toBe(true);
    expect(run.of('step.retry').map((e) => e.reason)).toEqual([
      expect.stringMatching(/^item 13: the worker running step "times" died/),
    ]);
    const done = run
      .of('map.item')
      .filter((e) => e.ok)
      .map((e) => e.index);
    expect([...done].sort((a, b) => a - b)).toEqual(items);
    expect(run.result.metrics.workerRestarts).toBe(1);
    expect(x.seen).toEqual([expect.objectContaining({ reason: 'crashed', failed: 1 })]);
    expect(x.seen[0]!.message).toMatch(/exit/i);
  });

  it('fails a step over its memory cap with QUOTA_EXCEEDED and recycles the worker', async () => {
    const x = exits();
    r = rig({ threads: 1, maxOldGenerationSizeMb: 24, onWorkerExit: x.hook });
    const run = await runIt(r.engine, hog);
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe('QUOTA_EXCEEDED');
    expect(run.result.error?.message).toMatch(/memory cap \(24 MB\)/);
    expect(run.result.error?.retryable).toBe(false);
    expect(x.seen).toEqual([expect.objectContaining({ reason: 'memory', failed: 1, retried: 0 })]);
    // The replacement worker serves the next run.
    const after = await r.engine.execute<number[]>(plusOne, [1, 2, 3]);
    expect(after.output).toEqual([2, 3, 4]);
    // Finish metrics are per run: the restart is the failed run's, not the next one's.
    expect(run.result.metrics.workerRestarts).toBe(1);
    expect(after.metrics.workerRestarts).toBe(0);
    expect(after.metrics.bytesMoved).toBeGreaterThan(0);
    expect((await stats(r.engine)).workerRestarts).toBe(1);
  });

  it('replaces a worker that dies outside any step; the run it served is not affected', async () => {
    const x = exits();
    r = rig({ threads: 1, onWorkerExit: x.hook });
    const died = x.next();
    const first = await r.engine.execute(lateCrash);
    expect(first.status).toBe('succeeded');
    const info = await died;
    expect(info).toMatchObject({ worker: 0, reason: 'crashed', failed: 0 });
    expect(info.message).toMatch(/thrown outside any step/);
    const next = await r.engine.execute<{ isMainThread: boolean }>(whereAmI);
    expect(next.status).toBe('succeeded');
    expect(next.output?.isMainThread).toBe(false);
    expect((await stats(r.engine)).workerRestarts).toBe(1);
  });
});
