// WorkersOptions.servicesPerRun: a step's ctx.host is services[runId] on the main thread, so one pool
// serves runs whose host services differ (how a `weft worker` forwards each run's calls to its
// coordinator).
import { MessageChannel } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

/** A full GC on demand (what `--expose-gc` gives), to collect comlink's unused proxies now. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

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

  it('keeps serving host calls once the GC collected the unused proxies of the worker (comlink RELEASE)', async () => {
    const { hostProxy, runHostProxy } = await import('../dist/worker/host-proxy.js');
    const { nodeEndpoint } = await import('../dist/shared/endpoint.js');
    const { expose, finalizer } = await import('comlink');
    const { port1, port2 } = new MessageChannel();
    let released = false;
    // The main thread's side, as a WorkerHandle sets it up; comlink calls [finalizer] on RELEASE.
    const services = {
      r1: { calc: { add: async (a: number, b: number) => a + b } },
      [finalizer]: () => (released = true),
    };
    expose(services, nodeEndpoint(port1));
    // The worker's side with servicesPerRun, as StepHost builds it: a host with no names, and the per-run proxy.
    const host = hostProxy(port2, []);
    const ofRun = runHostProxy(port2);
    const calc = (): { add(a: number, b: number): Promise<number> } =>
      (ofRun('r1') as { calc: { add(a: number, b: number): Promise<number> } }).calc;
    try {
      expect(await calc().add(1, 2)).toBe(3);
      // Collect until a sentinel registered after every proxy above was finalized: comlink's
      // finalizers (registered earlier) have run by then, and a RELEASE they sent is on the port.
      let sentinelGone = false;
      const registry = new FinalizationRegistry(() => (sentinelGone = true));
      registry.register({}, 'sentinel');
      while (!sentinelGone) {
        collectGarbage();
        await new Promise((r) => setImmediate(r));
      }
      // Still served: the RELEASE never came (it unhooked the port and this call waited forever).
      expect(await calc().add(2, 3)).toBe(5);
      expect(released).toBe(false);
      expect(Object.keys(host)).toEqual([]);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
