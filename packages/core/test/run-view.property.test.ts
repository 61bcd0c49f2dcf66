// The RunView fold, checked against event streams produced by real runs of random pipelines: a
// chain of nodes (steps that succeed, fail, fail once then succeed on retry, skip, stream tokens or
// suspend; maps whose items may fail; subs of two steps), run on `direct`, suspended runs resumed.
// The fold must agree with counts taken independently from the events, with what the generator
// says each node must end as, and a snapshot at any event n followed by the rest must equal the
// fold of the whole stream (the dashboard's snapshot-then-follow path).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RunViewFold,
  createEngine,
  foldRunView,
  pipeline,
  skip,
  suspend,
  type Pipeline,
  type RunEvent,
} from '../src/index.js';

type Kind = 'ok' | 'fail' | 'flaky' | 'skip' | 'tokens' | 'suspend' | 'map' | 'map-fail' | 'sub';
const KINDS: readonly Kind[] = ['ok', 'fail', 'flaky', 'skip', 'tokens', 'suspend', 'map', 'map-fail', 'sub'];

const inner = pipeline('inner')
  .step('i1', (x: unknown) => x, { to: 'i2' })
  .step('i2', (x: unknown) => x)
  .build();

function build(kinds: readonly Kind[]): Pipeline {
  let b = pipeline('chain');
  kinds.forEach((k, i) => {
    const name = `n${i}`;
    const to = i < kinds.length - 1 ? { to: `n${i + 1}` } : {};
    let flaked = false;
    switch (k) {
      case 'ok':
        b = b.step(name, (x: unknown) => x, to);
        break;
      case 'fail':
        b = b.step(
          name,
          () => {
            throw new Error(`${name} fails`);
          },
          to,
        );
        break;
      case 'flaky':
        b = b.step(
          name,
          (x: unknown) => {
            if (!flaked) {
              flaked = true;
              throw Object.assign(new Error('once'), { retryable: true });
            }
            return x;
          },
          { ...to, retry: { attempts: 2, initialDelayMs: 1, jitter: 0 } },
        );
        break;
      case 'skip':
        b = b.step(name, () => skip('not needed'), to);
        break;
      case 'tokens':
        b = b.step(
          name,
          async function* (x: unknown) {
            for (let t = 0; t < 3; t++) yield `${name}:${t}`;
            return x;
          },
          to,
        );
        break;
      case 'suspend':
        b = b.step(name, (x: unknown, ctx) => (ctx.resume === undefined ? suspend('approve', { i }) : x), to);
        break;
      case 'map':
        b = b.map(name, (x: number) => x, { ...to, concurrency: 3 });
        break;
      case 'map-fail':
        b = b.map(
          name,
          (x: number) => {
            if (x === 2) throw new Error('item 2 fails');
            return x;
          },
          { ...to, concurrency: 1, chunkSize: 1 },
        );
        break;
      case 'sub':
        b = b.sub(name, inner, to);
        break;
    }
  });
  return b.build();
}

/** What the generator says each node ends as, up to the first node that stops the run. */
function expectedStates(kinds: readonly Kind[], items: number, resumed: boolean): string[] {
  const out: string[] = [];
  let stopped: 'failed' | 'skipped' | 'suspended' | null = null;
  for (const k of kinds) {
    if (stopped === 'failed' || stopped === 'suspended') {
      out.push('pending');
      continue;
    }
    if (stopped === 'skipped') {
      out.push('skipped');
      continue;
    }
    const s =
      k === 'fail' || (k === 'map-fail' && items > 2)
        ? 'failed'
        : k === 'skip'
          ? 'skipped'
          : k === 'suspend' && !resumed
            ? 'suspended'
            : 'succeeded';
    out.push(s);
    if (s !== 'succeeded') stopped = s;
  }
  return out;
}

/** Runs, then resumes while the run suspends; event numbers continued across sessions. */
async function runOf(p: Pipeline, input: unknown): Promise<{ events: RunEvent[]; sessions: number }> {
  const engine = createEngine();
  const events: RunEvent[] = [];
  const h = engine.start(p, input, { runId: 'r', observers: [{ onEvent: (e) => events.push(e) }] });
  let r = await h.result;
  let sessions = 1;
  while (r.status === 'suspended') {
    const last = events.length;
    const next = await engine.resume(p, 'r', 'yes', {
      observers: [{ onEvent: (e) => events.push({ ...e, seq: e.seq + last }) }],
    });
    r = await next.result;
    sessions++;
  }
  return { events, sessions };
}

const count = (events: readonly RunEvent[], pred: (e: RunEvent) => boolean): number =>
  events.filter(pred).length;

