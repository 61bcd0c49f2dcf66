// JSON pipeline declarations: schema checks with exact JSON paths, graph problems mapped back to
// paths, module references resolved against the file. The messages: spec-messages.test.ts.
import { describe, expect, it } from 'vitest';
import { compile, pipelineFromSpec, type SpecProblem } from '../src/index.js';

const URL_ = 'file:///proj/pipelines/main.json';

function problems(doc: unknown, load?: (u: string) => unknown): SpecProblem[] {
  const r = pipelineFromSpec(doc, { url: URL_, ...(load ? { load } : {}) });
  if (r.ok) throw new Error('expected problems');
  return [...r.problems];
}

const ok = {
  name: 'demo',
  state: { total: { reducer: 'sum' } },
  quotas: { maxConcurrency: 8 },
  params: { scale: 2 },
  steps: {
    read: { run: './steps.js#read', to: 'fan' },
    fan: {
      map: { module: '../lib/steps.js', export: 'square' },
      chunkSize: 16,
      retry: { attempts: 3, initialDelayMs: 10 },
      timeoutMs: 500,
      to: 'route',
    },
    route: { switch: './steps.js#route', cases: { small: 'small', big: 'big' }, default: 'small' },
    small: { run: './steps.js#small', params: { scale: 3 }, to: 'join' },
    big: { run: 'some-package#big', version: '2', to: 'join' },
    join: { run: './steps.js#join', join: 'any', barrierTimeoutMs: 1000 },
  },
};

describe('pipelineFromSpec', () => {
  it('compiles a declaration into the same plan shape as the builder, with module references', () => {
    const r = pipelineFromSpec(ok, { url: URL_ });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const plan = compile(r.pipeline);
    expect(plan.order).toEqual(['read', 'fan', 'route', 'small', 'big', 'join']);
    expect(plan.nodes['read']!.ref).toEqual({ module: 'file:///proj/pipelines/steps.js', export: 'read' });
    expect(plan.nodes['fan']!.ref).toEqual({ module: 'file:///proj/lib/steps.js', export: 'square' });
    expect(plan.nodes['big']!.ref).toEqual({ module: 'some-package', export: 'big' });
    expect(plan.nodes['fan']!.kind).toBe('map');
    expect(plan.nodes['fan']!.map).toEqual({ chunkSize: 16 });
    expect(plan.nodes['fan']!.retry.attempts).toBe(3);
    expect(plan.nodes['fan']!.timeoutMs).toBe(500);
    expect(plan.nodes['join']!.join).toBe('any');
    expect(plan.nodes['small']!.params).toEqual({ scale: 3 });
    expect(plan.nodes['read']!.params).toEqual({ scale: 2 });
    expect(plan.nodes['big']!.version).toBe('2');
    expect(plan.state).toEqual({ total: { reducer: 'sum', initial: 0 } });
    expect(r.quotas).toEqual({ maxConcurrency: 8 });
    expect(r.modules).toContain('file:///proj/pipelines/steps.js');
  });

  it('points at the exact JSON path of each schema problem, all at once', () => {
    const found = problems({
      name: 'bad name!',
      steps: {
        a: { run: 'no-export', to: 'b', retry: { attempts: 0, jiter: 1 } },
        b: { map: './x.js#m', chunkSize: -1, colour: 'red' },
        c: { run: './x.js#c', map: './x.js#d' },
        d: { switch: './x.js#s' },
      },
      quotas: { maxConcurrency: 1.5 },
    });
    const paths = found.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/name',
        '/steps/a/run',
        '/steps/a/retry/attempts',
        '/steps/a/retry/jiter',
        '/steps/b/chunkSize',
        '/steps/b/colour',
        '/steps/c/map',
        '/steps/d/cases',
        '/quotas/maxConcurrency',
      ]),
    );
    expect(found.every((p) => p.code === 'SPEC_INVALID')).toBe(true);
    expect(found.find((p) => p.path === '/steps/a/retry/jiter')?.message).toContain('did you mean "jitter"');
  });

  it('maps graph problems back to paths: unknown targets, cycles, several roots', () => {
    const unknown = problems({
      name: 'p',
      steps: { a: { run: './s.js#a', to: ['b', 'nope'] }, b: { run: './s.js#b' } },
    });
    expect(unknown).toContainEqual(
      expect.objectContaining({ code: 'UNKNOWN_TARGET', path: '/steps/a/to/1' }),
    );
    const cycle = problems({
      name: 'p',
      steps: {
        s: { run: './s.js#s', to: 'a' },
        a: { run: './s.js#a', to: 'b' },
        b: { run: './s.js#b', to: 'a' },
      },
    });
    expect(cycle.map((p) => p.code)).toContain('STATIC_CYCLE');
    expect(cycle.find((p) => p.code === 'STATIC_CYCLE')?.path).toMatch(/^\/steps\//);
    const edge = problems({ name: 'p', steps: { a: { run: './s.js#a' } }, edges: [{ from: 'zz', to: 'a' }] });
    expect(edge).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_TARGET', path: '/edges/0/from' }));
  });

  it('accepts edges as well as "to"', () => {
    const r = pipelineFromSpec(
      {
        name: 'p',
        steps: { a: { run: './s.js#a' }, b: { run: './s.js#b' } },
        edges: [{ from: 'a', to: 'b' }],
      },
      { url: URL_ },
    );
    expect(r.ok && compile(r.pipeline).nodes['a']!.to).toEqual(['b']);
  });

  it('reads sub pipeline files through the loader, with paths inside that file, and refuses self-inclusion', () => {
    const files: Record<string, unknown> = {
      'file:///proj/pipelines/inner.json': {
        name: 'inner',
        steps: { x: { run: './inner-steps.js#x', retry: 0 } },
      },
      'file:///proj/pipelines/loop.json': { name: 'loop', steps: { again: { sub: './loop.json' } } },
    };
    const load = (u: string): unknown => files[u];
    const bad = problems({ name: 'outer', steps: { s: { sub: './inner.json' } } }, load);
    expect(bad).toContainEqual(
      expect.objectContaining({ path: '/steps/x/retry', file: 'file:///proj/pipelines/inner.json' }),
    );
    const loop = problems({ name: 'outer', steps: { s: { sub: './loop.json' } } }, load);
    expect(loop).toContainEqual(expect.objectContaining({ code: 'SUB_INVALID', path: '/steps/again/sub' }));
    files['file:///proj/pipelines/inner.json'] = {
      name: 'inner',
      steps: { x: { run: './inner-steps.js#x' } },
    };
    const r = pipelineFromSpec({ name: 'outer', steps: { s: { sub: './inner.json' } } }, { url: URL_, load });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(compile(r.pipeline).nodes['s']!.sub?.nodes['x']!.ref?.module).toBe(
      'file:///proj/pipelines/inner-steps.js',
    );
  });

  it('rejects what is not a pipeline object', () => {
    expect(problems([])).toEqual([expect.objectContaining({ path: '', code: 'SPEC_INVALID' })]);
    expect(problems({ name: 'p', steps: {} })[0]?.path).toBe('/steps');
    expect(problems({ name: 'p', steps: { a: { run: './s.js#a' } }, weft: 2 })[0]?.path).toBe('/weft');
  });
});
