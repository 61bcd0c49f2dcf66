// Guided chunks at the scheduler (issue 12 item 11): the pure transition decides each chunk's size
// when it dispatches. Driven by hand here (no engine, no orchestrator, no clock): every dispatched
// chunk is recorded, then the oldest task completes, until the run finishes.
import { describe, expect, it } from 'vitest';
import { compile } from '../src/plan/compile.js';
import { pipeline } from '../src/index.js';
import type { ItemOutcome } from '../src/orchestrator/types.js';
import { Scheduler, planAt, type Effect, type SchedulerEvent } from '../src/scheduler/index.js';

type Fed = SchedulerEvent extends infer E ? (E extends unknown ? Omit<E, 'now' | 'room'> : never) : never;

/** Runs a one-map pipeline over `input` on the scheduler alone; returns the sizes of its chunks, in dispatch order. */
function chunksOf(
  input: unknown,
  o: {
    parallelism?: number;
    defaultChunkSize?: number;
    runChunkSize?: number | null;
    nodeChunkSize?: number;
  } = {},
): { chunks: number[]; output: unknown } {
  const p = pipeline<unknown>('guided-scheduler')
    .map('x2', (x: number) => x * 2, o.nodeChunkSize ? { chunkSize: o.nodeChunkSize } : {})
    .build();
  const plan = compile(p);
  const scheduler = new Scheduler({
    plan,
    maxSteps: Number.POSITIVE_INFINITY,
    maxConcurrency: Number.POSITIVE_INFINITY,
    chunkSize: o.runChunkSize ?? null,
    parallelism: o.parallelism ?? 2,
    defaultChunkSize: o.defaultChunkSize ?? 256,
    random: () => 0.5,
    stateKeys: (path) => planAt(plan, path).state,
    handles: () => false,
    memo: null,
    chains: () => false,
  });
  const state = scheduler.initial('run', input);
  const chunks: number[] = [];
  const open: number[] = [];
  const queue: Fed[] = [{ t: 'start' }];
  let source: Iterator<unknown> | undefined;
  let finished = false;
  const perform = (e: Effect): void => {
    if (e.t === 'dispatch') {
      const items = state.invs[e.inv]!.items;
      if (items) chunks.push(items.length);
      open.push(e.inv);
    } else if (e.t === 'pull') {
      source ??= (input as Iterable<unknown>)[Symbol.iterator]();
      const items: unknown[] = [];
      let r = source.next();
      while (!r.done && items.length < e.n) {
        items.push(r.value);
        if (items.length < e.n) r = source.next();
      }
      queue.push({ t: 'pulled', map: e.map, items, exhausted: r.done === true });
    } else if (e.t === 'waitDrain') queue.push({ t: 'drained' });
    else if (e.t === 'finish') finished = true;
  };
  for (let turn = 0; turn < 10_000 && !finished; turn++) {
    if (queue.length === 0) {
      const inv = open.shift();
      if (inv === undefined) break;
      const items = (state.invs[inv]?.items ?? []) as number[];
      queue.push({ t: 'started', inv });
      queue.push({
        t: 'done',
        inv,
        outcome: { ok: true, value: items.map((x): ItemOutcome => ({ ok: true, value: x * 2 })) },
      });
    }
    const event = { ...queue.shift()!, now: 0, room: Number.POSITIVE_INFINITY } as SchedulerEvent;
    for (const e of scheduler.schedule(state, event).effects) perform(e);
  }
  expect(finished).toBe(true);
  expect(state.outcome?.status).toBe('succeeded');
  return { chunks, output: state.execs['root']?.outputs['x2'] };
}

const ramp = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('scheduler: guided chunk sizes', () => {
  it('a map of known size without a chunk size: chunks shrink as it drains (64 items, 2 threads)', () => {
    const r = chunksOf(ramp(64));
    expect(r.chunks).toEqual([16, 12, 9, 7, 5, 4, 3, 2, 2, 1, 1, 1, 1]);
    expect(r.output).toEqual(ramp(64).map((x) => x * 2));
  });

  it('on 4 threads the first chunk is an eighth of the map, and a Set (known size) is guided too', () => {
    expect(chunksOf(ramp(64), { parallelism: 4 }).chunks).toEqual([
      8, 7, 7, 6, 5, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    expect(chunksOf(new Set(ramp(64))).chunks).toEqual([16, 12, 9, 7, 5, 4, 3, 2, 2, 1, 1, 1, 1]);
  });

  it('a chunk size given on the node or the run wins: equal chunks', () => {
    expect(chunksOf(ramp(64), { nodeChunkSize: 8 }).chunks).toEqual([8, 8, 8, 8, 8, 8, 8, 8]);
    expect(chunksOf(ramp(64), { runChunkSize: 16 }).chunks).toEqual([16, 16, 16, 16]);
  });

  it('an input of unknown size, and an orchestrator that does not chunk, keep their fixed cut', () => {
    function* gen(): Generator<number> {
      yield* ramp(40);
    }
    expect(chunksOf(gen(), { defaultChunkSize: 10 }).chunks).toEqual([10, 10, 10, 10]);
    expect(chunksOf(ramp(8), { defaultChunkSize: 1 }).chunks).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('a long map never goes below its floor, and is capped by the default chunk size', () => {
    const long = chunksOf(Array.from({ length: 20_000 }, () => 1));
    expect(long.chunks.length).toBe(Math.ceil(20_000 / 256));
    expect(long.chunks.slice(0, -1).every((c) => c === 256)).toBe(true);
  });
});
