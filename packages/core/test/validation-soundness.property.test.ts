// Validation is sound for joins: a pipeline that validates never ends with a join still waiting
// (BARRIER_UNRELEASED), whatever its steps decide at run time. Random graphs with declared routes
// are run on the direct orchestrator; each step with routes flips a seeded coin on each visit to
// route with next() or to follow its static edges, and switches pick random cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { next, pipeline, validate, type Pipeline } from '../src/index.js';
import { createTestHarness } from '../src/testing/index.js';

interface Spec {
  readonly kind: 'step' | 'switch';
  readonly to: readonly number[];
  readonly routes: readonly number[];
  readonly join: 'all' | 'any' | undefined;
}

/** Random graphs: static edges go forward; routes go anywhere (loops), or there are none. */
const graphArb = (joins: readonly ('all' | 'any' | undefined)[], withRoutes: boolean): fc.Arbitrary<Spec[]> =>
  fc.integer({ min: 2, max: 7 }).chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          kind: fc.constantFrom<'step' | 'switch'>('step', 'step', 'switch'),
          to: fc.uniqueArray(fc.integer({ min: Math.min(i + 1, n - 1), max: n - 1 }), {
            maxLength: i < n - 1 ? 3 : 0,
          }),
          routes: withRoutes
            ? fc.oneof(
                { weight: 2, arbitrary: fc.constant<number[]>([]) },
                {
                  weight: 1,
                  arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), {
                    minLength: 1,
                    maxLength: 2,
                  }),
                },
              )
            : fc.constant<number[]>([]),
          join: fc.constantFrom(...joins),
        }),
      ),
    ),
  );

let counter = 0;

/** Builds the graph with code driven by `coin` (a seeded stream of decisions). */
function build(g: readonly Spec[], coin: () => number): Pipeline {
  const name = (i: number): string => `s${i}`;
  const parents = g.map((_, j) => g.filter((s) => s.to.includes(j)).length);
  let b = pipeline(`sound-${++counter}`);
  g.forEach((s, i) => {
    const join = s.join && parents[i]! >= 2 ? { join: s.join } : {};
    if (s.kind === 'switch' && s.to.length > 0) {
      const cases = Object.fromEntries(s.to.map((t, k) => [`k${k}`, name(t)]));
      b = b.switch(name(i), () => `k${Math.floor(coin() * s.to.length)}`, { cases, ...join });
      return;
    }
    const routes = s.routes.map(name);
    // Each step outputs its index, not its input: a join's input holds a copy of each parent's
    // output, so passing inputs on around a loop would double the value on every lap (a million
    // nodes after twenty laps, seconds per run) while telling nothing more about joins.
    b = b.step(
      name(i),
      () => (routes.length > 0 && coin() < 0.5 ? next(routes[Math.floor(coin() * routes.length)]!, i) : i),
      {
        ...(s.to.length > 0 ? { to: s.to.map(name) } : {}),
        ...(routes.length > 0 ? { routes } : {}),
        ...join,
      },
    );
  });
  return b.build();
}

async function neverStuck(graphs: fc.Arbitrary<Spec[]>): Promise<void> {
  const h = createTestHarness({ maxSteps: 60 });
  let ran = 0;
  await fc.assert(
    fc.asyncProperty(
      graphs,
      fc.infiniteStream(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
      async (g, stream) => {
        const it = stream[Symbol.iterator]();
        const p = build(g, () => it.next().value as number);
        fc.pre(validate(p).valid);
        ran++;
        const run = await h.run(p, 'in');
        if (run.result.status !== 'succeeded') expect(run.result.error?.code).toBe('STEP_LIMIT');
        expect(run.of('run.finish')).toHaveLength(1);
      },
    ),
    { numRuns: 300 },
  );
  expect(ran).toBeGreaterThan(100);
  await h.close();
}

// Hundreds of runs per property: on a loaded machine they take far longer than the default timeout.
describe('a pipeline that validates never leaves a join waiting', { timeout: 180_000 }, () => {
  it('ALL joins, with routes that loop', async () => {
    await neverStuck(graphArb([undefined, 'all'], true));
  });

  it('ALL and ANY joins, with switches and no routes', async () => {
    await neverStuck(graphArb([undefined, 'all', 'any'], false));
  });

  // A parent of an ANY join that next() may enter, skip or re-enter can leave a barrier holding only
  // skips: once nothing can arrive any more, the join is skipped (it used to be BARRIER_UNRELEASED).
  it('ALL and ANY joins, with switches and routes that loop', async () => {
    await neverStuck(graphArb([undefined, 'all', 'any'], true));
  });
});