describe('RunView fold over real runs', () => {
  it('agrees with the events and with what each node must end as', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 400 }),
        async (kinds, items, cut) => {
          const input = Array.from({ length: items }, (_, i) => i);
          const { events, sessions } = await runOf(build(kinds), input);
          const p = build(kinds);
          const plan = createEngine().plan(p);
          const view = foldRunView(events, plan);
          const finish = events.filter((e) => e.type === 'run.finish').at(-1);
          expect(view.status).toBe(finish?.type === 'run.finish' ? finish.status : 'running');
          expect(view.lastSeq).toBe(events.at(-1)!.seq);
          expect(view.sessions).toBe(sessions);
          const states = expectedStates(kinds, items, sessions > 1);
          kinds.forEach((k, i) => {
            const name = `n${i}`;
            const n = view.nodes[name]!;
            const mine = events.filter((e) => e.path.length === 0 && 'step' in e && e.step === name);
            expect(n.state, `${name} (${k}) in ${kinds.join(',')}`).toBe(states[i]);
            expect(n.attempts).toBe(count(mine, (e) => e.type === 'step.start'));
            expect(n.invocations).toBe(count(mine, (e) => e.type === 'step.start' && e.attempt === 1));
            expect(n.running).toBe(0);
            expect(n.retries).toBe(count(mine, (e) => e.type === 'step.retry'));
            const tokens = mine.reduce((s, e) => s + (e.type === 'token' ? e.tokens.length : 0), 0);
            expect(n.tokens).toBe(tokens);
            if (k === 'map' || k === 'map-fail') {
              expect(n.items!.done).toBe(count(mine, (e) => e.type === 'map.item' && e.ok));
              expect(n.items!.failed).toBe(count(mine, (e) => e.type === 'map.item' && !e.ok));
              if (states[i] === 'succeeded') expect(n.items).toMatchObject({ total: items, done: items });
            }
            if (k === 'flaky' && states[i] === 'succeeded')
              expect(n).toMatchObject({ attempts: 2, retries: 1 });
            if (k === 'sub' && states[i] === 'succeeded') {
              expect(n.children!['i1']!.state).toBe('succeeded');
              expect(n.children!['i2']!.state).toBe('succeeded');
            }
            if (states[i] === 'failed') expect(n.lastError).not.toBeNull();
          });
          // Edges taken along the chain: into every node that started, from its predecessor.
          for (let i = 1; i < kinds.length; i++) {
            const started = view.nodes[`n${i}`]!.invocations > 0;
            const edge = view.edges.find(
              (e) => e.path.length === 0 && e.from === `n${i - 1}` && e.to === `n${i}`,
            );
            expect(edge !== undefined, `edge n${i - 1} -> n${i}`).toBe(started);
          }
          // Snapshot at event n (serialised, as the service sends it), then the rest: same view.
          const at = Math.min(cut, events.length);
          const head = new RunViewFold(plan).applyAll(events.slice(0, at));
          const snapshot = JSON.parse(JSON.stringify(head.view)) as unknown;
          expect(snapshot).toEqual(JSON.parse(JSON.stringify(foldRunView(events.slice(0, at), plan))));
          head.applyAll(events.slice(at));
          expect(JSON.parse(JSON.stringify(head.view))).toEqual(JSON.parse(JSON.stringify(view)));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('folds a 10,000-item map into one node with counters', async () => {
    const p = pipeline('big')
      .step('load', (n: number) => Array.from({ length: n }, (_, i) => i), { to: 'square' })
      .map('square', (x: number) => x * x, { chunkSize: 100 })
      .build();
    const events: RunEvent[] = [];
    const r = await createEngine().execute(p, 10_000, { observers: [{ onEvent: (e) => events.push(e) }] });
    expect(r.status).toBe('succeeded');
    const view = foldRunView(events, createEngine().plan(p));
    expect(Object.keys(view.nodes)).toEqual(['load', 'square']);
    expect(view.nodes['square']).toMatchObject({
      state: 'succeeded',
      invocations: 1,
      items: { total: 10_000, done: 10_000, failed: 0, cached: 0 },
    });
    expect(view.edges).toEqual([{ path: [], from: 'load', to: 'square', count: 1 }]);
  });

  it('shows joins as arrived/expected and switch routes as the edge taken', async () => {
    const p = pipeline('shape')
      .step('a', (x: number) => x, { to: ['b', 'c'] })
      .step('b', (x: number) => x, { to: 'j' })
      .step('c', (x: number) => x, { to: 'j' })
      .step('j', (x: unknown) => x, { to: 'sw' })
      .switch('sw', () => 'left', { cases: { left: 'l', right: 'r' } })
      .step('l', (x: unknown) => x)
      .step('r', (x: unknown) => x)
      .build();
    const events: RunEvent[] = [];
    await createEngine().execute(p, 1, { observers: [{ onEvent: (e) => events.push(e) }] });
    const view = foldRunView(events, createEngine().plan(p));
    expect(view.nodes['j']!.join).toEqual({ arrived: 2, expected: 2, released: true, timedOut: false });
    expect(view.nodes['r']!.state).toBe('skipped');
    const taken = view.edges.map((e) => `${e.from}->${e.to}`).sort();
    expect(taken).toEqual(['a->b', 'a->c', 'b->j', 'c->j', 'j->sw', 'sw->l']);
  });
});
