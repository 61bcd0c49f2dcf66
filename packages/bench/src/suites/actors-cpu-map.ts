import { cpuMap, spin, type CpuItem } from './actors-fixtures.js';
import { calibrate, piscinaPool, warm, workersEngine } from './actors-shared.js';
import type { Suite } from '../suite.js';
import { expectOutput } from './shared.js';

const ITEMS = 64;
const THREADS = 2;

/**
 * A CPU-bound map of 64 items on 2 threads: the main thread (a plain loop), plain piscina (one
 * task per item, `Promise.all`) and Weft `workers` (engine.execute of a one-node map pipeline).
 */
function cpuMapSuite(name: string, itemUs: number, target: number): Suite {
  return {
    name,
    description: `a ${ITEMS}-item map of ~${itemUs >= 1000 ? `${itemUs / 1000} ms` : `${itemUs} µs`} CPU-bound items on ${THREADS} threads: Weft workers vs the main thread and plain piscina`,
    async setup({ smoke }) {
      const iterations = smoke ? 1000 : calibrate(itemUs);
      const n = smoke ? 8 : ITEMS;
      const items: CpuItem[] = Array.from({ length: n }, (_, seed) => ({ seed, iterations }));
      const expected = items.map((x) => spin(x.iterations, x.seed));
      const same = (out: number[]): boolean => out.length === n && out.every((v, i) => v === expected[i]);
      const engine = workersEngine({ threads: THREADS });
      await warm(engine, () => engine.execute(cpuMap, items.slice(0, 4)));
      const pool = piscinaPool(THREADS);
      await Promise.all(items.slice(0, 4).map((x) => pool.run({ op: 'spin', ...x })));
      return {
        unit: 'item',
        baseline: 'main thread',
        params: { items: n, threads: THREADS, iterationsPerItem: iterations, targetItemUs: itemUs },
        cases: [
          {
            name: 'main thread',
            description: 'a plain loop over the items on the main thread',
            units: n,
            run() {
              const out = items.map((x) => spin(x.iterations, x.seed));
              if (!same(out)) throw new Error('main thread: wrong output');
            },
          },
          {
            name: 'piscina, one task per item',
            description: `plain piscina (${THREADS} threads, defaults): Promise.all of one pool.run per item`,
            units: n,
            async run() {
              const out = (await Promise.all(items.map((x) => pool.run({ op: 'spin', ...x })))) as number[];
              if (!same(out)) throw new Error('piscina: wrong output');
            },
          },
          {
            name: 'weft workers',
            description: `engine.execute of a map node on the workers orchestrator (${THREADS} threads, default chunking)`,
            units: n,
            async run() {
              expectOutput(await engine.execute<number[]>(cpuMap, items), same, 'weft workers');
            },
          },
        ],
        targets: [
          {
            case: 'weft workers',
            metric: 'speedup',
            min: target,
            label: `issue 3: ≥ ${target}× the main thread at ~${itemUs} µs items on ${THREADS} threads`,
          },
        ],
        async teardown() {
          await engine.close();
          await pool.destroy();
        },
      };
    },
  };
}

/** ~6 ms items. */
export const actorsCpu6msSuite: Suite = cpuMapSuite('actors-cpu-6ms', 6000, 1.9);

/** ~64 µs items. */
export const actorsCpu64usSuite: Suite = cpuMapSuite('actors-cpu-64us', 64, 1.5);
