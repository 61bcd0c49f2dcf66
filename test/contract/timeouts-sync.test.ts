// Step timeouts of synchronous steps, on the real clock (a synchronous step cannot be driven by a
// simulated one): a timeout counts the step's own running time (issue 10, defect 1), and a synchronous
// step that overran its timeout ends as STEP_TIMEOUT even where it could not be interrupted (defect 4).
// The margins are huge: steps run 500 ms against a 1500 ms timeout, where judging a step by the time its
// worker took to run the steps handed to it with it (4 × 500 ms) overruns by 500 ms.
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '@weft/core';
import { timeoutsSyncFan, timeoutsSyncMap, timeoutsSyncOverrun } from '../dist/fixtures/timeouts.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { assertOrdered, collect } from './ordering.js';

/** One worker thread, so that every task waits on the same worker (and the default four per thread). */
const oneThread = (name: OrchestratorName) =>
  name === 'workers' ? { orchestratorOptions: { threads: 1, cancelGraceMs: 250 } } : {};

describe.each(ORCHESTRATORS)('synchronous step timeouts on %s', (name) => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it('map items that each run well inside their timeout succeed, whatever else their worker runs', async () => {
    engine = engineFor(name, oneThread(name));
    const { result, events } = await collect(engine.start(timeoutsSyncMap, [1, 2, 3, 4]));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual([2, 4, 6, 8]);
    assertOrdered(events, { complete: true });
  });

  it('parallel synchronous steps that each run well inside their timeout succeed', async () => {
    engine = engineFor(name, oneThread(name));
    const { result, events } = await collect(engine.start(timeoutsSyncFan, 1));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual(['a', 'b', 'c', 'd']);
    assertOrdered(events, { complete: true });
  });

  it('a synchronous step that overran its timeout ends as STEP_TIMEOUT (it ran to the end where it could not be stopped)', async () => {
    engine = engineFor(name, oneThread(name));
    const { result, events } = await collect(engine.start(timeoutsSyncOverrun, 1));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('STEP_TIMEOUT');
    assertOrdered(events);
    expect(events.find((e) => e.type === 'step.error')).toMatchObject({
      step: 'hog',
      error: { code: 'STEP_TIMEOUT', data: { timeoutMs: 30 } },
    });
    expect(events.some((e) => e.type === 'step.end')).toBe(false);
  });
});
