// Property-based tests of graph validation: random graphs of steps (forward edges, back edges that
// make cycles, edges to names that are not steps, declared dynamic routes, joins) are validated,
// and the problems must match what an independent reference predicts. The reference works on
// transitive-closure matrices (Floyd–Warshall) and implements the rules as the README states them:
// - candidates are steps without a static parent; a candidate reached (by static edges or routes)
//   from a candidate outside its own strongly connected class is not a start; each source class
//   contributes its first-declared member. None: NO_ROOT. Several: MULTIPLE_ROOTS.
// - UNREACHABLE_STEP: not reached (static edges and routes) from any start.
// - STATIC_CYCLE: the static edges have a cycle.
// - JOIN_UNREACHABLE: an ALL join, itself reachable, such that the start (static edges only) or a
//   route target (static edges only from it) reaches some but not all of its parents.
// - OPTION_INVALID: `join` or `barrierTimeoutMs` on a step with fewer than two static parents.
// - UNKNOWN_TARGET: every (step, name) with a name in `to`/`routes`/cases that is not a step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, pipeline, validate, type Problem } from '../src/index.js';

interface NodeSpec {
  readonly kind: 'step' | 'switch';
  readonly to: readonly string[];
  readonly routes: readonly string[];
  readonly join: 'all' | 'any' | undefined;
  readonly barrierTimeoutMs: number | undefined;
}
type Graph = readonly NodeSpec[];

const UNKNOWN = ['ghost', 'n9'];
const nameOf = (i: number): string => `n${i}`;

const graphArb: fc.Arbitrary<Graph> = fc.integer({ min: 1, max: 7 }).chain((n) => {
  const target = (i: number): fc.Arbitrary<string> =>
    fc.oneof(
      {
        weight: i < n - 1 ? 8 : 0,
        arbitrary: fc.integer({ min: Math.min(i + 1, n - 1), max: n - 1 }).map(nameOf),
      },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: n - 1 }).map(nameOf) },
      { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN) },
    );
  const node = (i: number): fc.Arbitrary<NodeSpec> =>
    fc
      .record({
        kind: fc.constantFrom<'step' | 'switch'>('step', 'step', 'step', 'switch'),
        to: fc.array(target(i), { maxLength: 3 }),
        routes: fc.oneof(
          { weight: 3, arbitrary: fc.constant([]) },
          { weight: 1, arbitrary: fc.array(target(i), { minLength: 1, maxLength: 2 }) },
        ),
        join: fc.constantFrom(undefined, undefined, 'all', 'any'),
        barrierTimeoutMs: fc.constantFrom(undefined, undefined, undefined, 50),
      })
      .map((s) =>
        s.kind === 'switch' && s.to.length === 0
          ? { ...s, kind: 'step' as const }
          : s.kind === 'switch'
            ? { ...s, routes: [] }
            : s,
      );
  return fc.tuple(...Array.from({ length: n }, (_, i) => node(i)));
});

function build(g: Graph) {
  let b = pipeline('random');
  g.forEach((s, i) => {
    const common = {
      ...(s.join ? { join: s.join } : {}),
      ...(s.barrierTimeoutMs ? { barrierTimeoutMs: s.barrierTimeoutMs } : {}),
    };
    if (s.kind === 'switch') {
      const cases = Object.fromEntries(s.to.slice(0, -1).map((t, k) => [`k${k}`, t]));
      const last = s.to[s.to.length - 1]!;
      b =
        s.to.length === 1
          ? b.switch(nameOf(i), () => 'k0', { cases: { k0: last }, ...common })
          : b.switch(nameOf(i), () => 'k0', { cases, default: last, ...common });
    } else {
      b = b.step(nameOf(i), (x: unknown) => x, {
        ...(s.to.length > 0 ? { to: s.to.length === 1 ? s.to[0]! : [...s.to] } : {}),
        ...(s.routes.length > 0 ? { routes: [...s.routes] } : {}),
        ...common,
      });
    }
  });
  return b.build();
}

