// The canonical event-ordering suite: the rules of the one per-run event stream (see ordering.ts for
// the invariant checker), each shown on a pipeline that exercises it, then checked on random pipelines.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, RunEvent, RunHandle } from '@weft/core';
import {
  eventsChain,
  eventsFail,
  eventsJoin,
  eventsMap,
  eventsMapFail,
  eventsMapInvalid,
  eventsMapRetry,
  eventsSub,
} from '../dist/fixtures/events-ordering.js';
import { createProbe } from '../dist/fixtures/scheduling-probe.js';
import { buildRandom } from '../dist/fixtures/scheduling-random.js';
import { ORCHESTRATORS, engineFor, propertyTimeout } from './matrix.js';
import { assertOrdered, checkOrdering, collect, ofType } from './ordering.js';
import { describeSpec, inputArbitrary, specArbitrary } from './scheduling-arbitraries.js';

const nonToken = (events: readonly RunEvent[]): string[] =>
  events
    .filter((e) => e.type !== 'token')
    .map(
      (e) =>
        `${e.type}${'step' in e ? `:${[...e.path, e.step].join('/')}` : ''}${'attempt' in e ? `@${e.attempt}` : ''}`,
    );

describe.each(ORCHESTRATORS)('event ordering on %s', (name) => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it('a chain: run.start first, seq +1, each step.start before its end, step.retry between the error and the next start, one run.finish last', async () => {
    engine = engineFor(name);
    const { result, events } = await collect(engine.start(eventsChain, 1));
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe(5);
    assertOrdered(events, { complete: true });
    expect(nonToken(events)).toEqual([
      'run.start',
      'step.start:first@1',
      'step.end:first@1',
      'step.start:talk@1',
      'step.end:talk@1',
      'step.start:flaky@1',
      'step.error:flaky@1',
      'step.retry:flaky@2',
      'step.start:flaky@2',
      'step.error:flaky@2',
      'step.retry:flaky@3',
      'step.start:flaky@3',
      'step.end:flaky@3',
      'run.finish',
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const errors = ofType(events, 'step.error');
    expect(errors.map((e) => e.willRetry)).toEqual([true, true]);
  });

  it('tokens of one invocation come in order, between its step.start and its step.end', async () => {
    engine = engineFor(name);
    const { events } = await collect(engine.start(eventsChain, 1));
    const start = events.findIndex((e) => e.type === 'step.start' && e.step === 'talk');
    const end = events.findIndex((e) => e.type === 'step.end' && e.step === 'talk');
    const tokens = ofType(events, 'token');
    expect(tokens.flatMap((t) => t.tokens)).toEqual(['t0', 't1', 't2']);
    const talk = events[start] as Extract<RunEvent, { type: 'step.start' }>;
    for (const t of tokens) {
      expect(t.invocation).toBe(talk.invocation);
      expect(events.indexOf(t)).toBeGreaterThan(start);
      expect(events.indexOf(t)).toBeLessThan(end);
    }
    const finish = ofType(events, 'run.finish')[0]!;
    expect(finish.metrics.tokens).toBe(3);
  });

  it('a join: each parent’s barrier.wait before the barrier.release, the join’s step.start after it', async () => {
    engine = engineFor(name);
    const { result, events } = await collect(engine.start(eventsJoin, 1));
    expect(result.output).toBe(2 * 100 + 3);
    assertOrdered(events, { complete: true });
    const at = (pred: (e: RunEvent) => boolean): number => events.findIndex(pred);
    const waits = events.filter((e) => e.type === 'barrier.wait' && e.step === 'both');
    expect(waits.map((e) => (e as Extract<RunEvent, { type: 'barrier.wait' }>).from).sort()).toEqual([
      'left',
      'right',
    ]);
    const release = at((e) => e.type === 'barrier.release' && e.step === 'both');
    for (const w of waits) expect(events.indexOf(w)).toBeLessThan(release);
    for (const parent of ['left', 'right'])
      expect(at((e) => e.type === 'step.end' && e.step === parent)).toBeLessThan(release);
    expect(at((e) => e.type === 'step.start' && e.step === 'both')).toBeGreaterThan(release);
    const rel = events[release] as Extract<RunEvent, { type: 'barrier.release' }>;
    expect(rel).toMatchObject({ join: 'all', skipped: false });
    expect([...rel.arrived].sort()).toEqual(['left', 'right']);
  });

  it('a map: step.start, map.start, every item once, map.complete, step.end; results in input order', async () => {
    engine = engineFor(name);
    const input = [5, 4, 3, 2, 1, 0];
    const { result, events } = await collect(engine.start(eventsMap, input));
    expect(result.outputs['each']).toEqual([50, 40, 30, 20, 10, 0]);
    expect(result.output).toBe(150);
    assertOrdered(events, { complete: true });
    const mine = events
      .filter((e) => 'step' in e && e.step === 'each' && e.type !== 'token')
      .map((e) => e.type);
    expect(mine[0]).toBe('step.start');
    expect(mine[1]).toBe('map.start');
    expect(mine.slice(2, 2 + input.length)).toEqual(input.map(() => 'map.item'));
    expect(mine.slice(2 + input.length)).toEqual(['map.complete', 'step.end']);
    const start = ofType(events, 'step.start').find((e) => e.step === 'each')!;
    for (const e of [
      ...ofType(events, 'map.start'),
      ...ofType(events, 'map.item'),
      ...ofType(events, 'map.complete'),
    ])
      expect(e.invocation).toBe(start.invocation);
    expect(
      ofType(events, 'map.item')
        .map((e) => e.index)
        .sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ofType(events, 'map.start')[0]!.total).toBe(6);
    // Tokens of the items: in order per item, inside the map, tagged with the map's invocation.
    const tokens = ofType(events, 'token');
    for (const t of tokens) expect(t.invocation).toBe(start.invocation);
    const flat = tokens.flatMap((t) => t.tokens as string[]);
    expect(flat).toHaveLength(12);
    for (let i = 0; i < input.length; i++)
      expect(flat.filter((x) => x.startsWith(`item${i}:`))).toEqual([`item${i}:a`, `item${i}:b`]);
  });

  it('map items that fail once: item step.error and step.retry carry the index, inside map.start … map.complete', async () => {
    engine = engineFor(name);
    const { result, events } = await collect(engine.start(eventsMapRetry, [10, 20, 30]));
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual([12, 22, 32]);
    assertOrdered(events, { complete: true });
    const errors = ofType(events, 'step.error');
    expect(errors.map((e) => e.index).sort()).toEqual([0, 1, 2]);
    expect(errors.every((e) => e.willRetry)).toBe(true);
    expect(
      ofType(events, 'step.retry')
        .map((e) => e.index)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(ofType(events, 'run.finish')[0]!.metrics.retries).toBe(3);
  });

  it('a map item failing for good: map.complete counts it before the map’s step.error; the run fails', async () => {
    engine = engineFor(name);
    const { result, events } = await collect(engine.start(eventsMapFail, [0, 1, 2, 3, 4]));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('STEP_FAILED');
    expect(result.error?.data['index']).toBe(2);
    assertOrdered(events);
    const complete = ofType(events, 'map.complete')[0]!;
    expect(complete).toMatchObject({ count: 3, failed: 1 });
    const start = ofType(events, 'step.start')[0]!;
    const final = ofType(events, 'step.error').filter((e) => e.index === undefined);
    expect(final).toHaveLength(1);
    // The failure is told once: by the item's map.item (with its error), then the map's one step.error.
    expect(ofType(events, 'step.error')).toHaveLength(1);
    expect(ofType(events, 'map.item').find((e) => !e.ok)).toMatchObject({
      index: 2,
      attempt: 1,
      error: { code: 'STEP_FAILED' },
    });
    expect(ofType(events, 'run.finish')[0]!.metrics.fatalErrors).toBe(1);
    expect(final[0]!.invocation).toBe(start.invocation);
    expect(events.indexOf(final[0]!)).toBeGreaterThan(events.indexOf(complete));
  });

  it('MAP_INPUT_INVALID: the map’s step.error answers its own step.start', async () => {
    engine = engineFor(name);
    const { result, events } = await collect(engine.start(eventsMapInvalid, 'not a list'));
    expect(result.error?.code).toBe('MAP_INPUT_INVALID');
    assertOrdered(events);
    const [start] = ofType(events, 'step.start');
    const [error] = ofType(events, 'step.error');
    expect(error!.invocation).toBe(start!.invocation);
    expect(error!.invocation).toBeGreaterThan(0);
  });

  it('sub-pipeline events carry the path and come while the sub step runs', async () => {
    engine = engineFor(name);
    const { result, events } = await collect(engine.start(eventsSub, 1));
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe(2 + 3);
    assertOrdered(events, { complete: true });
    const start = events.findIndex(
      (e) => e.type === 'step.start' && e.step === 'nested' && e.path.length === 0,
    );
    const end = events.findIndex((e) => e.type === 'step.end' && e.step === 'nested' && e.path.length === 0);
    const inner = events.filter((e) => e.path.length > 0);
    expect(inner.length).toBeGreaterThan(0);
    for (const e of inner) {
      expect(e.path).toEqual(['nested']);
      expect(events.indexOf(e)).toBeGreaterThan(start);
      expect(events.indexOf(e)).toBeLessThan(end);
    }
    expect(inner.filter((e) => e.type === 'step.end').map((e) => (e as { step: string }).step)).toEqual([
      'a',
      'c',
    ]);
    expect(
      ofType(inner, 'token')
        .flatMap((t) => t.tokens)
        .sort(),
    ).toEqual(['inner1', 'inner2']);
    expect(ofType(inner, 'map.item')).toHaveLength(2);
    const finish = ofType(events, 'run.finish')[0]!;
    expect(Object.keys(finish.metrics.steps).sort()).toEqual([
      'nested',
      'nested/a',
      'nested/c',
      'post',
      'pre',
    ]);
    expect(finish.metrics.mapFanout['nested/c']).toEqual({ items: 2, failed: 0 });
  });

  it('a failed run: the finish event carries the error, and nothing comes after it', async () => {
    engine = engineFor(name);
    const { result, events } = await collect(engine.start(eventsFail, 1));
    expect(result.status).toBe('failed');
    assertOrdered(events);
    const finish = events[events.length - 1]!;
    expect(finish.type).toBe('run.finish');
    expect(finish).toMatchObject({ status: 'failed', error: { code: 'STEP_FAILED', message: 'boom' } });
    expect(ofType(events, 'run.finish')).toHaveLength(1);
  });

  it('the finish event carries status, durationMs and metrics that agree with the stream', async () => {
    engine = engineFor(name);
    const { result, events } = await collect(engine.start(eventsChain, 1));
    const finish = ofType(events, 'run.finish')[0]!;
    expect(finish.status).toBe('succeeded');
    expect(finish.error).toBeUndefined();
    expect(finish.durationMs).toBeGreaterThanOrEqual(0);
    expect(finish.durationMs).toBe(result.durationMs);
    const m = finish.metrics;
    expect(m).toEqual(result.metrics);
    expect(m.orchestrator).toBe(name);
    expect(m.tasks).toBe(5); // first, talk, flaky ×3
    expect(m.queueDepthMax).toBeGreaterThanOrEqual(1);
    expect(m.retries).toBe(2);
    expect(m.retryableErrors).toBe(2);
    expect(m.fatalErrors).toBe(0);
    expect(m.tokens).toBe(3);
    expect(m.events).toBe(events.length);
    expect(m.steps['flaky']).toMatchObject({ count: 1, errors: 2, retries: 2 });
    expect(m.steps['first']).toMatchObject({ count: 1, errors: 0 });
    expect(typeof m.workerRestarts).toBe('number');
    expect(typeof m.bytesMoved).toBe('number');
    const join = await collect(engine.start(eventsJoin, 1));
    const jm = ofType(join.events, 'run.finish')[0]!.metrics;
    expect(jm.barrierWaits['both']).toMatchObject({ count: 1 });
    const map = await collect(engine.start(eventsMap, [1, 2, 3]));
    const mm = ofType(map.events, 'run.finish')[0]!.metrics;
    expect(mm.mapFanout['each']).toEqual({ items: 3, failed: 0 });
    expect(mm.tasks).toBe(4);
    expect(mm.tokens).toBe(6);
  });

  it('the checker rejects streams that break a rule', async () => {
    engine = engineFor(name);
    const { events } = await collect(engine.start(eventsChain, 1));
    const join = (await collect(engine.start(eventsJoin, 1))).events;
    const map = (await collect(engine.start(eventsMap, [1, 2]))).events;
    const sub = (await collect(engine.start(eventsSub, 1))).events;
    expect(checkOrdering(events, { complete: true })).toEqual([]);
    const renumber = (xs: readonly RunEvent[]): RunEvent[] =>
      xs.map((e, i) => ({ ...e, seq: i + 1, time: 0 }));
    const idx = (xs: readonly RunEvent[], pred: (e: RunEvent) => boolean): number => xs.findIndex(pred);
    const swap = (xs: readonly RunEvent[], i: number, j: number): RunEvent[] => {
      const c = [...xs];
      [c[i], c[j]] = [c[j]!, c[i]!];
      return renumber(c);
    };
    const move = (xs: readonly RunEvent[], from: number, to: number): RunEvent[] => {
      const c = [...xs];
      const [e] = c.splice(from, 1);
      c.splice(to, 0, e!);
      return renumber(c);
    };
    const without = (xs: readonly RunEvent[], i: number): RunEvent[] =>
      renumber(xs.filter((_, k) => k !== i));
    const top = (type: string, step: string) => (e: RunEvent) =>
      e.type === type && 'step' in e && e.step === step && e.path.length === 0;
    const firstItem = idx(map, (e) => e.type === 'map.item');
    const good = renumber(events);
    const broken: [string, RunEvent[], RegExp][] = [
      ['no run.start', without(events, 0), /first event must be run.start/],
      ['event after finish', renumber([...events, events[1]!]), /after run.finish/],
      ['two finishes', renumber([...events, events[events.length - 1]!]), /after run.finish/],
      ['seq gap', good.map((e, i) => (i > 3 ? { ...e, seq: e.seq + 1 } : e)), /seq must follow/],
      ['time going back', good.map((e, i) => (i === 3 ? { ...e, time: -1 } : e)), /time went back/],
      ['end before start', swap(events, 1, 2), /never started/],
      [
        'token after end',
        swap(
          events,
          idx(events, (e) => e.type === 'token'),
          idx(events, top('step.end', 'talk')),
        ),
        /after the invocation ended/,
      ],
      [
        'retry missing',
        without(
          events,
          idx(events, (e) => e.type === 'step.retry'),
        ),
        /step\.retry/,
      ],
      [
        'start before retry',
        swap(
          events,
          idx(events, (e) => e.type === 'step.retry'),
          idx(events, (e) => e.type === 'step.retry') + 1,
        ),
        /without a step.retry/,
      ],
      [
        'release before wait',
        swap(
          join,
          idx(join, (e) => e.type === 'barrier.release') - 1,
          idx(join, (e) => e.type === 'barrier.release'),
        ),
        /barrier/,
      ],
      [
        'item before map.start',
        swap(
          map,
          idx(map, (e) => e.type === 'map.start'),
          firstItem,
        ),
        /outside map.start/,
      ],
      [
        'item twice',
        renumber([...map.slice(0, firstItem + 1), map[firstItem]!, ...map.slice(firstItem + 1)]),
        /reported twice/,
      ],
      [
        'map ends before map.complete',
        swap(
          map,
          idx(map, (e) => e.type === 'map.complete'),
          idx(map, top('step.end', 'each')),
        ),
        /before its map.complete/,
      ],
      [
        'sub event outside its sub',
        move(sub, idx(sub, top('step.end', 'nested')), idx(sub, top('step.start', 'nested')) + 1),
        /sub step is not running/,
      ],
      [
        'sub event without path',
        renumber(sub.map((e) => (e.path.length > 0 && e.type === 'step.start' ? { ...e, path: [] } : e))),
        /never started/,
      ],
      [
        'metrics disagree',
        renumber(
          events.map((e) => (e.type === 'run.finish' ? { ...e, metrics: { ...e.metrics, tokens: 99 } } : e)),
        ),
        /metrics.tokens/,
      ],
      [
        'finish without metrics',
        renumber(
          events.map((e) =>
            e.type === 'run.finish' ? ({ ...e, metrics: undefined } as unknown as RunEvent) : e,
          ),
        ),
        /no metrics/,
      ],
      [
        'cancelled without an error',
        renumber(events.map((e) => (e.type === 'run.finish' ? { ...e, status: 'cancelled' as const } : e))),
        /without an error/,
      ],
      ['open invocation', renumber(events.filter((e) => !top('step.end', 'first')(e))), /never ended/],
    ];
    expect(checkOrdering(good, { complete: true })).toEqual([]);
    for (const [what, stream, rule] of broken)
      expect(checkOrdering(stream, { complete: true }).join('\n'), what).toMatch(rule);
  });

  it('an observer that cancels the run from inside an event keeps the stream ordered', async () => {
    engine = engineFor(name);
    for (const at of ['step.start', 'step.end', 'step.error', 'step.retry', 'token', 'run.start'] as const) {
      let handle: RunHandle | undefined;
      let fired = false;
      handle = engine.start(eventsChain, 1, {
        observers: [
          {
            onEvent: (e) => {
              if (e.type === at && !fired) {
                fired = true;
                handle!.cancel(`cancel at ${at}`);
              }
            },
          },
        ],
      });
      const { result, events } = await collect(handle);
      expect(result.status, at).toBe('cancelled');
      assertOrdered(events);
      expect(ofType(events, 'run.cancel')[0]?.reason).toBe(`cancel at ${at}`);
      const trigger = events.findIndex((e) => e.type === at);
      expect(
        events.findIndex((e) => e.type === 'run.cancel'),
        at,
      ).toBe(trigger + 1);
      handle = undefined;
    }
  });

  it(
    'property: random pipelines (joins ALL/ANY, maps, switches, subs, tokens, retries, failures, cancels) keep every ordering rule',
    async () => {
      const probe = createProbe({ policy: 'yield' });
      engine = engineFor(name, { services: probe.services });
      const e = engine;
      await fc.assert(
        fc.asyncProperty(
          specArbitrary({ maxNodes: 8, wild: true, depth: 1 }),
          inputArbitrary,
          fc.nat(60),
          fc.boolean(),
          async (spec, input, cancelAt, viaSignal) => {
            probe.reset();
            const controller = new AbortController();
            let seen = 0;
            let handle: RunHandle | undefined;
            handle = e.start(buildRandom(spec), input, {
              signal: controller.signal,
              observers: [
                {
                  onEvent: () => {
                    if (++seen !== cancelAt) return;
                    if (viaSignal) controller.abort('random cancel');
                    else handle!.cancel('random cancel');
                  },
                },
              ],
            });
            const { result, events } = await collect(handle);
            const violations = checkOrdering(events, { complete: result.status === 'succeeded' });
            expect(
              violations,
              `${describeSpec(spec)}\ninput ${JSON.stringify(input)} cancelAt ${cancelAt}`,
            ).toEqual([]);
            if (cancelAt === 0 || cancelAt > events.length) expect(result.status).not.toBe('cancelled');
            handle = undefined;
          },
        ),
        { numRuns: 150 },
      );
    },
    propertyTimeout(name),
  );
});
