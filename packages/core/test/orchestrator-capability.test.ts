// The entry points check what a backend declares: `start` (and `resume`) need `detached`, `execute`
// needs `blocking`. A backend that lacks one is refused up front with ORCHESTRATOR_CAPABILITY.
import { describe, expect, it } from 'vitest';
import { createEngine, createRegistry, pipeline } from '../src/index.js';
import {
  type Orchestrator,
  type OrchestratorCapabilities,
  type OrchestratorEntry,
} from '../src/orchestrator/index.js';
import { DirectOrchestrator } from '../src/orchestrator/direct.js';

/** A plugin entry that runs steps like `direct` but declares only the given capabilities. */
function fakeEntry(name: string, capabilities: OrchestratorCapabilities): OrchestratorEntry {
  return {
    name,
    description: 'a test backend',
    capabilities,
    create: (ctx): Orchestrator => {
      const inner = new DirectOrchestrator(ctx.services);
      return {
        name,
        capabilities,
        parallelism: inner.parallelism,
        defaultChunkSize: inner.defaultChunkSize,
        run: (task, hooks) => inner.run(task, hooks),
        stats: () => inner.stats(),
        close: () => inner.close(),
      };
    },
  };
}

const double = pipeline<number>('capability-double')
  .step('double', (n: number) => n * 2)
  .build();
const none = { blocking: false, detached: false, durable: false, parallel: false };

describe('orchestrator capabilities', () => {
  it('refuses start() on a backend that cannot run detached, and runs execute()', async () => {
    const registry = createRegistry().register(fakeEntry('blocking-only', { ...none, blocking: true }));
    const engine = createEngine({ registry, orchestrator: 'blocking-only' });
    expect(() => engine.start(double, 2)).toThrow(
      expect.objectContaining({
        code: 'ORCHESTRATOR_CAPABILITY',
        data: { orchestrator: 'blocking-only', capability: 'detached', entry: 'start' },
      }),
    );
    await expect(engine.resume(double, 'some-run')).rejects.toMatchObject({
      code: 'ORCHESTRATOR_CAPABILITY',
      data: { capability: 'detached', entry: 'resume' },
    });
    const result = await engine.execute(double, 2);
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe(4);
    await engine.close();
  });

  it('refuses execute() on a backend that cannot block, and runs start()', async () => {
    const registry = createRegistry().register(fakeEntry('detached-only', { ...none, detached: true }));
    const engine = createEngine({ registry, orchestrator: 'detached-only' });
    expect(() => engine.execute(double, 2)).toThrow(
      expect.objectContaining({
        code: 'ORCHESTRATOR_CAPABILITY',
        data: { orchestrator: 'detached-only', capability: 'blocking', entry: 'execute' },
      }),
    );
    const result = await engine.start(double, 3).result;
    expect(result.output).toBe(6);
    await engine.close();
  });

  it('checks an orchestrator instance passed directly too', () => {
    const o = fakeEntry('nothing', none).create({ services: {}, options: {} });
    const engine = createEngine({ orchestrator: o });
    expect(() => engine.execute(double, 1)).toThrow(
      expect.objectContaining({ code: 'ORCHESTRATOR_CAPABILITY' }),
    );
    expect(() => engine.start(double, 1)).toThrow(
      expect.objectContaining({ code: 'ORCHESTRATOR_CAPABILITY' }),
    );
  });
});
