// RunViewFold.from: a view serialised at event n (JSON, as the service sends it to the browser), then
// the events after n, must give the view of the whole stream, at every n of real runs that retry,
// map with failing items, stream tokens, nest a sub-pipeline, switch, and suspend then resume.
import { describe, expect, it } from 'vitest';
import { RunViewFold, createEngine, foldRunView, pipeline, suspend, type RunEvent } from '../src/index.js';

const inner = pipeline('inner')
  .step('i1', (x: unknown) => x, { to: 'i2' })
  .step('i2', (x: unknown) => x)
  .build();

function build() {
  let flaked = 0;
  let itemFailed = false;
  return pipeline('mixed')
    .step('load', (n: number) => Array.from({ length: n }, (_, i) => i), { to: 'square' })
    .map(
      'square',
      (x: number) => {
        if (x === 3 && !itemFailed) {
          itemFailed = true;
          throw Object.assign(new Error('item 3 fails once'), { retryable: true });
        }
        return x * x;
      },
      { to: 'flaky', concurrency: 1, chunkSize: 2, retry: { attempts: 2, initialDelayMs: 1, jitter: 0 } },
    )
    .step(
      'flaky',
      (x: unknown) => {
        if (flaked++ < 2) throw Object.assign(new Error('not yet'), { code: 'STEP_FAILED', retryable: true });
        return x;
      },
      { to: 'talk', retry: { attempts: 3, initialDelayMs: 1, jitter: 0 } },
    )
    .step(
      'talk',
      async function* (x: unknown) {
        for (let t = 0; t < 4; t++) yield `t${t}`;
        return x;
      },
      { to: 'nested' },
    )
    .sub('nested', inner, { to: 'gate' })
    .step(
      'gate',
      (x: unknown, ctx) => (ctx.resume === undefined ? suspend('approve', { why: 'check' }) : x),
      {
        to: 'sw',
      },
    )
    .switch('sw', () => 'left', { cases: { left: 'l', right: 'r' } })
    .step('l', (x: unknown) => x)
    .step('r', (x: unknown) => x)
    .build();
}

async function events(): Promise<{
  events: RunEvent[];
  plan: ReturnType<ReturnType<typeof createEngine>['plan']>;
}> {
  const engine = createEngine();
  const p = build();
  const out: RunEvent[] = [];
  const h = engine.start(p, 8, { runId: 'r', observers: [{ onEvent: (e) => out.push(e) }] });
  let r = await h.result;
  while (r.status === 'suspended') {
    const last = out.length;
    const next = await engine.resume(p, 'r', 'yes', {
      observers: [{ onEvent: (e) => out.push({ ...e, seq: e.seq + last }) }],
    });
    r = await next.result;
  }
  return { events: out, plan: engine.plan(p) };
}

const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('RunViewFold.from', () => {
  it('continues a serialised snapshot at every event n to the view of the whole stream', async () => {
    const { events: all, plan } = await events();
    expect(all.some((e) => e.type === 'run.suspend')).toBe(true);
    expect(all.some((e) => e.type === 'step.retry')).toBe(true);
    expect(all.some((e) => e.type === 'step.error' && e.index === 3)).toBe(true);
    expect(all.some((e) => e.type === 'token')).toBe(true);
    expect(all.at(-1)).toMatchObject({ type: 'run.finish', status: 'succeeded' });
    const whole = json(foldRunView(all, plan));
    for (let n = 0; n <= all.length; n++) {
      const snapshot = json(foldRunView(all.slice(0, n), plan)) as ReturnType<typeof foldRunView>;
      const fold = RunViewFold.from(snapshot, plan).applyAll(all.slice(n));
      expect(json(fold.view), `snapshot at event ${n}`).toEqual(whole);
    }
  });

  it('keeps a step that waits for its retry running, and cancelled when the run is cancelled then', async () => {
    const p = pipeline('waits')
      .step(
        'again',
        () => {
          throw Object.assign(new Error('later'), { retryable: true });
        },
        { retry: { attempts: 5, initialDelayMs: 60_000, jitter: 0 } },
      )
      .build();
    const engine = createEngine();
    const all: RunEvent[] = [];
    const h = engine.start(p, 1, {
      observers: [
        {
          onEvent: (e) => {
            all.push(e);
            if (e.type === 'step.error' && e.willRetry) h.cancel('enough');
          },
        },
      ],
    });
    await h.result;
    const plan = engine.plan(p);
    const whole = json(foldRunView(all, plan)) as ReturnType<typeof foldRunView>;
    expect(whole.status).toBe('cancelled');
    expect(whole.nodes['again']!.state).toBe('cancelled');
    const waiting = all.findIndex((e) => e.type === 'step.error') + 1;
    const snapshot = json(foldRunView(all.slice(0, waiting), plan)) as ReturnType<typeof foldRunView>;
    expect(snapshot.nodes['again']).toMatchObject({ state: 'running', running: 0 });
    expect(json(RunViewFold.from(snapshot, plan).applyAll(all.slice(waiting)).view)).toEqual(whole);
  });
});
