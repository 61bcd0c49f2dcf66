import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Engine } from '@weft/core';
import {
  allReducers,
  appendOnce,
  badState,
  completion,
  fanState,
  raceState,
  type BadWrite,
} from '../dist/fixtures/state.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { runIt, watch } from './control-support.js';

const BRANCHES = ['b0', 'b1', 'b2', 'b3'];
let runs = 0;

describe.each(ORCHESTRATORS)('run state on %s', (name: OrchestratorName) => {
  let engine: Engine | undefined;
  const make = (): Engine => (engine = engineFor(name));
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it('merges with every built-in reducer and a custom one', async () => {
    const run = await runIt(make(), allReducers, 5);
    expect(run.result.status).toBe('succeeded');
    const initial = {
      r: 'init',
      a: [],
      s: 10,
      mx: Number.NEGATIVE_INFINITY,
      mn: Number.POSITIVE_INFINITY,
      mg: { x: 1 },
      u: [],
      c: 1,
    };
    const final = {
      r: 'two',
      a: ['a1', 'a2', 'a3'],
      s: 13,
      mx: 7,
      mn: -1,
      mg: { x: 9, y: 2 },
      u: ['a', 'b', 'c'],
      c: 10,
    };
    expect(run.result.output).toEqual({ initial, final });
    expect(run.result.state).toEqual(final);
  });

  it('starts every run from a fresh copy of the initial state', async () => {
    const e = make();
    await runIt(e, appendOnce, 'x');
    const second = await runIt(e, appendOnce, 'y');
    expect(second.result.state).toEqual({ items: ['y'], seen: { y: true } });
  });

  /** Runs `fanState`, letting the branches complete in `order`; returns the run and the order seen. */
  async function fanInOrder(e: Engine, order: readonly string[]) {
    const runId = `fan-${++runs}`;
    completion.hold(runId, BRANCHES);
    try {
      const w = watch(e.start(fanState, null, { runId }));
      for (const b of order) {
        completion.release(runId, b);
        await w.waitFor((ev) => ev.type === 'state.update' && ev.step === b);
      }
      return await w.done;
    } finally {
      completion.forget(runId);
    }
  }

  it('merges parallel updates to the same state whatever order the branches complete in (property)', async () => {
    const e = make();
    const merged = {
      total: 17,
      peak: 11,
      low: -4,
      tags: ['b0', 'b1', 'b2', 'b3', 't0', 't1', 't2'],
      parts: { b0: 3, b1: 11, b2: -4, b3: 7 },
      product: -924,
    };
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(BRANCHES, { minLength: BRANCHES.length }), async (order) => {
        const run = await fanInOrder(e, order);
        expect(run.result.status).toBe('succeeded');
        // The completion order really was the one drawn...
        expect(run.of('state.update').map((u) => u.step)).toEqual(order);
        // ...and every commutative reducer merged to the same state; `append` records that order.
        expect(run.result.state).toEqual({ ...merged, order });
        expect((run.result.output as { state: unknown }).state).toEqual({ ...merged, order });
        expect(run.of('warning')).toEqual([]);
      }),
      { numRuns: 30, seed: 20_261_124 },
    );
  });

  it('warns with STATE_RACE when parallel branches write the same replace key; the last to complete wins', async () => {
    const e = make();
    for (const [first, last] of [
      ['left', 'right'],
      ['right', 'left'],
    ] as const) {
      const runId = `race-${++runs}`;
      completion.hold(runId, ['left', 'right']);
      const w = watch(e.start(raceState, null, { runId }));
      completion.release(runId, first);
      await w.waitFor((ev) => ev.type === 'state.update' && ev.step === first);
      completion.release(runId, last);
      const run = await w.done;
      completion.forget(runId);
      expect(run.result.state).toEqual({ winner: last, count: 2 });
      const warnings = run.of('warning');
      expect(warnings.map((x) => [x.code, x.step])).toEqual([['STATE_RACE', last]]);
      expect(warnings[0]?.message).toContain(`written by "${first}" and "${last}" concurrently`);
    }
  });

  it.each<[BadWrite, string, string]>([
    [
      'unknown-key',
      'STATE_UNKNOWN_KEY',
      'step "write" wrote state key "totl", which is not declared (did you mean "total"?)',
    ],
    [
      'sum-of-string',
      'STATE_REDUCER_FAILED',
      'reducer "sum" of state key "total" failed for step "write": expected a number, got string',
    ],
    [
      'custom-throws',
      'STATE_REDUCER_FAILED',
      'reducer "custom" of state key "capped" failed for step "write": cap of 10 exceeded by 25',
    ],
  ])('fails a step whose state patch is refused (%s -> %s)', async (kind, code, message) => {
    const run = await runIt(make(), badState, kind);
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe(code);
    expect(run.result.error?.message).toBe(message);
    expect(run.result.state).toEqual({ total: 0, capped: 0 });
    expect(run.of('state.update')).toEqual([]);
    expect(run.of('step.error').map((e) => [e.step, e.error.code])).toEqual([['write', code]]);
    expect(run.trace).not.toContain('step.start:after');
    if (kind === 'custom-throws')
      expect((run.result.error?.cause as Error).message).toBe('cap of 10 exceeded by 25');
  });
});
