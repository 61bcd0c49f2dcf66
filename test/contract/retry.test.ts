import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, type Engine } from '@weft/core';
import { createTestHost, type TestHost } from '../dist/fixtures/control-host.js';
import {
  backoff,
  itemRetries,
  retryAll,
  retryListed,
  retryShorthand,
  retryableOnly,
  type FailureKind,
} from '../dist/fixtures/retry.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { runIt, sequence } from './control-support.js';

describe.each(ORCHESTRATORS)('retries on %s', (name: OrchestratorName) => {
  let engine: Engine | undefined;
  let h: TestHost;
  let clock: SimulatedClock;
  const make = (random: () => number = () => 0): Engine => {
    h = createTestHost();
    clock = new SimulatedClock();
    engine = engineFor(name, { services: h.services, clock, random });
    return engine;
  };
  afterEach(async () => {
    h.openAll();
    await engine?.close();
    engine = undefined;
  });

  it('retries with exponential backoff, capped, with injected jitter: exact delays', async () => {
    const run = await runIt(
      make(sequence(0.2, 0.6, 0.9)),
      backoff,
      { kind: 'retryable', succeedAt: 4 },
      {},
      clock,
    );
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toBe('after(flaky ok at attempt 4)');
    // base = min(500, 100·3^(n-1)); delay = round(base − 0.5·base·random)
    expect(run.of('step.retry').map((e) => [e.attempt, e.delayMs])).toEqual([
      [2, 90],
      [3, 210],
      [4, 275],
    ]);
    // Each attempt starts exactly when its delay has elapsed on the simulated clock.
    const starts = run.of('step.start').filter((e) => e.step === 'flaky');
    expect(starts.map((e) => [e.attempt, e.time])).toEqual([
      [1, 0],
      [2, 90],
      [3, 300],
      [4, 575],
    ]);
    expect(h.count('flaky')).toBe(4);
    expect(run.of('step.error').map((e) => [e.attempt, e.willRetry, e.error.code])).toEqual([
      [1, true, 'QUOTA_EXCEEDED'],
      [2, true, 'QUOTA_EXCEEDED'],
      [3, true, 'QUOTA_EXCEEDED'],
    ]);
    expect(run.of('step.retry')[0]?.reason).toBe('busy on attempt 1');
    expect(run.result.metrics.retries).toBe(3);
    expect(run.result.metrics.retryableErrors).toBe(3);
    expect(run.result.metrics.fatalErrors).toBe(0);
    expect(run.result.metrics.steps['flaky']).toMatchObject({ count: 1, errors: 3, retries: 3 });
  });

  it('fails with the last error once the attempts are spent', async () => {
    const run = await runIt(
      make(sequence(0.2, 0.6, 0.9)),
      backoff,
      { kind: 'retryable', succeedAt: 99 },
      {},
      clock,
    );
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe('QUOTA_EXCEEDED');
    expect(run.result.error?.message).toBe('busy on attempt 4');
    expect(run.of('step.error').map((e) => e.willRetry)).toEqual([true, true, true, false]);
    expect(run.trace).not.toContain('step.start:after');
    expect(h.count('flaky')).toBe(4);
    expect(run.result.metrics).toMatchObject({ retries: 3, retryableErrors: 3, fatalErrors: 1 });
    expect(run.of('run.finish')[0]?.durationMs).toBe(575);
  });

  it('uses the default backoff for the `retry: n` shorthand (100 ms doubling, full jitter)', async () => {
    const run = await runIt(
      make(sequence(0.25, 0.5)),
      retryShorthand,
      { kind: 'retryable', succeedAt: 3 },
      {},
      clock,
    );
    expect(run.result.status).toBe('succeeded');
    expect(run.of('step.retry').map((e) => e.delayMs)).toEqual([75, 100]);
  });

  describe('retryOn', () => {
    const cases: [string, typeof retryableOnly, FailureKind, boolean][] = [
      ['retryable (default)', retryableOnly, 'retryable', true],
      ['retryable (default)', retryableOnly, 'fatal', false],
      ['retryable (default)', retryableOnly, 'plain', false],
      ['all', retryAll, 'plain', true],
      ['all', retryAll, 'fatal', true],
      ['a list, by Weft code', retryListed, 'fatal', true],
      ['a list, by error name', retryListed, 'type', true],
      ['a list, by original code', retryListed, 'econnreset', true],
      ['a list', retryListed, 'plain', false],
    ];

    it.each(cases)('%s: a %s failure is retried: %s', async (_label, p, kind, retried) => {
      const run = await runIt(make(), p, { kind, succeedAt: 2 }, {}, clock);
      expect(run.result.status).toBe(retried ? 'succeeded' : 'failed');
      expect(h.count('flaky')).toBe(retried ? 2 : 1);
      expect(run.of('step.error')[0]?.willRetry).toBe(retried);
      expect(run.of('step.retry')).toHaveLength(retried ? 1 : 0);
      expect(run.result.metrics.retryableErrors).toBe(retried ? 1 : 0);
      expect(run.result.metrics.fatalErrors).toBe(retried ? 0 : 1);
    });
  });

  describe('map items', () => {
    it('retries each failing item on its own, keeping results in input order', async () => {
      const run = await runIt(
        make(),
        itemRetries,
        { items: [1, 2, 3, 4, 5, 6], failOnce: [2, 5], failAlways: [] },
        {},
        clock,
      );
      expect(run.result.status).toBe('succeeded');
      expect(run.result.output).toBe(91);
      const squares = run.result.outputs['square'] as { value: number; index: number; attempt: number }[];
      expect(squares.map((s) => [s.value, s.index, s.attempt])).toEqual([
        [1, 0, 1],
        [4, 1, 2],
        [9, 2, 1],
        [16, 3, 1],
        [25, 4, 2],
        [36, 5, 1],
      ]);
      expect(
        run
          .of('step.retry')
          .map((e) => [e.attempt, e.delayMs, e.reason])
          .sort(),
      ).toEqual([
        [2, 40, 'item 1: item 2 busy on attempt 1'],
        [2, 40, 'item 4: item 5 busy on attempt 1'],
      ]);
      expect([1, 2, 3, 4, 5, 6].map((v) => h.count(`square:${v}`))).toEqual([1, 2, 1, 1, 2, 1]);
      expect(run.of('map.complete')[0]).toMatchObject({ count: 6, failed: 0 });
      expect(run.of('map.item').every((e) => e.ok)).toBe(true);
      expect(run.result.metrics.retries).toBe(2);
      expect(run.result.metrics.steps['square']?.retries).toBe(2);
    });

    it('fails the map with the item index once an item spends its attempts', async () => {
      const run = await runIt(
        make(),
        itemRetries,
        { items: [1, 2, 3, 4], failOnce: [], failAlways: [3] },
        {},
        clock,
      );
      expect(run.result.status).toBe('failed');
      expect(run.result.error?.code).toBe('QUOTA_EXCEEDED');
      expect(run.result.error?.message).toBe('item 3 busy on attempt 3');
      expect(run.result.error?.data['index']).toBe(2);
      expect(h.count('square:3')).toBe(3);
      expect(run.of('step.retry').map((e) => [e.attempt, e.delayMs])).toEqual([
        [2, 40],
        [3, 80],
      ]);
      expect(run.of('map.complete')[0]).toMatchObject({ failed: 1 });
      expect(run.trace).not.toContain('step.start:total');
    });
  });
});
