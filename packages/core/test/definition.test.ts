import { describe, expect, it } from 'vitest';
import {
  applyReducer,
  compile,
  isControl,
  isPipeline,
  next,
  nodeCode,
  pipeline,
  reducers,
  retry,
  skip,
  stop,
  suspend,
  update,
  validate,
  type NodeOptions,
} from '../src/index.js';

const id = (x: unknown): unknown => x;

describe('the pipeline builder', () => {
  const inner = pipeline('inner').step('only', id).build();
  const onError = (): string => 'recovered';
  const built = pipeline<string>('demo', { module: 'file:///demo.js', version: '3', description: 'd' })
    .step('a', id, {
      to: ['m', 's'],
      retry: 3,
      timeoutMs: 50,
      placement: 'main',
      params: { k: 1 },
      version: 'v1',
      onError,
    })
    .map('m', id, { to: 'j', concurrency: 4, chunkSize: 16 })
    .switch('s', () => 'x', { cases: { x: 'sub' }, default: 'j' })
    .sub('sub', inner, { to: 'j' })
    .step('j', id, { join: 'any', barrierTimeoutMs: 1000, io: true })
    .build();

  it('records every node in declaration order with its kind, code and options', () => {
    expect(built.name).toBe('demo');
    expect(built.module).toBe('file:///demo.js');
    expect(built.nodes.map((n) => [n.kind, n.name])).toEqual([
      ['step', 'a'],
      ['map', 'm'],
      ['switch', 's'],
      ['sub', 'sub'],
      ['step', 'j'],
    ]);
    expect(built.nodes[0]!.options).toMatchObject({
      to: ['m', 's'],
      retry: 3,
      timeoutMs: 50,
      placement: 'main',
      params: { k: 1 },
      version: 'v1',
    });
    expect(built.nodes[1]!.options).toEqual({ to: 'j', concurrency: 4, chunkSize: 16 });
    expect(built.nodes[2]!.options).toEqual({ cases: { x: 'sub' }, default: 'j' });
    const sub = built.nodes[3]!;
    expect(sub.kind === 'sub' && sub.pipeline).toBe(inner);
    expect(built.options).toEqual({ module: 'file:///demo.js', version: '3', description: 'd' });
    expect(built.declarationProblems).toEqual([]);
  });

  it('builds a valid pipeline that compiles', () => {
    expect(validate(built)).toEqual({ valid: true, pipeline: 'demo', problems: [] });
    const plan = compile(built);
    expect(plan.root).toBe('a');
    expect(plan.nodes['j']!.join).toBe('any');
    expect(plan.nodes['j']!.parents).toEqual(['m', 's', 'sub']);
  });

  it('freezes what it builds, and later builder calls do not change a built pipeline', () => {
    const b = pipeline('grow').step('a', id);
    const first = b.build();
    b.step('b', id);
    expect(first.nodes).toHaveLength(1);
    expect(b.build().nodes).toHaveLength(2);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.nodes)).toBe(true);
  });

  it('defaults node options to {} and pipeline options to {}', () => {
    const p = pipeline('bare').step('a', id).build();
    expect(p.nodes[0]!.options).toEqual({});
    expect(p.options).toEqual({});
    expect(p.module).toBeUndefined();
  });

  it('records declaration problems instead of throwing, and validation reports them', () => {
    const p = pipeline('bad', null as never)
      .step('', id)
      .step(42 as never, id)
      .step('x', id, 'fast' as never)
      .map('y', id, [] as never)
      .step('ok', id)
      .build();
    expect(p.declarationProblems.map((d) => d.message)).toEqual([
      'options of pipeline "bad" must be an object',
      'a step node needs a non-empty string name',
      'a step node needs a non-empty string name',
      'options of "x" must be an object',
      'options of "y" must be an object',
    ]);
    expect(p.nodes.map((n) => n.name)).toEqual(['ok']);
    const report = validate(p);
    expect(report.valid).toBe(false);
    expect(report.problems.map((q) => q.code)).toEqual(Array(5).fill('DEFINITION_INVALID'));
    expect(report.problems.filter((q) => q.node !== undefined).map((q) => q.node)).toEqual(['x', 'y']);
  });

  it('is recognised by isPipeline, including a structural copy (as after crossing a module boundary)', () => {
    expect(isPipeline(built)).toBe(true);
    expect(isPipeline({ ...built })).toBe(true);
    for (const v of [null, undefined, 42, 'p', {}, [], { name: 'x', nodes: [] }])
      expect(isPipeline(v)).toBe(false);
  });

  it('gives the code of a node by name (nodeCode), undefined for a sub or an unknown name', () => {
    expect(nodeCode(built, 'a')).toBe(id);
    expect(nodeCode(built, 'sub')).toBeUndefined();
    expect(nodeCode(built, 'nope')).toBeUndefined();
  });

  it('accepts code by reference ({ module, export }) and actors ({ setup, run, teardown })', () => {
    const actor = { setup: () => 1, run: (x: number) => x, teardown: () => undefined, reentrant: true };
    const p = pipeline('refs')
      .step('a', { module: 'file:///steps.js', export: 'parse' }, { to: 'b' })
      .step('b', actor, { to: 'c' })
      .step('c', { module: 'file:///other.js', export: 'node', pipeline: 'other' })
      .build();
    const plan = compile(p);
    expect(plan.nodes['a']!.ref).toEqual({ module: 'file:///steps.js', export: 'parse' });
    expect(plan.nodes['b']!.ref).toEqual({ module: '', pipeline: 'refs', export: 'b' });
    expect(plan.nodes['c']!.ref).toEqual({ module: 'file:///other.js', export: 'node', pipeline: 'other' });
  });

  it('types node options (a compile-time check that the documented options exist)', () => {
    const all: Required<Omit<NodeOptions, 'onError' | 'cache'>> = {
      to: 'x',
      routes: ['y'],
      retry: {
        attempts: 2,
        initialDelayMs: 1,
        factor: 2,
        maxDelayMs: 10,
        jitter: 0,
        retryOn: ['STEP_TIMEOUT'],
      },
      timeoutMs: 1,
      concurrency: 1,
      placement: 'worker',
      join: 'all',
      barrierTimeoutMs: 1,
      version: 'v',
      params: {},
      io: false,
      writes: ['out.csv'],
    };
    expect(Object.keys(all)).toContain('barrierTimeoutMs');
  });
});

