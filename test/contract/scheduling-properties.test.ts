// Property tests of the scheduler on random graphs of steps, maps (random concurrency and chunk size),
// ALL joins and sub-pipelines, under a random run-wide concurrency limit: every reachable step runs
// exactly once (retried ones once per attempt), map results are gathered in input order, the run's
// output matches a reference model, the concurrency bounds are never exceeded, and the event stream keeps
// every ordering rule.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '@weft/core';
import { createProbe } from '../dist/fixtures/scheduling-probe.js';
import { buildRandom, expectedRun, type RandomSpec } from '../dist/fixtures/scheduling-random.js';
import { ORCHESTRATORS, engineFor, propertyTimeout } from './matrix.js';
import { checkOrdering, collect } from './ordering.js';
import { describeSpec, inputArbitrary, specArbitrary } from './scheduling-arbitraries.js';

/** Map nodes (qualified name → concurrency) of a spec, sub-pipelines included. */
function mapBounds(
  spec: RandomSpec,
  prefix: readonly string[] = [],
  out = new Map<string, number>(),
): Map<string, number> {
  for (const n of spec.nodes) {
    if (n.kind === 'map') out.set([...prefix, n.name].join('/'), n.concurrency ?? Infinity);
    if (n.kind === 'sub') mapBounds(n.sub!, [...prefix, n.name], out);
  }
  return out;
}

describe.each(ORCHESTRATORS)('scheduling properties on %s', (name) => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it(
    'random DAGs: exactly once, in order, within every concurrency bound, well-ordered events',
    async () => {
      const probe = createProbe({ policy: 'yield' });
      engine = engineFor(name, { services: probe.services });
      const e = engine;
      await fc.assert(
        fc.asyncProperty(
          specArbitrary({ maxNodes: 9, wild: false, depth: 1 }),
          inputArbitrary,
          fc.integer({ min: 1, max: 6 }),
          async (spec, input, maxConcurrency) => {
            probe.reset();
            const { result, events } = await collect(e.start(buildRandom(spec), input, { maxConcurrency }));
            const what = `${describeSpec(spec)}\ninput ${JSON.stringify(input)} maxConcurrency ${maxConcurrency}`;
            expect(result.error, what).toBeUndefined();
            expect(result.status, what).toBe('succeeded');
            const expected = expectedRun(spec, input);
            // Outputs: the run's and every top-level node's (map results in input order).
            expect(result.output, what).toEqual(expected.output);
            for (const [node, value] of Object.entries(expected.outputs))
              expect(result.outputs[node], `${what}\nnode ${node}`).toEqual(value);
            // Exactly once: every step and every map item, once per attempt.
            for (const [group, ids] of expected.attempts) {
              for (const [id, n] of ids) expect(probe.count(group, id), `${what}\n${group}[${id}]`).toBe(n);
              expect(probe.count(group), `${what}\n${group}`).toBe(
                [...ids.values()].reduce((a, b) => a + b, 0),
              );
            }
            expect(probe.entries.length, what).toBe(
              [...expected.attempts.values()].flatMap((m) => [...m.values()]).reduce((a, b) => a + b, 0),
            );
            // Bounds: the run's and each map's.
            expect(probe.max(), what).toBeLessThanOrEqual(maxConcurrency);
            for (const [group, bound] of mapBounds(spec))
              expect(probe.max(group), `${what}\n${group}`).toBeLessThanOrEqual(bound);
            expect(probe.inflight(), what).toBe(0);
            expect(checkOrdering(events, { complete: true }), what).toEqual([]);
          },
        ),
        { numRuns: 120 },
      );
    },
    propertyTimeout(name),
  );

  it('a large map reaches, and never passes, the run’s concurrency bound', async () => {
    const probe = createProbe({ policy: 'hold' });
    engine = engineFor(name, { services: probe.services });
    const e = engine;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 6, max: 30 }),
        async (maxConcurrency, items) => {
          probe.reset();
          probe.policy('hold');
          const spec: RandomSpec = {
            name: `wide-${maxConcurrency}-${items}`,
            nodes: [
              { name: 'n0', kind: 'step', to: ['n1'], len: items, weight: 1, tokens: 0, failTimes: 0 },
              {
                name: 'n1',
                kind: 'map',
                to: [],
                len: 0,
                weight: 2,
                tokens: 0,
                failTimes: 0,
                concurrency: 64,
                chunkSize: 1,
              },
            ],
          };
          const running = collect(e.start(buildRandom(spec), [], { maxConcurrency }));
          // The first step, then the items: hold them until as many run at once as two threads allow.
          await probe.held(1);
          probe.release(1);
          await probe.held(Math.min(maxConcurrency, 2));
          probe.policy('now');
          const { result } = await running;
          expect(result.output).toEqual(expectedRun(spec, []).output);
          expect(probe.max()).toBeLessThanOrEqual(maxConcurrency);
          // Reached too, as far as a backend of two threads can run steps at once.
          expect(probe.max()).toBeGreaterThanOrEqual(Math.min(maxConcurrency, 2));
        },
      ),
      { numRuns: 25 },
    );
  });
});
