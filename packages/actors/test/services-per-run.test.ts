// WorkersOptions.servicesPerRun: a step's ctx.host is services[runId] on the main thread, so one pool
// serves runs whose host services differ (how a `weft worker` forwards each run's calls to its
// coordinator).
import { describe, expect, it } from 'vitest';

describe('services per run', () => {
  it("routes each step's host calls to its own run's services", async () => {
    const { createWorkersOrchestrator } = await import('../dist/index.js');
    const calc = (tag: string) => ({
      add: async (a: number, b: number) => a + b + (tag === 'r2' ? 100 : 0),
      fail: async (m: string) => {
        throw new Error(`${tag} ${m}`);
      },
    });
    const services: Record<string, unknown> = { r1: { calc: calc('r1') }, r2: { calc: calc('r2') } };
    const orchestrator = createWorkersOrchestrator({ threads: 1, servicesPerRun: true }, services);
    const hooks = {
      started: () => undefined,
      tokens: () => undefined,
      checkpoint: () => undefined,
      item: () => undefined,
    };
    const module = new URL('./dist/fixtures/pipelines.js', import.meta.url).href;
    const task = (id: number, runId: string, node: 'add' | 'fail', input: number) => ({
      id,
      runId,
      path: [],
      node,
      kind: 'step' as const,
      ref: { module, pipeline: 'host-calls', export: node },
      input,
      attempt: 1,
      state: {},
      params: {},
      placement: 'worker' as const,
      version: null,
      signal: new AbortController().signal,
    });
    try {
      const [a, b, c] = await Promise.all([
        orchestrator.run(task(1, 'r1', 'add', 1), hooks),
        orchestrator.run(task(2, 'r2', 'add', 1), hooks),
        orchestrator.run(task(3, 'r2', 'fail', 5), hooks),
      ]);
      expect(a).toEqual({ ok: true, value: 2 });
      expect(b).toEqual({ ok: true, value: 102 });
      expect(c).toEqual({ ok: true, value: 'caught: r2 no 5' });
    } finally {
      await orchestrator.close();
    }
  });
});
