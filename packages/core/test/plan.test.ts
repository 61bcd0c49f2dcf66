import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  compile,
  isWeftError,
  next,
  pipeline,
  reducers,
  type ExecutionPlan,
  type Pipeline,
} from '../src/index.js';
import { resolveRetry } from '../src/orchestrator/index.js';
import { createTestHarness } from '../src/testing/index.js';

const inner = (): Pipeline =>
  pipeline('inner')
    .step('x', (v: unknown) => v, { to: 'y' })
    .step('y', (v: unknown) => v)
    .build();

/** A pipeline touching every kind of node and option; rebuilt on each call with fresh closures. */
const make = (
  change: { timeoutMs?: number; extra?: boolean; module?: string; innerPipeline?: Pipeline } = {},
): Pipeline => {
  let b = pipeline<string, { total: number; seen: string[]; best: number }>('full', {
    module: change.module ?? 'file:///full.js',
    version: '1',
    state: { total: reducers.sum(0), seen: reducers.union<string>(), best: reducers.max() },
    hooks: { startup: () => undefined },
    onError: () => 'recovered',
  })
    .step('a', (s: string) => s, {
      to: ['m', 's'],
      retry: { attempts: 3, retryOn: ['ECONNRESET'] },
      timeoutMs: change.timeoutMs ?? 100,
      params: { depth: { n: 1 } },
      version: 'v2',
    })
    .map('m', (x: unknown) => x, { to: 'j', chunkSize: 8, concurrency: 2, placement: 'worker' })
    .switch('s', () => 'left', { cases: { left: 'l', right: 'sub' }, default: 'sub' })
    .step('l', (x: unknown) => x, { to: 'j', routes: ['a'], io: true, onError: () => null })
    .sub('sub', change.innerPipeline ?? inner(), { to: 'j' })
    .step('j', (x: unknown) => x, {
      join: 'any',
      barrierTimeoutMs: 500,
      ...(change.extra ? { to: 'after' } : {}),
    });
  if (change.extra) b = b.step('after', (x: unknown) => x);
  return b.build();
};

/** Walks plain data; fails on anything that is not a primitive, an array or a plain object. */
function assertPlainData(v: unknown, path = 'plan'): void {
  expect(typeof v, path).not.toBe('function');
  expect(typeof v, path).not.toBe('symbol');
  expect(typeof v, path).not.toBe('bigint');
  if (typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertPlainData(x, `${path}[${i}]`));
    return;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  expect(proto === Object.prototype || proto === null, `${path} is a plain object`).toBe(true);
  for (const [k, x] of Object.entries(v)) assertPlainData(x, `${path}.${k}`);
}

describe('the ExecutionPlan', () => {
  const plan = compile(make());

  it('describes the graph: root, order, leaves, parents, joins, refs, switch cases, maps, subs, state', () => {
    expect(plan).toMatchObject({
      planVersion: 1,
      name: 'full',
      module: 'file:///full.js',
      version: '1',
      root: 'a',
      order: ['a', 'm', 's', 'l', 'sub', 'j'],
      leaves: ['j'],
    });
    expect(plan.state).toEqual({
      total: { reducer: 'sum', initial: 0 },
      seen: { reducer: 'union', initial: [] },
      best: { reducer: 'max', initial: Number.NEGATIVE_INFINITY },
    });
    const { a, m, s, l, sub, j } = plan.nodes;
    expect(a).toMatchObject({
      kind: 'step',
      index: 0,
      to: ['m', 's'],
      parents: [],
      join: null,
      timeoutMs: 100,
      version: 'v2',
      params: { depth: { n: 1 } },
      hasErrorHandler: false,
    });
    expect(a!.ref).toEqual({ module: 'file:///full.js', pipeline: 'full', export: 'a' });
    expect(a!.retry).toEqual({
      attempts: 3,
      initialDelayMs: 100,
      factor: 2,
      maxDelayMs: 30_000,
      jitter: 1,
      retryOn: ['ECONNRESET'],
    });
    expect(m).toMatchObject({
      kind: 'map',
      map: { chunkSize: 8 },
      concurrency: 2,
      placement: 'worker',
      parents: ['a'],
    });
    expect(s).toMatchObject({
      kind: 'switch',
      to: ['l', 'sub'],
      switch: {
        cases: [
          ['left', 'l'],
          ['right', 'sub'],
        ],
        default: 'sub',
      },
    });
    expect(l).toMatchObject({ routes: ['a'], io: true, hasErrorHandler: true });
    expect(sub).toMatchObject({ kind: 'sub', ref: null, parents: ['s'] });
    expect(sub!.sub).toMatchObject({ name: 'inner', root: 'x', order: ['x', 'y'], leaves: ['y'] });
    expect(j).toMatchObject({ join: 'any', barrierTimeoutMs: 500, parents: ['m', 'l', 'sub'], to: [] });
  });

  it('is plain data: no functions, no class instances', () => {
    assertPlainData(plan);
  });

  it('survives a msgpack round trip unchanged', () => {
    const back = unpack(pack(plan)) as ExecutionPlan;
    expect(back).toEqual(plan);
    assertPlainData(back);
    expect(compile(make()).id).toBe(back.id);
  });

  it('survives JSON and structuredClone (apart from non-finite numbers in JSON)', () => {
    const noInfinity = compile(
      pipeline('p', { state: { n: reducers.sum() } })
        .step('a', (x: unknown) => x, { params: { k: [1, 'two', null, { deep: true }] } })
        .build(),
    );
    expect(JSON.parse(JSON.stringify(noInfinity))).toEqual(noInfinity);
    expect(structuredClone(plan)).toEqual(plan);
  });

  it('is deeply frozen, and does not freeze or share the caller’s objects', () => {
    const params = { list: [1, 2] };
    const initial = { a: 1 };
    const p = compile(
      pipeline('p', { state: { m: reducers.merge(initial) } })
        .step('a', (x: unknown) => x, { params })
        .build(),
    );
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.nodes['a']!.params['list'])).toBe(true);
    expect(Object.isFrozen(params.list)).toBe(false);
    expect(Object.isFrozen(initial)).toBe(false);
    params.list.push(3);
    expect(p.nodes['a']!.params).toEqual({ list: [1, 2] });
  });

  it('has node and state records without a prototype (a step name never meets Object.prototype)', () => {
    for (const key of ['toString', 'constructor', 'hasOwnProperty']) {
      expect(plan.nodes[key]).toBeUndefined();
      expect(key in plan.nodes).toBe(false);
      expect(plan.state[key]).toBeUndefined();
    }
    const named = compile(
      pipeline('p')
        .step('constructor', (x: unknown) => x, { to: 'toString' })
        .step('toString', (x: unknown) => x)
        .build(),
    );
    expect(named.nodes['toString']!.parents).toEqual(['constructor']);
  });

  it('so a run that routes to an Object.prototype name fails cleanly with UNKNOWN_TARGET', async () => {
    const h = createTestHarness();
    const p = pipeline('proto-route')
      .step('a', () => next('toString'), { to: 'b' })
      .step('b', (x: unknown) => x)
      .build();
    const run = await h.run(p, 0);
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe('UNKNOWN_TARGET');
    await h.close();
  });
});

