import { afterEach, describe, expect, it } from 'vitest';
import {
  WeftError,
  pipeline,
  reducers,
  suspend,
  systemClock,
  update,
  type StepContext,
} from '../src/index.js';
import { SimulatedClock, createTestHarness, type TestHarness } from '../src/testing/index.js';

// Users' pipelines, as a user would write them: the harness replaces some steps with in-process code.
const lookup = pipeline<string>('lookup', { module: import.meta.url })
  .step('normalise', (q: string) => q.trim().toLowerCase(), { to: 'fetch' })
  .step(
    'fetch',
    () => {
      throw new Error('would call the network');
    },
    { to: 'render' },
  )
  .step('render', (doc: { title: string }) => `<h1>${doc.title}</h1>`)
  .build();

const enrich = pipeline<string>('enrich', { module: import.meta.url })
  .step(
    'geocode',
    () => {
      throw new Error('would call a geocoding service');
    },
    { to: 'format' },
  )
  .step('format', (g: { lat: number; lon: number }) => `${g.lat},${g.lon}`)
  .build();

const withSub = pipeline<string>('with-sub', { module: import.meta.url })
  .step('prepare', (x: string) => x.toUpperCase(), { to: 'enrich' })
  .sub('enrich', enrich, { to: 'done' })
  .step('done', (x: string) => ({ coordinates: x }))
  .build();

const flaky = pipeline<string>('flaky', { module: import.meta.url })
  .step(
    'call',
    (x: string, ctx: StepContext) => {
      if (ctx.attempt < 3)
        throw new WeftError('QUOTA_EXCEEDED', `busy (${ctx.attempt})`, { retryable: true });
      return `${x} on attempt ${ctx.attempt}`;
    },
    { retry: { attempts: 3, initialDelayMs: 1_000, factor: 2 } },
  )
  .build();

const slow = pipeline('slow', { module: import.meta.url })
  .step('wait', () => new Promise(() => undefined), { timeoutMs: 250 })
  .build();

const streaming = pipeline<number>('streaming', { module: import.meta.url })
  .step(
    'count',
    async function* (n: number) {
      for (let i = 1; i <= n; i++) yield `token ${i}`;
      return n;
    },
    { to: 'after' },
  )
  .step('after', (n: number) => n * 2)
  .build();

const approval = pipeline<string, { notes: string[] }>('harness-approval', {
  module: import.meta.url,
  state: { notes: reducers.append<string>() },
})
  .step('draft', (x: string) => update({ notes: ['drafted'] }, `draft of ${x}`), { to: 'approve' })
  .step(
    'approve',
    (d: string, ctx: StepContext) =>
      ctx.resume === undefined ? suspend('sign-off', { d }) : `${d} approved by ${String(ctx.resume)}`,
    { to: 'publish' },
  )
  .step(
    'publish',
    (x: string, ctx: StepContext) => {
      if (ctx.attempt === 1) throw new WeftError('QUOTA_EXCEEDED', 'publisher busy', { retryable: true });
      return `published: ${x}`;
    },
    { retry: { attempts: 2, initialDelayMs: 400, jitter: 0 } },
  )
  .build();

