// The optional parts of the orchestrator seam, as the runtime answers them: a chain task (Task.chain,
// TaskHooks.link) run fully, partly or not at all by a backend that declares `chains`, and a task
// restarted elsewhere (TaskHooks.restarted, the bullmq backend's).
import { describe, expect, it } from 'vitest';
import {
  createRegistry,
  pipeline,
  type Orchestrator,
  type OrchestratorCapabilities,
  type OrchestratorEntry,
  type Task,
  type TaskHooks,
  type TaskOutcome,
} from '../src/index.js';
import { DirectOrchestrator } from '../src/orchestrator/direct.js';
import { createTestHarness } from '../src/testing/index.js';

const caps: OrchestratorCapabilities = {
  blocking: true,
  detached: true,
  durable: false,
  parallel: false,
  chains: true,
};

/** A backend running tasks like `direct`, with `around` deciding what else it does with each. */
function entry(
  name: string,
  around: (inner: Orchestrator, task: Task, hooks: TaskHooks) => Promise<TaskOutcome>,
): OrchestratorEntry {
  return {
    name,
    description: 'a test backend',
    capabilities: caps,
    create: (ctx): Orchestrator => {
      const inner = new DirectOrchestrator(ctx.services);
      return {
        name,
        capabilities: caps,
        parallelism: inner.parallelism,
        defaultChunkSize: inner.defaultChunkSize,
        run: (task, hooks) => around(inner, task, hooks),
        stats: () => inner.stats(),
        close: () => inner.close(),
      };
    },
  };
}

function harness(e: OrchestratorEntry) {
  return createTestHarness({ registry: createRegistry().register(e), orchestrator: e.name });
}

const line = pipeline<number>('hooks-line', { module: import.meta.url })
  .step('a', (n: number) => n + 1, { to: 'b' })
  .step('b', (n: number) => n * 10, { to: 'c' })
  .step('c', (n: number) => n - 3, { to: 'd' })
  .step('d', (n: number) => ({ final: n }))
  .build();

/** Each step once, started and ended in order, one invocation each. */
function expectLine(run: Awaited<ReturnType<ReturnType<typeof harness>['run']>>): void {
  expect(run.result.status).toBe('succeeded');
  expect(run.result.output).toEqual({ final: 17 });
  expect(run.ended).toEqual(['a', 'b', 'c', 'd']);
  expect(run.of('step.start').map((e) => e.step)).toEqual(['a', 'b', 'c', 'd']);
  expect(run.result.metrics.tasks).toBe(4);
}

describe('chain tasks', () => {
  it('runs the steps a backend ignored as ordinary tasks (it declared chains, ran the first only)', async () => {
    const chains: (readonly string[])[] = [];
    const h = harness(
      entry('ignores-chains', (inner, task, hooks) => {
        if (task.chain) chains.push(task.chain.map((c) => c.node));
        const { chain: _c, ...plain } = task;
        return inner.run(plain, hooks);
      }),
    );
    expectLine(await h.run(line, 1));
    // The run was quiet at every step: each sent the rest of the line along.
    expect(chains).toEqual([['b', 'c', 'd'], ['c', 'd'], ['d']]);
    await h.close();
  });

  it('takes the steps a backend ran ahead, and sends the ones it stopped before', async () => {
    const reported: string[] = [];
    const h = harness(
      entry('runs-two', async (inner, task, hooks) => {
        if (!task.chain) return inner.run(task, hooks);
        // Runs the task's own step and the first of its chain, reports both, then stops.
        const { chain, ...first } = task;
        const o0 = await inner.run(first, hooks);
        reported.push(task.node);
        hooks.link!(0, o0);
        if (!o0.ok) return { ok: true, value: null };
        const link = chain[0]!;
        const next = { ...first, node: link.node, ref: link.ref, params: link.params, input: o0.value };
        const o1 = await inner.run(next, hooks);
        reported.push(link.node);
        hooks.link!(1, o1);
        return { ok: true, value: null };
      }),
    );
    expectLine(await h.run(line, 1));
    // a+b ran as one task, then c (sent with d as its chain) ran c+d.
    expect(reported).toEqual(['a', 'b', 'c', 'd']);
    await h.close();
  });

  it('gives a chain step that fails its error, and the rest of the line never runs', async () => {
    const failing = pipeline<number>('hooks-failing', { module: import.meta.url })
      .step('a', (n: number) => n + 1, { to: 'b' })
      .step(
        'b',
        () => {
          throw new Error('b broke');
        },
        { to: 'c' },
      )
      .step('c', (n: number) => n)
      .build();
    const h = harness(
      entry('runs-all', async (inner, task, hooks) => {
        if (!task.chain) return inner.run(task, hooks);
        const { chain, ...first } = task;
        let current: Task = first;
        for (let k = 0; ; k++) {
          const o = await inner.run(current, hooks);
          hooks.link!(k, o);
          const link = chain[k];
          if (!o.ok || !link) return { ok: true, value: null };
          current = { ...first, node: link.node, ref: link.ref, params: link.params, input: o.value };
        }
      }),
    );
    const run = await h.run(failing, 1);
    expect(run.result.status).toBe('failed');
    expect(run.result.error).toMatchObject({ code: 'STEP_FAILED', message: 'b broke' });
    expect(run.of('step.start').map((e) => e.step)).toEqual(['a', 'b']);
    await h.close();
  });
});

describe('a task restarted elsewhere', () => {
  it('is told as a WORKER_CRASHED warning of its step; the run goes on', async () => {
    const h = harness(
      entry('restarts', (inner, task, hooks) => {
        if (task.node === 'b')
          (hooks as TaskHooks & { restarted(i: { reason: string; message: string }): void }).restarted({
            reason: 'worker-lost',
            message: 'the worker running step "b" was lost',
          });
        return inner.run(task, hooks);
      }),
    );
    const run = await h.run(line, 1);
    expectLine(run);
    expect(run.of('warning')).toEqual([
      expect.objectContaining({
        code: 'WORKER_CRASHED',
        step: 'b',
        message: 'the worker running step "b" was lost (worker-lost)',
      }),
    ]);
    await h.close();
  });
});
