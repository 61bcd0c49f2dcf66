import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  compile,
  isWeftError,
  pipeline,
  reducers,
  validate,
  type Pipeline,
  type Problem,
} from '../src/index.js';

const f = (x: unknown): unknown => x;
const key = (): string => 'k';
const codes = (p: unknown): string[] => validate(p).problems.map((q) => q.code);
const only = (p: unknown, code: string): Problem[] => validate(p).problems.filter((q) => q.code === code);

describe('validate() on valid pipelines', () => {
  it('accepts a chain, a fan-out/join, a switch, a map and a sub', () => {
    const inner = pipeline('inner').step('x', f, { to: 'y' }).step('y', f).build();
    const p = pipeline('ok')
      .step('a', f, { to: ['b', 'c'] })
      .map('b', f, { to: 'j' })
      .switch('c', key, { cases: { left: 'l', right: 'r' }, default: 'd' })
      .step('l', f, { to: 'j2' })
      .step('r', f, { to: 'j2' })
      .step('d', f, { to: 'j2' })
      .step('j2', f, { to: 'j' })
      .sub('j', inner)
      .build();
    expect(validate(p)).toEqual({ valid: true, pipeline: 'ok', problems: [] });
  });

  it('accepts a loop back to the start declared in routes (the start has no static parent)', () => {
    const p = pipeline('loop')
      .step('a', f, { to: 'b' })
      .step('b', f, { routes: ['a'] })
      .build();
    expect(validate(p).valid).toBe(true);
    expect(compile(p).root).toBe('a');
  });

  it('accepts a step entered only by next() when the route is declared', () => {
    const p = pipeline('dyn')
      .step('a', f, { to: 'b', routes: ['fix'] })
      .step('b', f)
      .step('fix', f, { to: 'b' })
      .build();
    // b has two static parents (a, fix): an ALL join would wait for fix forever when a does not route to it.
    expect(codes(p)).toEqual(['JOIN_UNREACHABLE']);
    const any = pipeline('dyn')
      .step('a', f, { to: 'b', routes: ['fix'] })
      .step('b', f, { join: 'any' })
      .step('fix', f, { to: 'b' })
      .build();
    expect(validate(any).valid).toBe(true);
  });

  it('takes the first declared of two candidate starts that route to each other', () => {
    const p = pipeline('mutual')
      .step('a', f, { routes: ['x'] })
      .step('x', f, { routes: ['a'] })
      .build();
    expect(validate(p).valid).toBe(true);
    expect(compile(p).root).toBe('a');
  });
});

