// Properties of the pure scheduler (@weft/core/scheduler), driven directly: random pipelines (steps,
// maps, switches, ALL/ANY joins, sub-pipelines; retries, timeouts, concurrency bounds, barrier
// timeouts, error handlers) under random interleavings of task starts, item reports, completions
// (values, control results, retryable and fatal failures), timer firings, handler answers, event-stream
// backpressure, cancellation and suspension — no thread, no clock, no promise. Every session's event
// stream keeps the ordering invariants (ordering.ts; the finish event's metrics are the run
// controller's, checked by the engine suites, not here), the scheduler's own bookkeeping holds after
// every transition, a suspended run's state is plain data that resumes to a well-ordered session, and
// the same events give the same effects (the transition is deterministic).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerState } from '@weft/core/scheduler';
import { checkOrdering } from './ordering.js';
import { buildModel, linearArbitrary, modelArbitrary, type Model } from './scheduler-model.js';
import { drive, envFor, seeded, type Choose } from './scheduler-driver.js';

const limitsArbitrary = fc.record({
  maxConcurrency: fc.integer({ min: 1, max: 6 }),
  parallelism: fc.integer({ min: 1, max: 3 }),
  defaultChunkSize: fc.integer({ min: 1, max: 4 }),
  maxSteps: fc.constantFrom(10_000, 12),
  // A backend that runs linear chains of steps where the first ran (see core's `Task.chain`).
  chains: fc.boolean(),
});

/** Ordering violations, leaving out the finish event's metrics (the run controller's part). */
const orderingProblems = (events: Parameters<typeof checkOrdering>[0], complete: boolean): string[] =>
  checkOrdering(events, { complete }).filter((v) => !/run\.finish: (no )?metrics/.test(v));

/** A copy without the errors' stack traces (where an error was built, not what it says). */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'stack' ? undefined : x)));
}

/** How sessions ended, and whether chains were taken (a property that never reaches a case tests nothing of it). */
type Seen = Map<string, number>;

/** Runs a model through up to three sessions (start, then resumes while it suspends), checking each. */
function sessions(
  model: Model,
  limits: Parameters<typeof envFor>[2],
  input: unknown,
  stream: fc.Stream<number>,
  seed: number,
  seen: Seen,
): void {
  const { pipeline, plan } = buildModel(model);
  const scheduler = new Scheduler(envFor(pipeline, plan, limits, seeded(seed)));
  const it = stream[Symbol.iterator]();
  const choose: Choose = (n) => (it.next().value as number) % n;
  let state = scheduler.initial('run', input);
  let first: { t: 'start' } | { t: 'resume'; value: unknown } = { t: 'start' };
  const count = (kind: string): void => void seen.set(kind, (seen.get(kind) ?? 0) + 1);
  for (let session = 1; session <= 3; session++) {
    const s = drive(scheduler, state, first, choose, pipeline);
    const what = `session ${session}\n${s.events.map((e) => `${e.seq} ${e.type} ${'step' in e ? [...e.path, e.step].join('/') : ''}`).join('\n')}`;
    expect(s.violations, what).toEqual([]);
    const status = s.state.outcome?.status;
    count(`${status}${session > 1 ? ' (resumed)' : ''}`);
    if (s.links.taken > 0) count('chain');
    if (s.links.ranAhead > 0) count('ran ahead');
    expect(orderingProblems(s.events, status === 'succeeded' && !s.interrupted), what).toEqual([]);
    if (status !== 'suspended') break;
    // The snapshot is the state itself: plain data, nothing in flight.
    expect(Object.keys(s.state.invs), what).toEqual([]);
    expect(Object.keys(s.state.maps), what).toEqual([]);
    expect(Object.keys(s.state.timers), what).toEqual([]);
    state = structuredClone<SchedulerState>(s.state);
    first = { t: 'resume', value: `resumed ${session}` };
  }
}

const expectSeen = (seen: Seen, kinds: readonly string[]): void => {
  for (const kind of kinds)
    expect(seen.get(kind) ?? 0, `${kind} in ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
};

describe('the pure scheduler', () => {
  it('keeps every ordering invariant and its own bookkeeping under random interleavings, suspensions and resumptions', () => {
    const seen: Seen = new Map();
    fc.assert(
      fc.property(
        modelArbitrary(7),
        limitsArbitrary,
        fc.array(fc.nat(5), { minLength: 0, maxLength: 6 }),
        fc.infiniteStream(fc.nat({ max: 1 << 20 })),
        fc.nat(),
        (model, limits, input, stream, seed) => sessions(model, limits, input, stream, seed, seen),
      ),
      { numRuns: 300 },
    );
    expectSeen(seen, ['succeeded', 'failed', 'cancelled', 'suspended', 'succeeded (resumed)']);
  });

  it('takes the steps a backend ran ahead as a chain only as it would have decided them, under the same invariants', () => {
    const seen: Seen = new Map();
    fc.assert(
      fc.property(
        linearArbitrary(8),
        limitsArbitrary.map((l) => ({ ...l, chains: true })),
        fc.array(fc.nat(5), { minLength: 0, maxLength: 6 }),
        fc.infiniteStream(fc.nat({ max: 1 << 20 })),
        fc.nat(),
        (model, limits, input, stream, seed) => sessions(model, limits, input, stream, seed, seen),
      ),
      { numRuns: 300 },
    );
    expectSeen(seen, ['succeeded', 'failed', 'cancelled', 'suspended', 'chain', 'ran ahead']);
  });

  it('is deterministic: the same events from the same state give the same effects', () => {
    fc.assert(
      fc.property(
        modelArbitrary(6),
        limitsArbitrary,
        fc.infiniteStream(fc.nat({ max: 1 << 20 })),
        fc.nat(),
        (model, limits, stream, seed) => {
          const { pipeline, plan } = buildModel(model);
          const it = stream[Symbol.iterator]();
          const choose: Choose = (n) => (it.next().value as number) % n;
          const a = new Scheduler(envFor(pipeline, plan, limits, seeded(seed)));
          const s = drive(a, a.initial('run', [1, 2, 3]), { t: 'start' }, choose, pipeline);
          const b = new Scheduler(envFor(pipeline, plan, limits, seeded(seed)));
          const state = b.initial('run', [1, 2, 3]);
          const replayed = s.fed.map((e) => plain(b.schedule(state, e).effects));
          expect(replayed).toEqual(s.effects.map((e) => plain(e)));
          expect(plain(state)).toEqual(plain(s.state));
        },
      ),
      { numRuns: 150 },
    );
  });
});