describe('the plan id', () => {
  it('is stable across compiles and rebuilds of the same definition (code is not hashed)', () => {
    const ids = new Set([compile(make()).id, compile(make()).id, compile(make()).id]);
    expect(ids.size).toBe(1);
    expect(compile(make()).id).toMatch(/^[0-9a-f]{14}$/);
  });

  it('changes when the definition changes', () => {
    const base = compile(make()).id;
    const changed = [
      compile(make({ timeoutMs: 101 })).id,
      compile(make({ extra: true })).id,
      compile(make({ module: 'file:///elsewhere.js' })).id,
      compile(
        make({
          innerPipeline: pipeline('inner')
            .step('x', (v: unknown) => v, { to: 'y' })
            .step('y', (v: unknown) => v, { retry: 2 })
            .build(),
        }),
      ).id,
    ];
    for (const id of changed) expect(id).not.toBe(base);
    expect(new Set(changed).size).toBe(changed.length);
  });

  it('depends on state declarations, including non-finite initial values', () => {
    const withState = (initial: number): string =>
      compile(
        pipeline('p', { state: { n: reducers.max(initial) } })
          .step('a', (x: unknown) => x)
          .build(),
      ).id;
    expect(withState(0)).not.toBe(withState(Number.NEGATIVE_INFINITY));
    expect(withState(Number.POSITIVE_INFINITY)).not.toBe(withState(Number.NEGATIVE_INFINITY));
  });
});

describe('resolveRetry', () => {
  it('defaults to one attempt, 100 ms doubling up to 30 s, full jitter, retrying errors marked retryable', () => {
    expect(resolveRetry(undefined)).toEqual({
      attempts: 1,
      initialDelayMs: 100,
      factor: 2,
      maxDelayMs: 30_000,
      jitter: 1,
      retryOn: 'retryable',
    });
  });

  it('reads a number as the number of attempts (the first one included)', () => {
    expect(resolveRetry(4)).toEqual({
      attempts: 4,
      initialDelayMs: 100,
      factor: 2,
      maxDelayMs: 30_000,
      jitter: 1,
      retryOn: 'retryable',
    });
  });

  it('fills what a policy object leaves out, and copies retryOn', () => {
    const retryOn = ['STEP_TIMEOUT'];
    const r = resolveRetry({ attempts: 2, jitter: 0, retryOn });
    expect(r).toEqual({
      attempts: 2,
      initialDelayMs: 100,
      factor: 2,
      maxDelayMs: 30_000,
      jitter: 0,
      retryOn: ['STEP_TIMEOUT'],
    });
    expect(r.retryOn).not.toBe(retryOn);
    expect(
      resolveRetry({ attempts: 5, initialDelayMs: 0, factor: 1, maxDelayMs: 0, retryOn: 'all' }),
    ).toEqual({ attempts: 5, initialDelayMs: 0, factor: 1, maxDelayMs: 0, jitter: 1, retryOn: 'all' });
  });

  it('refuses a bad policy with OPTION_INVALID, never a TypeError', () => {
    for (const bad of [
      0,
      -1,
      1.5,
      Number.NaN,
      { attempts: 0 },
      { attempts: 2, factor: 0 },
      { attempts: 2, jitter: 3 },
      { attempts: 2, retryOn: 5 },
      null,
      'x',
      [3],
    ]) {
      let caught: unknown;
      try {
        resolveRetry(bad as never);
      } catch (e) {
        caught = e;
      }
      expect(isWeftError(caught) && caught.code, JSON.stringify(bad)).toBe('OPTION_INVALID');
    }
  });
});
