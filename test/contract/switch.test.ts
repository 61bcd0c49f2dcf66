import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '@weft/core';
import {
  byKind,
  byValue,
  converge,
  rescuedSwitch,
  skippingSwitch,
  strict,
  switchNext,
} from '../dist/fixtures/switch.js';
import { ORCHESTRATORS, engineFor, type OrchestratorName } from './matrix.js';
import { runIt } from './control-support.js';

describe.each(ORCHESTRATORS)('switch on %s', (name: OrchestratorName) => {
  let engine: Engine | undefined;
  const make = (): Engine => (engine = engineFor(name));
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it('routes to the matching case with the switch input; the other cases are skipped', async () => {
    const run = await runIt(make(), byKind, { kind: 'food', amount: 12 });
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual({ groceries: { shelf: 'groceries', amount: 12 } });
    expect(run.of('step.end').find((e) => e.step === 'route')?.output).toBe('food');
    expect(
      run
        .of('step.skip')
        .map((e) => [e.step, e.reason])
        .sort(),
    ).toEqual([
      ['books', 'parent "route" was skipped'],
      ['other', 'parent "route" was skipped'],
    ]);
  });

  it('falls back to the default case', async () => {
    const run = await runIt(make(), byKind, { kind: 'garden', amount: 3 });
    expect(run.result.output).toEqual({ other: { shelf: 'misc', kind: 'garden' } });
    expect(run.trace).not.toContain('step.start:books');
    expect(run.trace).not.toContain('step.start:groceries');
  });

  it('fails with SWITCH_NO_ROUTE when no case matches and there is no default', async () => {
    const run = await runIt(make(), strict, { kind: 'garden', amount: 3 });
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe('SWITCH_NO_ROUTE');
    expect(run.result.error?.data['value']).toBe('garden');
    expect(run.result.error?.message).toContain('"garden"');
    expect(run.trace).not.toContain('step.start:books');
    expect(run.of('step.error').map((e) => [e.step, e.error.code])).toEqual([['route', 'SWITCH_NO_ROUTE']]);
    expect(run.of('step.error')[0]?.invocation).toBe(run.of('step.start')[0]?.invocation);
    expect(run.trace).not.toContain('step.end:route');
  });

  it.each([
    [4, 'even', '4 is even'],
    [7, 'odd', '7 is odd'],
    [0, 'zero', 'zero'],
  ])('matches non-string values by their string form (%s -> %s)', async (n, step, out) => {
    const run = await runIt(make(), byValue, n);
    expect(run.result.outputs[step]).toBe(out);
    expect(Object.keys(run.result.output as object)).toEqual([step]);
  });

  it.each([
    [250, { review: { reviewed: 250 } }],
    [20, { approve: { approved: 20 } }],
  ])('converges on a join that runs with the branch taken (amount %s)', async (amount, parents) => {
    const run = await runIt(make(), converge, { kind: 'x', amount });
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual(parents);
    expect(run.of('barrier.release')[0]).toMatchObject({ step: 'done', skipped: false });
  });

  it('skips the join when the branch taken skips itself', async () => {
    const run = await runIt(make(), converge, { kind: 'x', amount: -1 });
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toBeUndefined();
    expect(
      run
        .of('step.skip')
        .map((e) => e.step)
        .sort(),
    ).toEqual(['approve', 'done', 'drop', 'review']);
  });

  it('may skip itself: every case is skipped', async () => {
    const run = await runIt(make(), skippingSwitch, { kind: 'book', amount: 0 });
    expect(run.result.status).toBe('succeeded');
    expect(
      run
        .of('step.skip')
        .map((e) => [e.step, e.reason])
        .sort(),
    ).toEqual([
      ['books', 'parent "route" was skipped'],
      ['other', 'parent "route" was skipped'],
      ['route', 'empty order'],
    ]);
  });

  it('lets the switch error handler recover from SWITCH_NO_ROUTE with a case key', async () => {
    const run = await runIt(make(), rescuedSwitch, { kind: 'garden', amount: 3 });
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual({ lostAndFound: 'lost: garden' });
    expect(run.of('step.error').map((e) => e.error.code)).toEqual(['SWITCH_NO_ROUTE']);
    expect(run.of('step.end').find((e) => e.step === 'route')?.output).toBe('lost');
  });

  it('takes the targets of a next() returned by the switch code as they are', async () => {
    const vip = await runIt(make(), switchNext, { kind: 'food', amount: 5000 });
    expect(vip.result.status).toBe('succeeded');
    expect(vip.result.output).toEqual({ books: { books: { vip: 5000 } } });
    expect(vip.of('step.skip').map((e) => e.step)).toEqual(['groceries']);
    const plain = await runIt(engine!, switchNext, { kind: 'food', amount: 5 });
    expect(plain.result.output).toEqual({ groceries: { groceries: { kind: 'food', amount: 5 } } });
  });
});
