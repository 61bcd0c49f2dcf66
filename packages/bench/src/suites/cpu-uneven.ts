import { Piscina } from 'piscina';
import { cpuMap, spin, type CpuItem } from './actors-fixtures.js';
import { BASELINE_WORKER, calibrate, warm, workersEngine } from './actors-shared.js';
import type { Suite } from '../suite.js';
import { expectOutput } from './shared.js';

const ITEMS = 64;
const THREADS = 2;
/** The mean item cost; the items cost from 1/32.5 to 2 × this, rising with their index. */
const MEAN_US = 600;

/** Weights 1…n normalised to a mean of 1: item i costs (i + 1) / mean of (1…n). */
export function unevenWeights(n: number): number[] {
  const mean = (n + 1) / 2;
  return Array.from({ length: n }, (_, i) => (i + 1) / mean);
}

/**
 * A CPU-bound map of 64 items of UNEVEN cost on 2 threads: item i costs (i + 1) units (about 18 µs
 * to 1.2 ms; input sorted by size, as files listed by size are), so equal chunks of items are not
 * equal chunks of work. Beside the even-cost `cpu-*` suites: the main thread (baseline), piscina
 * with one task per item, Weft `workers` with fixed chunks of 16 (what the defaults cut a 64-item map
 * into before issue 12), with one item per chunk, and with the defaults (guided chunks: the chunks
 * shrink as the map drains, so the last, heaviest items are spread over the threads).
 */
export const cpuUnevenSuite: Suite = {
  name: 'cpu-uneven',
  description: `a ${ITEMS}-item map of CPU-bound items of uneven cost (~${Math.round(MEAN_US / 32.5)} µs to ~${(MEAN_US * 2) / 1000} ms, rising) on ${THREADS} threads: Weft workers' default chunking vs fixed chunks, one item per chunk, piscina and the main thread`,
  async setup({ smoke }) {
    const n = smoke ? 8 : ITEMS;
    const unit = smoke ? 1000 : calibrate(MEAN_US);
    const items: CpuItem[] = unevenWeights(n).map((w, seed) => ({
      seed,
      iterations: Math.max(1, Math.round(unit * w)),
    }));
    const expected = items.map((x) => spin(x.iterations, x.seed));
    const same = (out: readonly unknown[]): boolean =>
      out.length === n && out.every((v, i) => v === expected[i]);
    const engine = workersEngine({ threads: THREADS });
    const piscina = new Piscina({ filename: BASELINE_WORKER, minThreads: THREADS, maxThreads: THREADS });
    const teardown = async (): Promise<void> => {
      await engine.close();
      await piscina.destroy();
    };
    try {
      const few = items.slice(0, 4);
      await warm(engine, () => engine.execute(cpuMap, few));
      await Promise.all(few.map((x) => piscina.run({ op: 'spin', ...x })));
    } catch (e) {
      await teardown();
      throw e;
    }
    const weft = (name: string, description: string, chunkSize?: number) => ({
      name,
      description,
      units: n,
      run: async () =>
        expectOutput(
          await engine.execute<number[]>(cpuMap, items, chunkSize === undefined ? {} : { chunkSize }),
          same,
          name,
        ),
    });
    const fixed = Math.ceil(n / (THREADS * 2));
    return {
      unit: 'item',
      baseline: 'main thread',
      params: {
        items: n,
        threads: THREADS,
        meanItemUs: MEAN_US,
        iterationsPerUnit: unit,
        cost: 'item i: i + 1',
      },
      cases: [
        {
          name: 'main thread',
          description: 'a plain loop over the items on the main thread',
          units: n,
          run: () => {
            const out = items.map((x) => spin(x.iterations, x.seed));
            if (!same(out)) throw new Error('main thread: wrong output');
          },
        },
        {
          name: 'piscina, one task per item',
          description: `piscina (${THREADS} threads, defaults): Promise.all of one pool.run per item`,
          units: n,
          run: async () => {
            const out = (await Promise.all(items.map((x) => piscina.run({ op: 'spin', ...x })))) as number[];
            if (!same(out)) throw new Error('piscina: wrong output');
          },
        },
        weft(
          `weft workers, fixed chunks of ${fixed}`,
          `chunkSize ${fixed}: ${THREADS * 2} equal chunks (the default before issue 12)`,
          fixed,
        ),
        weft('weft workers, chunkSize 1', 'chunkSize 1: one item per task', 1),
        weft('weft workers', 'the defaults (guided chunks)'),
      ],
      targets: [
        {
          case: 'weft workers',
          metric: 'speedup',
          min: 1.8,
          label: `issue 12: ≥ 1.8× the main thread with the default chunking, items of uneven cost on ${THREADS} threads`,
        },
      ],
      teardown,
    };
  },
};