describe('validate() reports each kind of problem with a stable code', () => {
  it('UNKNOWN_TARGET, with a "did you mean" when a name is close', () => {
    const p = pipeline('p')
      .step('parse', f, { to: 'trasnform', routes: ['zzz'] })
      .step('transform', f)
      .build();
    const problems = only(p, 'UNKNOWN_TARGET');
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({
      node: 'parse',
      target: 'trasnform',
      hint: 'did you mean "transform"?',
    });
    expect(problems[0]!.message).toContain('did you mean "transform"?');
    expect(problems[1]).toMatchObject({ node: 'parse', target: 'zzz' });
    expect(problems[1]!.hint).toBeUndefined();
  });

  it('UNKNOWN_TARGET for switch cases and defaults', () => {
    const p = pipeline('p')
      .switch('s', key, { cases: { a: 'aa' }, default: 'bb' })
      .step('aa', f)
      .build();
    expect(only(p, 'UNKNOWN_TARGET').map((q) => q.target)).toEqual(['bb']);
  });

  it('STATIC_CYCLE with the cycle spelled out, and a hint about next()', () => {
    const p = pipeline('p')
      .step('a', f, { to: 'b' })
      .step('b', f, { to: 'c' })
      .step('c', f, { to: 'b' })
      .build();
    const [cycle] = only(p, 'STATIC_CYCLE');
    expect(cycle).toMatchObject({ node: 'b', cycle: ['b', 'c', 'b'] });
    expect(cycle!.message).toBe('static cycle: b -> c -> b');
    expect(cycle!.hint).toContain('next()');
  });

  it('STATIC_CYCLE for a self-loop', () => {
    const p = pipeline('p').step('a', f, { to: 'b' }).step('b', f, { to: 'b' }).build();
    expect(only(p, 'STATIC_CYCLE')[0]!.cycle).toEqual(['b', 'b']);
  });

  it('UNREACHABLE_STEP for steps no root reaches (an island is always a cycle)', () => {
    const p = pipeline('p').step('a', f).step('x', f, { to: 'y' }).step('y', f, { to: 'x' }).build();
    expect(codes(p)).toEqual(['STATIC_CYCLE', 'UNREACHABLE_STEP', 'UNREACHABLE_STEP']);
    expect(only(p, 'UNREACHABLE_STEP').map((q) => q.node)).toEqual(['x', 'y']);
  });

  it('MULTIPLE_ROOTS lists every start, once (steps after a second start are not also unreachable)', () => {
    const p = pipeline('p')
      .step('a', f, { to: 'j' })
      .step('b', f, { to: 'c' })
      .step('c', f, { to: 'j' })
      .step('j', f)
      .build();
    expect(codes(p)).toEqual(['MULTIPLE_ROOTS']);
    expect(only(p, 'MULTIPLE_ROOTS')[0]).toMatchObject({ node: 'b', roots: ['a', 'b'] });
  });

  it('NO_ROOT when every step has a static parent', () => {
    const p = pipeline('p').step('a', f, { to: 'b' }).step('b', f, { to: 'a' }).build();
    expect(codes(p)).toEqual(['STATIC_CYCLE', 'NO_ROOT']);
  });

  it('JOIN_UNREACHABLE when an ALL join waits for a parent reached only by next()', () => {
    const p = pipeline('p')
      .step('a', f, { to: 'b', routes: ['c'] })
      .step('b', f, { to: 'j' })
      .step('c', f, { to: 'j' })
      .step('j', f)
      .build();
    expect(codes(p)).toEqual(['JOIN_UNREACHABLE']);
    expect(only(p, 'JOIN_UNREACHABLE')[0]).toMatchObject({ node: 'j', target: 'c' });
    expect(only(p, 'JOIN_UNREACHABLE')[0]!.message).toContain('dynamic routing');
  });

  it('JOIN_UNREACHABLE when a parent of an ALL join cannot be reached at all', () => {
    const p = pipeline('p')
      .step('a', f, { to: 'j' })
      .step('x', f, { to: 'y' })
      .step('y', f, { to: ['x', 'j'] })
      .step('j', f)
      .build();
    expect(codes(p)).toEqual(['STATIC_CYCLE', 'UNREACHABLE_STEP', 'UNREACHABLE_STEP', 'JOIN_UNREACHABLE']);
    expect(only(p, 'JOIN_UNREACHABLE')[0]!.message).toContain('cannot be reached');
  });

  it('JOIN_UNREACHABLE when a loop re-enters one branch of an ALL join (the other would never arrive again)', () => {
    const p = pipeline('p')
      .step('a', f, { to: ['b', 'c'] })
      .step('b', f, { to: 'j' })
      .step('c', f, { to: 'j', routes: ['b'] })
      .step('j', f)
      .build();
    expect(only(p, 'JOIN_UNREACHABLE')[0]).toMatchObject({ node: 'j', target: 'c' });
  });

  it('no JOIN_UNREACHABLE for an ANY join, nor for an ALL join whose parents share a dynamic entry', () => {
    const any = pipeline('p')
      .step('a', f, { to: 'b', routes: ['c'] })
      .step('b', f, { to: 'j' })
      .step('c', f, { to: 'j' })
      .step('j', f, { join: 'any' })
      .build();
    expect(validate(any).valid).toBe(true);
    const shared = pipeline('p')
      .step('a', f, { routes: ['x'] })
      .step('x', f, { to: ['p1', 'p2'] })
      .step('p1', f, { to: 'j' })
      .step('p2', f, { to: 'j' })
      .step('j', f)
      .build();
    expect(validate(shared).valid).toBe(true);
  });

  it('DUPLICATE_STEP', () => {
    const p = pipeline('p').step('a', f, { to: 'b' }).step('b', f).step('b', f).build();
    expect(codes(p)).toEqual(['DUPLICATE_STEP']);
    expect(only(p, 'DUPLICATE_STEP')[0]!.node).toBe('b');
  });

  it('DEFINITION_INVALID for an empty pipeline, bad code, and reserved or path-like names', () => {
    expect(codes(pipeline('empty').build())).toEqual(['DEFINITION_INVALID']);
    expect(
      codes(
        pipeline('p')
          .step('a', 42 as never)
          .build(),
      ),
    ).toEqual(['DEFINITION_INVALID']);
    expect(
      codes(
        pipeline('p')
          .step('a', { run: 'no' } as never)
          .build(),
      ),
    ).toEqual(['DEFINITION_INVALID']);
    expect(
      codes(
        pipeline('p')
          .step('a', { module: 'm', export: 1 } as never)
          .build(),
      ),
    ).toEqual(['DEFINITION_INVALID']);
    expect(codes(pipeline('p').step('a/b', f).build())).toEqual(['DEFINITION_INVALID']);
    expect(codes(pipeline('p').step('__proto__', f).build())).toEqual(['DEFINITION_INVALID']);
    expect(codes(pipeline('', {}).step('a', f).build())).toEqual(['DEFINITION_INVALID']);
  });

  it('MAP_INVALID for a map without code or with a bad chunk size', () => {
    expect(
      codes(
        pipeline('p')
          .map('m', null as never)
          .build(),
      ),
    ).toEqual(['MAP_INVALID']);
    expect(codes(pipeline('p').map('m', f, { chunkSize: 0 }).build())).toEqual(['MAP_INVALID']);
    expect(codes(pipeline('p').map('m', f, { chunkSize: 2.5 }).build())).toEqual(['MAP_INVALID']);
    expect(only(pipeline('p').map('m', f, { chunkSize: -1 }).build(), 'MAP_INVALID')[0]).toMatchObject({
      node: 'm',
      option: 'chunkSize',
    });
  });

  it('SWITCH_INVALID for missing, empty or malformed cases, a bad default, and "to" or "routes" on a switch', () => {
    const sw = (o: unknown): Pipeline =>
      pipeline('p')
        .switch('s', key, o as never)
        .step('a', f)
        .step('b', f)
        .build();
    expect(only(sw(undefined), 'SWITCH_INVALID')).toHaveLength(1);
    expect(only(sw({ cases: {} }), 'SWITCH_INVALID')).toHaveLength(1);
    expect(only(sw({ cases: ['a'] }), 'SWITCH_INVALID')).toHaveLength(1);
    expect(only(sw({ cases: { x: 1, y: 'a' }, default: 'b' }), 'SWITCH_INVALID')[0]!.message).toContain(
      'case "x" must name a step',
    );
    expect(only(sw({ cases: { x: 'a' }, default: 7 }), 'SWITCH_INVALID')[0]!.message).toContain(
      'default must name a step',
    );
    expect(only(sw({ cases: { x: 'a' }, default: 'b', to: 'a' }), 'SWITCH_INVALID')[0]!.message).toContain(
      'not "to"',
    );
    expect(
      only(sw({ cases: { x: 'a' }, default: 'b', routes: ['a'] }), 'SWITCH_INVALID')[0]!.message,
    ).toContain('not "routes"');
    expect(
      codes(
        pipeline('p')
          .switch('s', 'code' as never, { cases: { x: 'a' } })
          .step('a', f)
          .build(),
      ),
    ).toEqual(['SWITCH_INVALID']);
  });

  it('SUB_INVALID for a sub that is not a pipeline, or includes itself', () => {
    expect(
      codes(
        pipeline('p')
          .sub('s', {} as never)
          .build(),
      ),
    ).toEqual(['SUB_INVALID']);
    const forged: Record<string, unknown> = { ...pipeline('self').step('a', f).build() };
    forged['nodes'] = [{ kind: 'sub', name: 's', pipeline: forged, options: {} }];
    expect(codes(forged)).toEqual(['SUB_INVALID']);
  });

  it('reports the problems of a sub-pipeline with qualified node names', () => {
    const inner = pipeline('inner').step('x', f, { to: 'yy' }).step('y', f).build();
    const p = pipeline('outer').step('a', f, { to: 's' }).sub('s', inner).build();
    const report = validate(p);
    expect(report.problems.map((q) => [q.code, q.node])).toEqual([
      ['UNKNOWN_TARGET', 's/x'],
      ['MULTIPLE_ROOTS', 's/y'],
    ]);
    expect(report.problems[0]!.message).toContain('"s/x" routes to "yy"');
  });
});

