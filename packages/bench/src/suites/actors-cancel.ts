import { setTimeout as sleep } from 'node:timers/promises';
import { WeftError, serializeError } from '@weft/core';
import { type Task, type TaskHooks } from '@weft/core/orchestrator';
import { createWorkersOrchestrator } from '@weft/actors';
import { piscinaPool } from './actors-shared.js';
import type { Suite } from '../suite.js';

const FIXTURES = new URL('./actors-fixtures.js', import.meta.url).href;

/** A step task of the `actors-cancellable` pipeline, as the engine would hand it to the orchestrator. */
function task(id: number, node: 'loop' | 'tiny', signal: AbortSignal, input?: unknown): Task {
  return {
    id,
    runId: 'bench-cancel',
    path: [],
    node,
    kind: 'step',
    ref: { module: FIXTURES, pipeline: 'actors-cancellable', export: node },
    input,
    attempt: 1,
    state: {},
    params: {},
    placement: 'worker',
    version: null,
    signal,
  };
}

const quiet: Omit<TaskHooks, 'started'> = {
  tokens: () => undefined,
  checkpoint: () => undefined,
  item: () => undefined,
};

/**
 * Cancelling a running CPU loop: Weft's cooperative path (a SharedArrayBuffer flag the loop polls;
 * the worker stays) against piscina's AbortSignal (the worker is terminated and replaced). Each
 * call starts the loop, waits until it runs, aborts, and times abort → the task's promise settles;
 * `next task ms` is the time of the next tiny task on the same pool.
 */
export const actorsCancelSuite: Suite = {
  name: 'actors-cancel',
  description:
    'cancel a running CPU loop: Weft cooperative (worker reused) vs piscina abort (worker replaced)',
  async setup() {
    const orchestrator = createWorkersOrchestrator({ threads: 1 });
    let ids = 0;
    const idle = new AbortController().signal;
    const tiny = async (): Promise<number> => {
      const t = performance.now();
      const out = await orchestrator.run(task(++ids, 'tiny', idle, 1), {
        started: () => undefined,
        ...quiet,
      });
      if (!out.ok || out.value !== 2) throw new Error(`tiny task failed: ${JSON.stringify(out)}`);
      return performance.now() - t;
    };
    for (let i = 0; i < 4; i++) await tiny();
    const pool = piscinaPool(1);
    await pool.run({ op: 'plus', x: 1 });
    return {
      unit: 'cancel',
      baseline: 'piscina abort',
      params: { threads: 1, pollEvery: '1,000 rounds (~2 µs)' },
      cases: [
        {
          name: 'piscina abort',
          description: 'pool.run({ signal }) of an endless loop, aborted 2 ms after it was posted',
          units: 1,
          async run() {
            const ac = new AbortController();
            const p = pool.run({ op: 'forever' }, { signal: ac.signal }).then(
              () => 'resolved',
              () => 'rejected',
            );
            await sleep(2);
            const t = performance.now();
            ac.abort();
            if ((await p) !== 'rejected') throw new Error('piscina: the endless task did not reject');
            const durationMs = performance.now() - t;
            const n = performance.now();
            await pool.run({ op: 'plus', x: 1 });
            return { durationMs, metrics: { 'next task ms': performance.now() - n } };
          },
        },
        {
          name: 'weft cooperative cancel',
          description:
            'orchestrator.run of a step polling ctx.cancelled, aborted once the worker said it began',
          units: 1,
          async run() {
            const ac = new AbortController();
            let began!: () => void;
            const started = new Promise<void>((r) => (began = r));
            const before = orchestrator.stats().workerRestarts;
            const p = orchestrator.run(task(++ids, 'loop', ac.signal), { started: () => began(), ...quiet });
            await started;
            const t = performance.now();
            ac.abort(serializeError(new WeftError('STEP_CANCELLED', 'bench cancel')));
            const out = await p;
            const durationMs = performance.now() - t;
            if (out.ok || out.error.code !== 'STEP_CANCELLED')
              throw new Error(`weft: the loop did not end cancelled: ${JSON.stringify(out)}`);
            const nextMs = await tiny();
            if (orchestrator.stats().workerRestarts !== before)
              throw new Error('weft: the worker was not reused');
            return { durationMs, metrics: { 'next task ms': nextMs, 'worker reused': 1 } };
          },
        },
      ],
      targets: [
        {
          case: 'weft cooperative cancel',
          metric: 'usPerUnit',
          max: 1000,
          label: 'issue 3: a cooperative cancel of a CPU loop settles in ≤ 1 ms, worker reused',
        },
      ],
      async teardown() {
        await orchestrator.close();
        await pool.destroy();
      },
    };
  },
};