/** Everything the reference predicts. */
interface Expected {
  codes: Set<string>;
  unknown: [string, string][];
  onCycle: Set<string>;
  scc: (a: string, b: string) => boolean;
  roots: string[];
  unreachable: string[];
  joinUnreachable: string[];
  optionInvalid: [string, string][];
  staticEdge: (a: string, b: string) => boolean;
  parents: Map<string, string[]>;
}

function closure(n: number, edge: (i: number, j: number) => boolean): boolean[][] {
  const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => edge(i, j)));
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) if (m[i]![k]) for (let j = 0; j < n; j++) if (m[k]![j]) m[i]![j] = true;
  return m;
}

function reference(g: Graph): Expected {
  const n = g.length;
  const names = g.map((_, i) => nameOf(i));
  const index = (s: string): number => names.indexOf(s);
  const codes = new Set<string>();
  const unknown: [string, string][] = [];
  g.forEach((s, i) => {
    for (const t of new Set([...s.to, ...s.routes])) if (index(t) < 0) unknown.push([names[i]!, t]);
  });
  if (unknown.length > 0) codes.add('UNKNOWN_TARGET');

  const S = (i: number, j: number): boolean => g[i]!.to.includes(names[j]!);
  const R = (i: number, j: number): boolean => g[i]!.routes.includes(names[j]!);
  const sPlus = closure(n, S);
  const aPlus = closure(n, (i, j) => S(i, j) || R(i, j));
  const sStar = (i: number, j: number): boolean => i === j || sPlus[i]![j]!;
  const aStar = (i: number, j: number): boolean => i === j || aPlus[i]![j]!;

  const onCycle = new Set(names.filter((_, i) => sPlus[i]![i]));
  if (onCycle.size > 0) codes.add('STATIC_CYCLE');

  const parents = new Map(names.map((m, j) => [m, names.filter((_, i) => S(i, j))]));
  const candidates = names.map((_, i) => i).filter((i) => parents.get(names[i]!)!.length === 0);
  const roots: string[] = [];
  for (const c of candidates) {
    const cls = candidates.filter((d) => aStar(c, d) && aStar(d, c));
    const isSource = candidates.every((d) => cls.includes(d) || !aStar(d, c));
    if (isSource && Math.min(...cls) === c) roots.push(names[c]!);
  }
  const optionInvalid: [string, string][] = [];
  g.forEach((s, i) => {
    if (parents.get(names[i]!)!.length >= 2) return;
    if (s.join) optionInvalid.push([names[i]!, 'join']);
    if (s.barrierTimeoutMs) optionInvalid.push([names[i]!, 'barrierTimeoutMs']);
  });
  if (optionInvalid.length > 0) codes.add('OPTION_INVALID');

  const unreachable: string[] = [];
  const joinUnreachable: string[] = [];
  if (roots.length === 0) codes.add('NO_ROOT');
  else {
    if (roots.length > 1) codes.add('MULTIPLE_ROOTS');
    const rootIdx = roots.map(index);
    const fromStart = (j: number): boolean => rootIdx.some((r) => aStar(r, j));
    for (let j = 0; j < n; j++) if (!fromStart(j)) unreachable.push(names[j]!);
    const entries: ((j: number) => boolean)[] = [(j) => rootIdx.some((r) => sStar(r, j))];
    for (let i = 0; i < n; i++)
      if (fromStart(i)) for (let t = 0; t < n; t++) if (R(i, t)) entries.push((j) => sStar(t, j));
    for (let j = 0; j < n; j++) {
      const ps = parents.get(names[j]!)!.map(index);
      if (ps.length < 2 || g[j]!.join === 'any' || !fromStart(j)) continue;
      if (entries.some((reach) => ps.some(reach) && !ps.every(reach))) joinUnreachable.push(names[j]!);
    }
    if (unreachable.length > 0) codes.add('UNREACHABLE_STEP');
    if (joinUnreachable.length > 0) codes.add('JOIN_UNREACHABLE');
  }
  return {
    codes,
    unknown,
    onCycle,
    scc: (a, b) => aStar(index(a), index(b)) && aStar(index(b), index(a)),
    roots,
    unreachable,
    joinUnreachable,
    optionInvalid,
    staticEdge: (a, b) => S(index(a), index(b)),
    parents,
  };
}