describe('validate() checks option types (OPTION_INVALID, naming the option)', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['retry 0', { retry: 0 }, 'retry'],
    ['retry 1.5', { retry: 1.5 }, 'retry'],
    ['retry "3"', { retry: '3' }, 'retry'],
    ['retry attempts 0', { retry: { attempts: 0 } }, 'retry.attempts'],
    ['retry attempts missing', { retry: {} }, 'retry.attempts'],
    ['retry factor < 1', { retry: { attempts: 2, factor: 0.5 } }, 'retry.factor'],
    ['retry jitter > 1', { retry: { attempts: 2, jitter: 2 } }, 'retry.jitter'],
    ['retry negative delay', { retry: { attempts: 2, initialDelayMs: -1 } }, 'retry.initialDelayMs'],
    ['retry maxDelay NaN', { retry: { attempts: 2, maxDelayMs: Number.NaN } }, 'retry.maxDelayMs'],
    ['retry retryOn', { retry: { attempts: 2, retryOn: 'some' } }, 'retry.retryOn'],
    ['retry unknown key', { retry: { attempts: 2, delay: 5 } }, 'retry.delay'],
    ['timeoutMs 0', { timeoutMs: 0 }, 'timeoutMs'],
    ['timeoutMs string', { timeoutMs: '5s' }, 'timeoutMs'],
    ['timeoutMs Infinity', { timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs'],
    ['concurrency 0', { concurrency: 0 }, 'concurrency'],
    ['concurrency 1.5', { concurrency: 1.5 }, 'concurrency'],
    ['placement', { placement: 'gpu' }, 'placement'],
    ['join value', { join: 'some' }, 'join'],
    ['barrierTimeoutMs -1', { barrierTimeoutMs: -1 }, 'barrierTimeoutMs'],
    ['onError', { onError: 'log' }, 'onError'],
    ['version', { version: 2 }, 'version'],
    ['io', { io: 'yes' }, 'io'],
    ['params array', { params: [1] }, 'params'],
    ['params function', { params: { fn: f } }, 'params'],
    ['params Map', { params: { m: new Map() } }, 'params'],
    ['to number', { to: 5 }, 'to'],
    ['routes string', { routes: 'b' }, 'routes'],
    ['unknown option', { timeout: 5 }, 'timeout'],
    ['map-only option on a step', { chunkSize: 5 }, 'chunkSize'],
  ];
  for (const [name, options, option] of cases) {
    it(name, () => {
      const p = pipeline('p').step('a', f, options).build();
      const problems = only(p, 'OPTION_INVALID');
      expect(problems.map((q) => q.option)).toContain(option);
      expect(problems.every((q) => q.node === 'a')).toBe(true);
    });
  }

  it('refuses options that do not apply to a sub-pipeline (placement, params, io, version)', () => {
    const inner = pipeline('inner').step('x', f).build();
    for (const option of ['placement', 'params', 'io', 'version']) {
      const p = pipeline('p')
        .sub('s', inner, { [option]: 'x' })
        .build();
      const [q] = only(p, 'OPTION_INVALID');
      expect(q).toMatchObject({ node: 's', option });
      expect(q!.message).toContain('does not apply to a sub-pipeline');
    }
    expect(
      validate(
        pipeline('p')
          .sub('s', inner, { retry: 2, concurrency: 1, timeoutMs: 50, onError: () => null })
          .build(),
      ).valid,
    ).toBe(true);
  });

  it('suggests the option meant by a typo', () => {
    const [q] = only(
      pipeline('p')
        .step('a', f, { retries: 3 } as never)
        .build(),
      'OPTION_INVALID',
    );
    expect(q!.hint).toBe('did you mean "retry"?');
  });

  it('says where an option belongs when it is on the wrong kind of node', () => {
    const [q] = only(
      pipeline('p')
        .step('a', f, { cases: {} } as never)
        .build(),
      'OPTION_INVALID',
    );
    expect(q!.message).toContain('applies to switch nodes');
  });

  it('join and barrierTimeoutMs need a join (two or more static parents)', () => {
    const p = pipeline('p')
      .step('a', f, { to: 'b' })
      .step('b', f, { join: 'all', barrierTimeoutMs: 5 })
      .build();
    expect(only(p, 'OPTION_INVALID').map((q) => q.option)).toEqual(['join', 'barrierTimeoutMs']);
  });

  it('checks pipeline options: unknown keys, types, hooks, middleware and state', () => {
    const p = pipeline('p', {
      modul: 'x',
      version: 3,
      middleware: [f, 'no'],
      hooks: { startup: 'go', finally: f },
      onError: 1,
    } as never)
      .step('a', f)
      .build();
    expect(only(p, 'OPTION_INVALID').map((q) => q.option)).toEqual([
      'modul',
      'version',
      'onError',
      'middleware',
      'hooks.startup',
      'hooks.finally',
    ]);
    expect(only(p, 'OPTION_INVALID')[0]!.hint).toBe('did you mean "module"?');
  });

  it('checks state declarations (reducer names, custom functions, initial values)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const p = pipeline('p', {
      state: {
        ok: reducers.sum(0),
        noReducer: { initial: 0 },
        bogus: { reducer: 'summ', initial: 0 },
        custom: { reducer: 'custom', initial: 0 },
        fnOnSum: { reducer: 'sum', initial: 0, fn: f },
        loop: reducers.replace(cyclic),
        sumOfText: reducers.sum('0' as never),
        appendToObject: { reducer: 'append', initial: {} },
        mergeIntoList: reducers.merge([] as never),
      },
    } as never)
      .step('a', f)
      .build();
    const problems = only(p, 'DEFINITION_INVALID');
    expect(problems.map((q) => q.option)).toEqual([
      'state.noReducer',
      'state.bogus',
      'state.custom',
      'state.fnOnSum',
      'state.loop',
      'state.sumOfText',
      'state.appendToObject',
      'state.mergeIntoList',
    ]);
    expect(problems[1]!.message).toContain('did you mean "sum"?');
  });
});