describe('control results', () => {
  it('are plain branded objects', () => {
    expect(next('b')).toEqual({ $weft: 'next', targets: ['b'] });
    expect(next(['b', 'c'], 7, { n: 1 })).toEqual({
      $weft: 'next',
      targets: ['b', 'c'],
      output: 7,
      state: { n: 1 },
    });
    expect(stop()).toEqual({ $weft: 'stop' });
    expect(stop('done', { n: 2 })).toEqual({ $weft: 'stop', output: 'done', state: { n: 2 } });
    expect(skip()).toEqual({ $weft: 'skip' });
    expect(skip('cached')).toEqual({ $weft: 'skip', reason: 'cached' });
    expect(retry()).toEqual({ $weft: 'retry' });
    expect(retry('busy')).toEqual({ $weft: 'retry', reason: 'busy' });
    expect(suspend('approve?')).toEqual({ $weft: 'suspend', reason: 'approve?' });
    expect(suspend('approve?', { id: 1 })).toEqual({ $weft: 'suspend', reason: 'approve?', data: { id: 1 } });
    expect(update({ n: 1 })).toEqual({ $weft: 'update', state: { n: 1 } });
    expect(update({ n: 1 }, 'out')).toEqual({ $weft: 'update', state: { n: 1 }, output: 'out' });
  });

  it('are recognised by isControl, and nothing else is', () => {
    for (const c of [next('x'), stop(), skip(), retry(), suspend('r'), update({})])
      expect(isControl(c)).toBe(true);
    expect(isControl(JSON.parse(JSON.stringify(next('x'))))).toBe(true);
    for (const v of [null, 1, 'next', {}, { $weft: 'jump' }, { $weft: 1 }, [next('x')]])
      expect(isControl(v)).toBe(false);
  });

  it('copy the target list (a later change to the caller array does not leak in)', () => {
    const targets = ['a'];
    const c = next(targets);
    targets.push('b');
    expect(c).toEqual({ $weft: 'next', targets: ['a'] });
  });
});

describe('reducers', () => {
  it('declare a reducer name and an initial value', () => {
    expect(reducers.sum()).toEqual({ reducer: 'sum', initial: 0 });
    expect(reducers.max()).toEqual({ reducer: 'max', initial: Number.NEGATIVE_INFINITY });
    expect(reducers.min()).toEqual({ reducer: 'min', initial: Number.POSITIVE_INFINITY });
    expect(reducers.append()).toEqual({ reducer: 'append', initial: [] });
    expect(reducers.union()).toEqual({ reducer: 'union', initial: [] });
    expect(reducers.merge()).toEqual({ reducer: 'merge', initial: {} });
    expect(reducers.replace('x')).toEqual({ reducer: 'replace', initial: 'x' });
    const fn = (a: number, b: number): number => a * b;
    expect(reducers.custom(fn, 1)).toEqual({ reducer: 'custom', initial: 1, fn });
  });

  it('merge updates', () => {
    expect(applyReducer(reducers.sum(), 2, 3)).toBe(5);
    expect(applyReducer(reducers.max(), 2, 3)).toBe(3);
    expect(applyReducer(reducers.min(), 2, 3)).toBe(2);
    expect(applyReducer(reducers.append(), [1], 2)).toEqual([1, 2]);
    expect(applyReducer(reducers.append(), [1], [2, 3])).toEqual([1, 2, 3]);
    expect(applyReducer(reducers.union(), ['b'], ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(applyReducer(reducers.merge(), { a: 1 }, { b: 2 })).toEqual({ a: 1, b: 2 });
    expect(applyReducer(reducers.replace(0), 1, 2)).toBe(2);
    expect(
      applyReducer(
        reducers.custom((a: number, b: number) => a * b, 1),
        3,
        4,
      ),
    ).toBe(12);
  });

  it('merge to the same value whatever the order, for the commutative ones', () => {
    const updates = [5, 1, 9, 3];
    for (const key of [reducers.sum(), reducers.max(), reducers.min()]) {
      const forward = updates.reduce<unknown>((acc, u) => applyReducer(key, acc, u), key.initial);
      const backward = [...updates]
        .reverse()
        .reduce<unknown>((acc, u) => applyReducer(key, acc, u), key.initial);
      expect(forward).toBe(backward);
    }
    const u = reducers.union<string>();
    expect(applyReducer(u, applyReducer(u, [], ['z', 'a']), ['m'])).toEqual(
      applyReducer(u, applyReducer(u, [], ['m']), ['z', 'a']),
    );
  });

  it('throw a plain error on a type mismatch (the runtime wraps it as STATE_REDUCER_FAILED)', () => {
    expect(() => applyReducer(reducers.sum(), 1, 'x')).toThrow('expected a number, got string');
  });
});