const of = (problems: readonly Problem[], code: string): Problem[] => problems.filter((q) => q.code === code);

describe('graph validation matches an independent reference on random graphs', () => {
  it('reports exactly the predicted problems', () => {
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(graphArb, (g) => {
        const report = validate(build(g));
        const want = reference(g);
        const got = report.problems;
        for (const c of want.codes.size === 0 ? ['valid'] : want.codes)
          outcomes.set(c, (outcomes.get(c) ?? 0) + 1);

        expect(new Set(got.map((q) => q.code))).toEqual(want.codes);
        expect(of(got, 'UNKNOWN_TARGET').map((q) => [q.node, q.target])).toEqual(want.unknown);
        expect(of(got, 'UNREACHABLE_STEP').map((q) => q.node)).toEqual(want.unreachable);
        expect(of(got, 'JOIN_UNREACHABLE').map((q) => q.node)).toEqual(want.joinUnreachable);
        expect(of(got, 'OPTION_INVALID').map((q) => [q.node, q.option])).toEqual(want.optionInvalid);
        const multiple = of(got, 'MULTIPLE_ROOTS');
        if (want.roots.length > 1) expect(multiple.map((q) => q.roots)).toEqual([want.roots]);
        for (const q of of(got, 'JOIN_UNREACHABLE')) expect(want.parents.get(q.node!)).toContain(q.target);

        // Each reported cycle is a real closed walk over static edges, and every cyclic strongly
        // connected class has at least one reported cycle.
        const cycles = of(got, 'STATIC_CYCLE').map((q) => q.cycle!);
        for (const c of cycles) {
          expect(c[0]).toBe(c[c.length - 1]);
          for (let k = 0; k + 1 < c.length; k++) expect(want.staticEdge(c[k]!, c[k + 1]!)).toBe(true);
        }
        for (const v of want.onCycle) expect(cycles.some((c) => want.scc(c[0]!, v))).toBe(true);

        if (report.valid) {
          const plan = compile(build(g));
          expect(plan.root).toBe(want.roots[0]);
          for (const [name, ps] of want.parents) {
            expect(plan.nodes[name]!.parents).toEqual(ps);
            const declared = g[Number(name.slice(1))]!.join;
            expect(plan.nodes[name]!.join).toBe(ps.length < 2 ? null : declared === 'any' ? 'any' : 'all');
          }
        } else {
          expect(() => compile(build(g))).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID' }));
        }
      }),
      { numRuns: 2000 },
    );
    // Not vacuous: every outcome shows up among the random graphs.
    expect([...outcomes.keys()].sort()).toEqual(
      [
        'JOIN_UNREACHABLE',
        'MULTIPLE_ROOTS',
        'NO_ROOT',
        'OPTION_INVALID',
        'STATIC_CYCLE',
        'UNKNOWN_TARGET',
        'UNREACHABLE_STEP',
        'valid',
      ].sort(),
    );
  });

  it('agrees with the reference on a few hand-made graphs (regression seeds)', () => {
    const step = (to: string[], routes: string[] = [], join?: 'all' | 'any'): NodeSpec => ({
      kind: 'step',
      to,
      routes,
      join,
      barrierTimeoutMs: undefined,
    });
    const graphs: Graph[] = [
      [step(['n1']), step([], ['n0'])], // loop back to the start through routes
      [step([], ['n1']), step([], ['n0'])], // two candidates that route to each other
      [step(['n1'], ['n2']), step(['n3']), step(['n3']), step([])], // ALL join fed by a dynamic branch
      [step(['n1', 'n2']), step(['n3']), step(['n3'], ['n1']), step([])], // a loop re-entering one branch of a join
      [step([], ['n1']), step(['n2', 'n3']), step(['n4']), step(['n4']), step([])], // parents share a dynamic entry
    ];
    for (const g of graphs) {
      const want = reference(g);
      expect(new Set(validate(build(g)).problems.map((q) => q.code))).toEqual(want.codes);
    }
  });
});
