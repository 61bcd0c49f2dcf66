// Guided chunks (issue 12 item 11): a map of known size with no chunk size given cuts its items into
// chunks that shrink as it drains, so items of uneven cost still spread over the threads. Checked on
// a simulated pool: two virtual threads that take tasks in order and "run" each item for as many
// virtual time units as its value; the makespan is exact, no clock or timing involved.
import { describe, expect, it } from 'vitest';
import { createEngine, pipeline } from '../src/index.js';
import type { Orchestrator, Task, TaskOutcome } from '../src/orchestrator/index.js';
import { GUIDED_FLOOR_SHARE, guidedChunk } from '../src/scheduler/guided-chunk.js';

/** A pool of `threads` virtual threads: FIFO queue, an items task costs the sum of its items. */
class SimulatedPool implements Orchestrator {
  readonly name = 'simulated-pool';
  readonly capabilities = { blocking: true, detached: true, durable: false, parallel: true };
  readonly defaultChunkSize: number;
  readonly parallelism: number;
  /** Items per task, in dispatch order. */
  readonly chunks: number[] = [];
  now = 0;
  readonly #queue: { task: Task; resolve: (o: TaskOutcome) => void }[] = [];
  readonly #running: ({ end: number; finish: () => void } | null)[];
  #scheduled = false;

  constructor(threads: number, defaultChunkSize: number) {
    this.parallelism = threads;
    this.defaultChunkSize = defaultChunkSize;
    this.#running = Array.from({ length: threads }, () => null);
  }

  run(task: Task): Promise<TaskOutcome> {
    const items = (task.items ?? [task.input]) as number[];
    if (task.kind === 'items') this.chunks.push(items.length);
    return new Promise((resolve) => {
      this.#queue.push({ task, resolve });
      this.#schedule();
    });
  }

  /** One step of the simulation after the runtime reacted to the last one (it may dispatch more). */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#step();
    });
  }

  #step(): void {
    for (let t = 0; t < this.#running.length; t++) {
      if (this.#running[t] !== null) continue;
      const next = this.#queue.shift();
      if (!next) break;
      const items = (next.task.kind === 'items' ? next.task.items : [next.task.input]) as number[];
      const cost = items.reduce((a, b) => a + b, 0);
      const value =
        next.task.kind === 'items'
          ? items.map((x) => ({ ok: true as const, value: x * 2 }))
          : next.task.input;
      this.#running[t] = { end: this.now + cost, finish: () => next.resolve({ ok: true, value }) };
    }
    let first = -1;
    for (let t = 0; t < this.#running.length; t++) {
      const r = this.#running[t];
      if (r && (first < 0 || r.end < this.#running[first]!.end)) first = t;
    }
    if (first < 0) return;
    const done = this.#running[first]!;
    this.#running[first] = null;
    this.now = done.end;
    done.finish();
    this.#schedule();
  }

  stats() {
    return { workerRestarts: 0, bytesMoved: 0 };
  }

  async close(): Promise<void> {}
}

const double = pipeline<number[]>('guided-double')
  .map('x2', (x: number) => x * 2)
  .build();

/** Runs the map over `items` on a simulated pool; returns its makespan and chunk sizes. */
async function simulate(
  items: Iterable<number>,
  o: { threads?: number; max?: number; chunkSize?: number } = {},
): Promise<{ makespan: number; chunks: number[]; output: unknown }> {
  const pool = new SimulatedPool(o.threads ?? 2, o.max ?? 256);
  const engine = createEngine({ orchestrator: pool });
  const result = await engine.execute(double, items, o.chunkSize ? { chunkSize: o.chunkSize } : {});
  await engine.close();
  expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
  return { makespan: pool.now, chunks: pool.chunks, output: result.output };
}

/** Item i costs i + 1: sorted by size, the heavy items come last. */
const ramp = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('guided chunks', () => {
  it('64 items on 2 threads: chunks shrink as the map drains', async () => {
    const { chunks, output } = await simulate(ramp(64));
    expect(chunks).toEqual([16, 12, 9, 7, 5, 4, 3, 2, 2, 1, 1, 1, 1]);
    expect(output).toEqual(ramp(64).map((x) => x * 2));
  });

  it('items of rising cost: within 3% of the ideal makespan, where 4 equal chunks take 25% longer', async () => {
    const ideal = (64 * 65) / 2 / 2; // 1040: the work split evenly over 2 threads
    const guided = await simulate(ramp(64));
    const even = await simulate(ramp(64), { chunkSize: 16 }); // the cut before: 16, 16, 16, 16
    expect(even.chunks).toEqual([16, 16, 16, 16]);
    expect(even.makespan).toBe(1296);
    expect(guided.makespan).toBeLessThanOrEqual(ideal * 1.03);
  });

  it('items of falling cost and a few heavy items at random places stay near the ideal too', async () => {
    const falling = ramp(64).reverse();
    const r = await simulate(falling);
    expect(r.makespan).toBeLessThanOrEqual(1040 * 1.05);
    // Eight items of 40 units among 56 of 1, at fixed pseudo-random places.
    const spikes = Array.from({ length: 64 }, (_, i) => ((i * 37) % 64 < 8 ? 40 : 1));
    const work = spikes.reduce((a, b) => a + b, 0);
    const s = await simulate(spikes);
    expect(s.makespan).toBeLessThanOrEqual((work / 2) * 1.1);
  });

  it('an explicit chunk size, an iterable of unknown size and a long map of tiny items keep few chunks', async () => {
    expect((await simulate(ramp(64), { chunkSize: 8 })).chunks).toEqual([8, 8, 8, 8, 8, 8, 8, 8]);
    function* gen(): Generator<number> {
      yield* ramp(40);
    }
    expect((await simulate(gen(), { max: 10 })).chunks).toEqual([10, 10, 10, 10]);
    // 20,000 items: never below total / (threads × GUIDED_FLOOR_SHARE), capped by the pool's chunk size.
    const long = await simulate(
      Array.from({ length: 20_000 }, () => 1),
      { max: 256 },
    );
    expect(long.chunks.length).toBe(Math.ceil(20_000 / 256));
    const mid = await simulate(
      Array.from({ length: 2_000 }, () => 1),
      { max: 256 },
    );
    expect(Math.min(...mid.chunks.slice(0, -1))).toBeGreaterThanOrEqual(2_000 / (2 * GUIDED_FLOOR_SHARE));
    expect(mid.chunks.length).toBeLessThan(2_000 / 256 + 20);
  });

  it('guidedChunk: half an even share of what is left, between the floor and the maximum', () => {
    const g = { total: 64, parallelism: 2 };
    expect(guidedChunk(64, 256, g)).toBe(16);
    expect(guidedChunk(48, 256, g)).toBe(12);
    expect(guidedChunk(3, 256, g)).toBe(1);
    expect(guidedChunk(64, 10, g)).toBe(10);
    expect(guidedChunk(1, 256, { total: 6400, parallelism: 2 })).toBe(100);
  });
});