describe('validate() reports every problem at once', () => {
  it('lists problems of different kinds from one definition, in a stable order', () => {
    const p = pipeline('many')
      .step('a', f, { to: ['b', 'ghost'], timeoutMs: -5 })
      .step('b', f, { to: 'c' })
      .step('c', f, { to: 'b' })
      .step('b', f)
      .map('m', f, { chunkSize: 0 })
      .switch('s', key, { cases: {} })
      .build();
    const report = validate(p);
    expect(report.valid).toBe(false);
    expect(report.problems.map((q) => q.code)).toEqual([
      'DUPLICATE_STEP',
      'OPTION_INVALID',
      'UNKNOWN_TARGET',
      'MAP_INVALID',
      'SWITCH_INVALID',
      'STATIC_CYCLE',
      'MULTIPLE_ROOTS',
    ]);
    expect(validate(p)).toEqual(report);
  });

  it('uses only codes from the catalogue', () => {
    const p = pipeline('x').step('a', f, { to: 'zz', retry: 0 }).step('a', f).build();
    for (const q of validate(p).problems) expect(ERROR_CODES).toContain(q.code);
  });
});

describe('validate() and compile() on things that are not pipelines', () => {
  for (const value of [42, 'p', null, undefined, {}, [], () => 1, { name: 'p', nodes: [] }, Symbol('p')]) {
    it(`validate(${String(typeof value === 'symbol' ? 'symbol' : (JSON.stringify(value) ?? typeof value))}) returns a report`, () => {
      const report = validate(value);
      expect(report.valid).toBe(false);
      expect(report.pipeline).toBe('?');
      expect(report.problems).toEqual([expect.objectContaining({ code: 'PIPELINE_INVALID' })]);
    });
  }

  it('compile(null) throws PIPELINE_INVALID', () => {
    expect(() => compile(null as never)).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID' }));
  });

  it('validates forged or mutated pipelines without throwing', () => {
    const good = pipeline('g').step('a', f).build();
    const forgeries: unknown[] = [
      { __weftPipeline: true },
      { ...good, nodes: 'abc' },
      { ...good, nodes: [null] },
      { ...good, nodes: [{ kind: 'loop', name: 'a', options: {} }] },
      { ...good, nodes: [{ kind: 'step', name: 'a' }] },
      { ...good, options: 7 },
      { ...good, declarationProblems: 'x' },
      { ...good, name: 5 },
      { ...good, module: 5 },
    ];
    for (const p of forgeries) {
      const report = validate(p);
      expect(report.valid).toBe(false);
      expect(report.problems.every((q) => q.code === 'DEFINITION_INVALID')).toBe(true);
      expect(() => compile(p as never)).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID' }));
    }
  });
});

describe('compile()', () => {
  it('throws one PIPELINE_INVALID WeftError listing every problem in data.problems', () => {
    const p = pipeline('bad').step('a', f, { to: 'nope', concurrency: 0 }).build();
    let caught: unknown;
    try {
      compile(p);
    } catch (e) {
      caught = e;
    }
    expect(isWeftError(caught)).toBe(true);
    const error = caught as {
      code: string;
      message: string;
      retryable: boolean;
      data: { problems: Problem[] };
    };
    expect(error.code).toBe('PIPELINE_INVALID');
    expect(error.retryable).toBe(false);
    expect(error.data.problems).toEqual(validate(p).problems);
    expect(error.message).toContain('pipeline "bad" is invalid');
    expect(error.message).toContain('[OPTION_INVALID]');
    expect(error.message).toContain('[UNKNOWN_TARGET]');
  });

  it('throws for an invalid sub-pipeline, naming the inner problem', () => {
    const inner = pipeline('inner').step('x', f, { retry: -1 }).build();
    const p = pipeline('outer').sub('s', inner).build();
    expect(() => compile(p)).toThrow(/\[OPTION_INVALID\] "s\/x": option retry/);
  });
});
