// The idempotency hook (EngineOptions.memo): completed invocations are answered from the store,
// with step.skip { cached: true } / map.item { cached: true }, and checkpoints are kept per key.
import { describe, expect, it } from 'vitest';
import { createEngine, pipeline, reducers, update, type RunEvent } from '../src/index.js';
import { type MemoCall, type StepMemo } from '../src/store/index.js';
import { stableStringify } from '../src/util/hash.js';

const keyOf = (c: MemoCall): string =>
  stableStringify({ kind: c.kind, ref: c.ref, version: c.version, params: c.params, input: c.input });

function mapMemo(): StepMemo & {
  readonly values: Map<string, unknown>;
  readonly checkpoints: Map<string, unknown>;
  calls: MemoCall[];
} {
  const values = new Map<string, unknown>();
  const checkpoints = new Map<string, unknown>();
  const calls: MemoCall[] = [];
  return {
    values,
    checkpoints,
    calls,
    key: (c) => {
      calls.push(c);
      return keyOf(c);
    },
    get: (k) => (values.has(k) ? { value: values.get(k) } : undefined),
    put: (k, v) => {
      if (typeof v === 'function') throw new TypeError('functions cannot be stored');
      values.set(k, v);
      checkpoints.delete(k);
    },
    checkpoint: (k, v) => void checkpoints.set(k, v),
    lastCheckpoint: (k) => (checkpoints.has(k) ? { value: checkpoints.get(k) } : undefined),
  };
}

let made = 0;
function counted() {
  const ran: string[] = [];
  // A fresh name each time: in-memory steps are found by pipeline name, like module steps.
  const p = pipeline<number[]>(`memo-demo-${++made}`)
    .step('start', (xs: number[]) => (ran.push('start'), xs), { to: 'square' })
    .map('square', (x: number) => (ran.push(`square:${x}`), x * x), { to: 'sum' })
    .step('sum', (xs: number[]) => (ran.push('sum'), xs.reduce((a, b) => a + b, 0)))
    .build();
  return { p, ran };
}

async function run(memo: StepMemo, p: ReturnType<typeof counted>['p'], input: number[]) {
  const events: RunEvent[] = [];
  const engine = createEngine({ memo });
  const result = await engine.execute(p, input, { observers: [{ onEvent: (e) => void events.push(e) }] });
  await engine.close();
  return { result, events };
}

describe('memo hook', () => {
  it('a second run over the same input runs no step and reports each as cached', async () => {
    const memo = mapMemo();
    const { p, ran } = counted();
    const first = await run(memo, p, [1, 2, 3]);
    expect(first.result.output).toBe(14);
    expect(ran).toEqual(['start', 'square:1', 'square:2', 'square:3', 'sum']);
    ran.length = 0;
    const second = await run(memo, p, [1, 2, 3]);
    expect(second.result.status).toBe('succeeded');
    expect(second.result.output).toBe(14);
    expect(ran).toEqual([]);
    const skips = second.events.filter((e) => e.type === 'step.skip');
    expect(skips.map((e) => [e.type === 'step.skip' && e.step, e.type === 'step.skip' && e.cached])).toEqual([
      ['start', true],
      ['square', true],
      ['sum', true],
    ]);
    expect(second.events.some((e) => e.type === 'step.start')).toBe(false);
  });

  it('changing one item reruns only that item and what depends on it', async () => {
    const memo = mapMemo();
    const { p, ran } = counted();
    await run(memo, p, [1, 2, 3]);
    ran.length = 0;
    const changed = await run(memo, p, [1, 5, 3]);
    expect(changed.result.output).toBe(35);
    expect(ran).toEqual(['start', 'square:5', 'sum']);
    const items = changed.events.filter((e) => e.type === 'map.item');
    expect(items.map((e) => e.type === 'map.item' && [e.index, e.cached === true])).toEqual(
      expect.arrayContaining([
        [0, true],
        [2, true],
        [1, false],
      ]),
    );
  });

  it('the key sees code reference, params, version and input', async () => {
    const memo = mapMemo();
    const { p } = counted();
    await run(memo, p, [4]);
    const call = memo.calls.find((c) => c.node === 'square' && c.kind === 'item');
    expect(call).toMatchObject({
      kind: 'item',
      node: 'square',
      input: 4,
      index: 0,
      version: null,
      params: {},
    });
    expect(call?.ref.export).toBe('square');
  });

  it('a cached map item applies its update() state patch again: a memo-hit run ends with the same state', async () => {
    const memo = mapMemo();
    const ran: number[] = [];
    const p = pipeline<number[], { total: number; seen: number[] }>(`memo-state-${++made}`, {
      state: { total: reducers.sum(0), seen: reducers.union<number>() },
    })
      .step('start', (xs: number[]) => xs, { to: 'add' })
      .map('add', (x: number) => (ran.push(x), update({ total: x, seen: [x] }, x * 10)), { to: 'end' })
      .step('end', (xs: number[], ctx) => ({ xs, state: ctx.state }))
      .build();
    const engine = createEngine({ memo });
    const first = await engine.execute(p, [1, 2, 3]);
    expect(first.output).toEqual({ xs: [10, 20, 30], state: { total: 6, seen: [1, 2, 3] } });
    expect(ran.sort()).toEqual([1, 2, 3]);
    ran.length = 0;
    // The same input: every item is a memo hit, each one's patch applied again.
    const again = await engine.execute(p, [1, 2, 3]);
    expect(ran).toEqual([]);
    expect(again.output).toEqual(first.output);
    expect(again.state).toEqual(first.state);
    // One new item: the map runs, the three cached items replay their patches and only 4 runs.
    const more = await engine.execute(p, [1, 2, 3, 4]);
    expect(ran).toEqual([4]);
    expect(more.state).toEqual({ total: 10, seen: [1, 2, 3, 4] });
    expect(more.output).toEqual({ xs: [10, 20, 30, 40], state: { total: 10, seen: [1, 2, 3, 4] } });
    await engine.close();
  });

  it('a step with cache: false always runs', async () => {
    const memo = mapMemo();
    let n = 0;
    const p = pipeline('nocache')
      .step('tick', () => ++n, { cache: false })
      .build();
    await run(memo, p as never, []);
    await run(memo, p as never, []);
    expect(n).toBe(2);
  });

  it('a checkpoint is persisted under the key and given back to the re-run step', async () => {
    const memo = mapMemo();
    const seen: unknown[] = [];
    let fail = true;
    const p = pipeline('cp')
      .step('walk', (_: unknown, ctx) => {
        seen.push(ctx.lastCheckpoint);
        ctx.checkpoint({ offset: 10 });
        if (fail) throw new Error('crash after the checkpoint');
        return 'done';
      })
      .build();
    const first = await run(memo, p as never, []);
    expect(first.result.status).toBe('failed');
    expect([...memo.checkpoints.values()]).toEqual([{ offset: 10 }]);
    fail = false;
    const second = await run(memo, p as never, []);
    expect(second.result.output).toBe('done');
    expect(seen).toEqual([undefined, { offset: 10 }]);
    expect(memo.checkpoints.size).toBe(0);
  });

  it('a value the store refuses fails the step with a coded error', async () => {
    const memo = mapMemo();
    const p = pipeline('bad')
      .step('fn', () => () => 1)
      .build();
    const { result } = await run(memo, p as never, []);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('NOT_SERIALIZABLE');
  });
});
