import { describe, expect, it } from 'vitest';
import { PlanLayouts, fallbackLayout, type PlanLayout } from '../dist/index.js';
import { chainPlan, shapesPlan } from './fixtures/plans.js';

/** Every child inside its group, no two siblings overlapping, every edge from its node to its node. */
function expectWellFormed(l: PlanLayout): void {
  const byId = new Map(l.nodes.map((n) => [n.id, n]));
  for (const n of l.nodes) {
    expect(n.x).toBeGreaterThanOrEqual(0);
    expect(n.y).toBeGreaterThanOrEqual(0);
    expect(n.x + n.width).toBeLessThanOrEqual(l.width + 0.5);
    expect(n.y + n.height).toBeLessThanOrEqual(l.height + 0.5);
    if (n.parent) {
      const p = byId.get(n.parent)!;
      expect(n.x).toBeGreaterThan(p.x);
      expect(n.y).toBeGreaterThan(p.y);
      expect(n.x + n.width).toBeLessThan(p.x + p.width);
      expect(n.y + n.height).toBeLessThan(p.y + p.height);
    }
    for (const m of l.nodes) {
      if (m === n || m.parent !== n.parent) continue;
      const apart =
        n.x + n.width <= m.x || m.x + m.width <= n.x || n.y + n.height <= m.y || m.y + m.height <= n.y;
      expect(apart, `${n.id} and ${m.id} overlap`).toBe(true);
    }
  }
  const near = (p: readonly [number, number], id: string): boolean => {
    const n = byId.get(id)!;
    return p[0] >= n.x - 1 && p[0] <= n.x + n.width + 1 && p[1] >= n.y - 1 && p[1] <= n.y + n.height + 1;
  };
  for (const e of l.edges) {
    expect(e.points.length).toBeGreaterThanOrEqual(2);
    const from = [...e.path, e.from].join('/');
    const to = [...e.path, e.to].join('/');
    expect(near(e.points[0]!, from), `${e.id} starts on ${from}`).toBe(true);
    expect(near(e.points.at(-1)!, to), `${e.id} ends on ${to}`).toBe(true);
  }
}

describe('PlanLayouts', () => {
  it('lays a plan out with ELK in a worker: subs as groups, switch cases labelled, routes dashed', async () => {
    // A generous deadline: this test is about ELK's drawing, not about a loaded machine's timing.
    const layouts = new PlanLayouts({ deadlineMs: 120_000 });
    try {
      const plan = shapesPlan();
      const l = await layouts.layout(plan);
      expect(l.engine).toBe('elk');
      expect(l.planId).toBe(plan.id);
      expect(l.nodes.map((n) => n.id).sort()).toEqual(
        [
          'end',
          'join',
          'left',
          'load',
          'nested',
          'nested/i1',
          'nested/i2',
          'right',
          'route',
          'side',
          'square',
        ].sort(),
      );
      expect(l.nodes.find((n) => n.id === 'nested/i1')).toMatchObject({ parent: 'nested', path: ['nested'] });
      expect(l.nodes.find((n) => n.id === 'square')!.kind).toBe('map');
      expect(l.nodes.find((n) => n.id === 'join')!.join).toBe('all');
      const cases = l.edges.filter((e) => e.kind === 'case').map((e) => [e.to, e.label]);
      expect(cases.sort()).toEqual([
        ['left', 'a'],
        ['right', 'b | default'],
      ]);
      expect(l.edges.find((e) => e.kind === 'route')).toMatchObject({ from: 'nested', to: 'left' });
      expect(l.edges.find((e) => e.from === 'i1')).toMatchObject({ path: ['nested'], to: 'i2' });
      expectWellFormed(l);
    } finally {
      await layouts.close();
    }
  });

  it('computes a plan once per plan id', async () => {
    const layouts = new PlanLayouts({ deadlineMs: 120_000 });
    try {
      const a = await layouts.layout(chainPlan(3));
      const b = await layouts.layout(chainPlan(3));
      expect(b).toBe(a);
      expect(await layouts.layout(chainPlan(4))).not.toBe(a);
    } finally {
      await layouts.close();
    }
  });

  it('gives the fallback layout when ELK misses its deadline, and replaces the worker', async () => {
    const silent = new URL('./fixtures/silent-worker.mjs', import.meta.url);
    const layouts = new PlanLayouts({ deadlineMs: 50, workerUrl: silent });
    try {
      const plan = shapesPlan();
      const l = await layouts.layout(plan);
      expect(l.engine).toBe('fallback');
      expect(l).toEqual(fallbackLayout(plan));
      expect((await layouts.layout(chainPlan(2))).engine).toBe('fallback');
    } finally {
      await layouts.close();
    }
  });

  it('gives the fallback layout when the worker never gets ready', async () => {
    const mute = new URL('./fixtures/mute-worker.mjs', import.meta.url);
    const layouts = new PlanLayouts({ startMs: 50, workerUrl: mute });
    try {
      expect((await layouts.layout(shapesPlan())).engine).toBe('fallback');
    } finally {
      await layouts.close();
    }
  });

  it('the fallback layout is well formed: columns by longest path, groups around subs', () => {
    const l = fallbackLayout(shapesPlan());
    expectWellFormed(l);
    const x = (id: string): number => l.nodes.find((n) => n.id === id)!.x;
    expect(x('load')).toBeLessThan(x('square'));
    expect(x('square')).toBeLessThan(x('join'));
    expect(x('left')).toBeLessThan(x('nested'));
    expect(x('nested')).toBeLessThan(x('end'));
  });
});
