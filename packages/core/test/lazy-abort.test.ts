// The lazily created abort signal and the step context: what a step or an orchestrator observes must
// not depend on when (or whether) the signal was created.
import { describe, expect, it } from 'vitest';
import { createEngine, isWeftError, pipeline, type StepContext } from '../src/index.js';
import { createStepContext } from '../src/orchestrator/index.js';
import { LazyAbortController, withLazySignal } from '../src/runtime/lazy-abort.js';

describe('LazyAbortController', () => {
  it('creates no signal until asked, and one created after abort() starts aborted with the reason', () => {
    const c = new LazyAbortController();
    expect(c.aborted).toBe(false);
    expect(c.cancelled).toBe(false);
    c.abort({ code: 'STEP_CANCELLED' });
    c.abort('ignored: only the first abort counts');
    expect(c.aborted).toBe(true);
    expect(c.cancelled).toBe(true);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toEqual({ code: 'STEP_CANCELLED' });
    expect(c.signal).toBe(c.signal);
  });

  it('aborts a signal created before abort(), firing its listeners once', () => {
    const c = new LazyAbortController();
    const s = c.signal;
    const seen: unknown[] = [];
    s.addEventListener('abort', () => seen.push(s.reason));
    c.abort('why');
    c.abort('again');
    expect(seen).toEqual(['why']);
  });

  it('tells onCancel listeners once, with the reason, without creating a signal; a late listener at once', () => {
    const c = new LazyAbortController();
    const seen: unknown[] = [];
    c.onCancel((r) => seen.push(['first', r]));
    c.onCancel((r) => seen.push(['second', r]));
    expect(seen).toEqual([]);
    c.abort('why');
    c.abort('again');
    expect(seen).toEqual([
      ['first', 'why'],
      ['second', 'why'],
    ]);
    c.onCancel((r) => seen.push(['late', r]));
    expect(seen[2]).toEqual(['late', 'why']);
    expect(c.reason).toBe('why');
    // No AbortSignal was needed for any of it: one created now starts aborted with the same reason.
    expect(c.signal.reason).toBe('why');
  });

  it('gives the default AbortError reason when aborted without one, as AbortController does', () => {
    const c = new LazyAbortController();
    c.abort();
    expect((c.signal.reason as Error).name).toBe('AbortError');
  });

  it('withLazySignal keeps every field and reads the signal from the controller', () => {
    const cancel = new LazyAbortController();
    const task = withLazySignal({ id: 7, node: 'n', cancel });
    expect(task.id).toBe(7);
    expect(task.node).toBe('n');
    expect(task.cancel).toBe(cancel);
    cancel.abort('stop');
    expect(task.signal.aborted).toBe(true);
    expect(task.signal.reason).toBe('stop');
  });
});

describe('createStepContext', () => {
  function context(over: { signal?: AbortSignal | (() => AbortSignal); cancelled?: () => boolean } = {}): {
    ctx: StepContext;
    checkpoints: unknown[];
  } {
    const checkpoints: unknown[] = [];
    const ctx = createStepContext({
      runId: 'r',
      step: 's',
      path: ['sub'],
      attempt: 2,
      index: 3,
      state: { a: 1 },
      params: { p: true },
      resume: 'again',
      signal: over.signal ?? new AbortController().signal,
      flag: {
        get cancelled() {
          return over.cancelled?.() ?? false;
        },
      },
      lastCheckpoint: 10,
      actor: 'actor',
      host: { svc: {} },
      onCheckpoint: (v) => checkpoints.push(v),
    });
    return { ctx, checkpoints };
  }

  it('exposes the fields given', () => {
    const { ctx } = context();
    expect({
      runId: ctx.runId,
      step: ctx.step,
      path: ctx.path,
      attempt: ctx.attempt,
      index: ctx.index,
      state: ctx.state,
      params: ctx.params,
      resume: ctx.resume,
      actor: ctx.actor as unknown, // StepContext.actor is `any` for step authors
      host: ctx.host,
    }).toEqual({
      runId: 'r',
      step: 's',
      path: ['sub'],
      attempt: 2,
      index: 3,
      state: { a: 1 },
      params: { p: true },
      resume: 'again',
      actor: 'actor',
      host: { svc: {} },
    });
  });

  it('calls a signal factory only when the step reads ctx.signal, once', () => {
    let made = 0;
    const real = new AbortController().signal;
    const { ctx } = context({ signal: () => (made++, real) });
    expect(made).toBe(0);
    expect(ctx.signal).toBe(real);
    expect(ctx.signal).toBe(real);
    expect(made).toBe(1);
  });

  it('keeps destructured methods working, and the live views live', () => {
    let cancelled = false;
    const { ctx, checkpoints } = context({ cancelled: () => cancelled });
    // Destructuring is what this test is about: the methods must not need `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const { checkpoint, throwIfCancelled } = ctx;
    expect(ctx.lastCheckpoint).toBe(10);
    checkpoint(42);
    expect(checkpoints).toEqual([42]);
    expect(ctx.lastCheckpoint).toBe(42);
    expect(() => throwIfCancelled()).not.toThrow();
    expect(ctx.cancelled).toBe(false);
    cancelled = true;
    expect(ctx.cancelled).toBe(true);
    let caught: unknown;
    try {
      throwIfCancelled();
    } catch (e) {
      caught = e;
    }
    expect(isWeftError(caught) && caught.code).toBe('STEP_CANCELLED');
  });
});

describe('the signal a step sees on direct', () => {
  it('is a real AbortSignal that aborts when the run is cancelled', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: { aborted: boolean; reason: unknown }[] = [];
    const p = pipeline('lazy-signal', { module: import.meta.url })
      .step('wait', async (_: unknown, ctx) => {
        const signal = ctx.signal;
        release();
        await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
        seen.push({ aborted: signal.aborted, reason: signal.reason });
        return 'late';
      })
      .build();
    const engine = createEngine();
    const handle = engine.start(p, null);
    await gate;
    handle.cancel('enough');
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.aborted).toBe(true);
    expect((seen[0]!.reason as { code: string }).code).toBe('RUN_CANCELLED');
    await engine.close();
  });

  it('reads ctx.cancelled synchronously without touching the signal', async () => {
    const p = pipeline('lazy-flag', { module: import.meta.url })
      .map('items', (x: number, ctx) => (ctx.cancelled ? -1 : x + 1))
      .build();
    const engine = createEngine();
    const result = await engine.execute(p, [1, 2, 3]);
    expect(result.output).toEqual([2, 3, 4]);
    await engine.close();
  });
});