describe('test harness (@weft/core/testing)', () => {
  let h: TestHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('replaces a step with an override; the others run as declared', async () => {
    h = createTestHarness({ overrides: { fetch: (q: string) => ({ title: `Result for ${q}` }) } });
    const run = await h.run(lookup, '  Weft  ');
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toBe('<h1>Result for weft</h1>');
    expect(run.ended).toEqual(['normalise', 'fetch', 'render']);
  });

  it('lets a run override a harness override, and fails as declared without one', async () => {
    h = createTestHarness({ overrides: { fetch: () => ({ title: 'harness' }) } });
    const run = await h.run(lookup, 'q', { overrides: { fetch: () => ({ title: 'run' }) } });
    expect(run.result.output).toBe('<h1>run</h1>');
    const bare = createTestHarness();
    const failed = await bare.run(lookup, 'q');
    await bare.close();
    expect(failed.result.status).toBe('failed');
    expect(failed.result.error?.message).toBe('would call the network');
  });

  it('replaces a step inside a sub-pipeline by its qualified name', async () => {
    h = createTestHarness({
      overrides: { 'enrich/geocode': (place: string) => ({ lat: place.length, lon: -1 }) },
    });
    const run = await h.run(withSub, 'paris');
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual({ coordinates: '5,-1' });
    expect(run.ended).toEqual(['prepare', 'enrich/geocode', 'enrich/format', 'enrich', 'done']);
  });

  it('runs on a simulated clock: retry delays pass at once, at their exact simulated times', async () => {
    h = createTestHarness();
    const run = await h.run(flaky, 'job');
    expect(run.result.output).toBe('job on attempt 3');
    // Default random is 0.5 with full jitter: 1000·0.5, then 2000·0.5.
    expect(run.of('step.retry').map((e) => e.delayMs)).toEqual([500, 1_000]);
    expect(run.of('step.start').map((e) => e.time)).toEqual([0, 500, 1_500]);
    expect(h.clock.now()).toBe(1_500);
    expect(run.result.durationMs).toBe(1_500);
  });

  it('fires a step timeout on the simulated clock', async () => {
    h = createTestHarness();
    const run = await h.run(slow);
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe('STEP_TIMEOUT');
    expect(run.of('run.finish')[0]?.time).toBe(250);
  });

  it('accepts an injected clock and random source', async () => {
    const clock = new SimulatedClock(10_000);
    h = createTestHarness({ clock, random: () => 0 });
    const run = await h.run(flaky, 'x');
    expect(h.clock).toBe(clock);
    expect(run.of('step.retry').map((e) => e.delayMs)).toEqual([1_000, 2_000]);
    expect(clock.now()).toBe(13_000);
  });

  it('uses the real clock when simulated is false', async () => {
    h = createTestHarness({ simulated: false });
    expect(h.clock).toBe(systemClock);
    const run = await h.run(lookup, 'x', { overrides: { fetch: () => ({ title: 'real' }) } });
    expect(run.result.output).toBe('<h1>real</h1>');
  });

  it('gives helper views of the events: of, types, tokens, ended', async () => {
    h = createTestHarness();
    const run = await h.run(streaming, 3);
    expect(run.result.output).toBe(6);
    expect(run.types[0]).toBe('run.start');
    expect(run.types.at(-1)).toBe('run.finish');
    expect(run.types.filter((t) => t === 'run.finish')).toHaveLength(1);
    expect(run.tokens('count')).toEqual(['token 1', 'token 2', 'token 3']);
    expect(run.tokens('after')).toEqual([]);
    expect(run.ended).toEqual(['count', 'after']);
    expect(run.of('step.end').map((e) => e.output)).toEqual([3, 6]);
    expect(run.events.map((e) => e.seq)).toEqual(run.events.map((_, i) => i + 1));
  });

  it('starts a run without driving it: the caller holds the handle', async () => {
    h = createTestHarness();
    const { handle, done } = h.start(slow);
    handle.cancel('not needed');
    const run = await done;
    expect(run.result.status).toBe('cancelled');
    expect(run.types).toContain('run.cancel');
  });

  it('resumes a suspended run through the harness, driving the clock for its retries', async () => {
    h = createTestHarness();
    const first = await h.run(approval, 'memo', { runId: 'harness-1' });
    expect(first.result.status).toBe('suspended');
    expect(first.result.suspended).toEqual([
      { step: 'approve', reason: 'sign-off', data: { d: 'draft of memo' } },
    ]);
    const resumed = await h.resume(approval, 'harness-1', 'ada');
    expect(resumed.result.status).toBe('succeeded');
    expect(resumed.result.output).toBe('published: draft of memo approved by ada');
    expect(resumed.result.state).toEqual({ notes: ['drafted'] });
    expect(resumed.of('step.retry').map((e) => e.delayMs)).toEqual([400]);
    expect(resumed.ended).toEqual(['approve', 'publish']);
  });

  it('applies its overrides to a resumed run', async () => {
    h = createTestHarness({ overrides: { publish: (x: string) => `stub published ${x}` } });
    await h.run(approval, 'memo', { runId: 'harness-2' });
    const resumed = await h.resume(approval, 'harness-2', 'bo');
    expect(resumed.result.output).toBe('stub published draft of memo approved by bo');
    expect(resumed.of('step.retry')).toEqual([]);
  });
});
