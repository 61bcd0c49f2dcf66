import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, type Engine } from '@weft/core';
import { createTestHost, type TestHost } from '../dist/fixtures/control-host.js';
import { failingOuter, nested, outer, retriedSub, stopInSub } from '../dist/fixtures/sub.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { runIt } from './control-support.js';

describe.each(ORCHESTRATORS)('sub-pipelines on %s', (name: OrchestratorName) => {
  let engine: Engine | undefined;
  let h: TestHost;
  let clock: SimulatedClock;
  const make = (): Engine => {
    h = createTestHost();
    clock = new SimulatedClock();
    engine = engineFor(name, { services: h.services, clock, random: () => 0 });
    return engine;
  };
  afterEach(async () => {
    h.openAll();
    await engine?.close();
    engine = undefined;
  });

  it('runs another pipeline as a step: its output is the step output, its state its own', async () => {
    const run = await runIt(make(), outer, 4);
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual({ finished: 'n=10', outerState: { seen: 1 } });
    expect(run.result.outputs['inner']).toEqual({
      label: 'n=10',
      innerState: { doubled: 10 },
      path: ['inner'],
    });
    expect(run.result.state).toEqual({ seen: 1 });
  });

  it('nests the inner events under the sub step path, between its start and end', async () => {
    const run = await runIt(make(), outer, 4);
    expect(run.trace.filter((t) => t.startsWith('step.'))).toEqual([
      'step.start:prep',
      'step.end:prep',
      'step.start:inner',
      'step.start:inner/double',
      'step.end:inner/double',
      'step.start:inner/label',
      'step.end:inner/label',
      'step.end:inner',
      'step.start:finish',
      'step.end:finish',
    ]);
    const innerEvents = run.events.filter((e) => e.path.length > 0);
    expect(innerEvents.every((e) => e.path.join('/') === 'inner')).toBe(true);
    expect(innerEvents.map((e) => e.type)).toContain('state.update');
    // One stream: seq stays strictly increasing across nesting levels.
    expect(run.events.every((e, i) => i === 0 || e.seq > run.events[i - 1]!.seq)).toBe(true);
    expect(run.result.metrics.steps['inner/double']?.count).toBe(1);
    expect(run.of('run.start')).toHaveLength(1);
    expect(run.of('run.finish')).toHaveLength(1);
  });

  it('nests a sub-pipeline inside a sub-pipeline, with the full path', async () => {
    const run = await runIt(make(), nested, 2);
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual({
      out: { label: 'n=40', innerState: { doubled: 40 }, path: ['mid', 'deep'] },
    });
    expect(run.trace.filter((t) => t.startsWith('step.end'))).toEqual([
      'step.end:mid/enter',
      'step.end:mid/deep/double',
      'step.end:mid/deep/label',
      'step.end:mid/deep',
      'step.end:mid',
      'step.end:out',
    ]);
  });

  it('propagates a failure of the inner pipeline with its code, at both levels', async () => {
    const run = await runIt(make(), failingOuter, 1);
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe('QUOTA_EXCEEDED');
    expect(run.result.error?.message).toBe('inner quota hit on call 1');
    expect(run.result.error?.data).toMatchObject({ call: 1 });
    expect(run.of('step.error').map((e) => [e.path.join('/'), e.step, e.error.code])).toEqual([
      ['job', 'explode', 'QUOTA_EXCEEDED'],
      ['', 'job', 'QUOTA_EXCEEDED'],
    ]);
    expect(run.trace).not.toContain('step.start:after');
  });

  it('retries the whole sub-pipeline under the sub step retry policy', async () => {
    const run = await runIt(make(), retriedSub, 1, {}, clock);
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual({ after: 'inner ok on call 2' });
    expect(h.count('explode')).toBe(2);
    expect(run.of('step.retry').map((e) => [e.path.join('/'), e.step, e.attempt, e.delayMs])).toEqual([
      ['', 'job', 2, 5],
    ]);
    expect(
      run
        .of('step.start')
        .filter((e) => e.step === 'start')
        .map((e) => e.path.join('/')),
    ).toEqual(['job', 'job']);
  });

  it('ends only the sub-pipeline on stop() inside it: its output is the sub step output', async () => {
    const run = await runIt(make(), stopInSub, -3);
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual({ after: { rejected: -3 } });
    expect(run.trace).not.toContain('step.start:inner/work');
    const normal = await runIt(engine!, stopInSub, 3);
    expect(normal.result.output).toEqual({ after: { worked: 3 } });
  });
});
