import { afterEach, describe, expect, it } from 'vitest';
import { isMainThread } from 'node:worker_threads';
import { createEngine as createCoreEngine } from '@weft/core';
import { createEngine, createRegistry, workersEntry } from '../dist/index.js';
import { inline, placement, whereAmI } from './dist/fixtures/pipelines.js';
import { rig, type Rig } from './support.js';

describe('placement', () => {
  let r: Rig | undefined;
  afterEach(async () => r?.close());

  it('runs steps on worker threads by default and `placement: main` steps on the main thread', async () => {
    r = rig();
    const result = await r.engine.execute<{
      worker: { isMainThread: boolean };
      main: { isMainThread: boolean };
    }>(placement);
    expect(result.status).toBe('succeeded');
    expect(result.output?.worker.isMainThread).toBe(false);
    expect(result.output?.main.isMainThread).toBe(true);
  });

  it('runs a pipeline without a module on the main thread (its steps cannot be found elsewhere)', async () => {
    r = rig();
    const result = await r.engine.execute(inline);
    expect(result.output).toEqual({ isMainThread: true });
  });

  it('runs harness overrides in-process', async () => {
    r = rig();
    const result = await r.engine.execute(whereAmI, undefined, {
      overrides: { where: () => ({ isMainThread, overridden: true }) },
    });
    expect(result.output).toEqual({ isMainThread: true, overridden: true });
  });

  it('makes workers the default of @weft/actors and registers it next to direct', async () => {
    const registry = createRegistry();
    expect(
      registry
        .list()
        .map((e) => e.name)
        .sort(),
    ).toEqual(['direct', 'workers']);
    expect(workersEntry.capabilities.parallel).toBe(true);
    const engine = createEngine({ orchestratorOptions: { threads: 1 } });
    try {
      const result = await engine.execute(whereAmI);
      expect(result.metrics.orchestrator).toBe('workers');
      expect(result.output).toMatchObject({ isMainThread: false });
    } finally {
      await engine.close();
    }
    const core = createCoreEngine({
      registry: createRegistry(),
      orchestrator: 'workers',
      orchestratorOptions: { threads: 1 },
    });
    try {
      expect((await core.execute(whereAmI)).metrics.orchestrator).toBe('workers');
    } finally {
      await core.close();
    }
  });

  it('refuses unknown or malformed options with OPTION_INVALID', async () => {
    const bad = createEngine({ orchestratorOptions: { threds: 2 } });
    const result = await bad.execute(whereAmI);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('OPTION_INVALID');
    expect(result.error?.message).toMatch(/unknown workers option\(s\) "threds"/);
    await bad.close();
    const negative = createEngine({ orchestratorOptions: { threads: 0 } });
    expect((await negative.execute(whereAmI)).error?.message).toMatch(/threads must be an integer ≥ 1/);
    await negative.close();
  });
});
