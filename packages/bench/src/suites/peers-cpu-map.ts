import { Piscina } from 'piscina';
import { cpuMap, spin, type CpuItem } from './actors-fixtures.js';
import { BASELINE_WORKER, calibrate, warm, workersEngine } from './actors-shared.js';
import { StaticSplit, peerMissing, tinypoolPool, workerpoolPool } from './peers-shared.js';
import type { BenchCase, SkippedCase, Suite, Target } from '../suite.js';
import { expectOutput } from './shared.js';

const ITEMS = 64;
const THREADS = 2;

function label(us: number): string {
  return us >= 1000 ? `${us / 1000} ms` : `${us} µs`;
}

/**
 * A CPU-bound map of 64 equal items on 2 threads, the same kernel everywhere: the main thread (a
 * plain loop, the baseline), raw worker_threads with a static split (the floor of overhead),
 * piscina, tinypool and workerpool with one task per item (as their docs show), and Weft `workers`
 * (engine.execute of a one-node map pipeline, default chunking). Every case checks every hash.
 */
function cpuPeersSuite(name: string, itemUs: number, speedupTarget: number | undefined): Suite {
  return {
    name,
    description: `a ${ITEMS}-item map of ~${label(itemUs)} CPU-bound items on ${THREADS} threads: Weft workers vs the main thread, raw worker_threads, piscina, tinypool, workerpool`,
    async setup({ smoke }) {
      const iterations = smoke ? 1000 : calibrate(itemUs);
      const n = smoke ? 8 : ITEMS;
      const items: CpuItem[] = Array.from({ length: n }, (_, seed) => ({ seed, iterations }));
      const expected = items.map((x) => spin(x.iterations, x.seed));
      const same = (out: readonly unknown[]): boolean =>
        out.length === n && out.every((v, i) => v === expected[i]);
      const check = (out: readonly unknown[], who: string): void => {
        if (!same(out)) throw new Error(`${who}: wrong output`);
      };
      const engine = workersEngine({ threads: THREADS });
      const piscina = new Piscina({ filename: BASELINE_WORKER, minThreads: THREADS, maxThreads: THREADS });
      const tinypool = await tinypoolPool(THREADS);
      const workerpool = await workerpoolPool(THREADS);
      const split = new StaticSplit(THREADS);
      const teardown = async (): Promise<void> => {
        await engine.close();
        await piscina.destroy();
        await tinypool?.destroy();
        await workerpool?.terminate();
        await split.close();
      };
      try {
        // Every pool's threads started and warm before the first timed call.
        const few = items.slice(0, 4);
        await warm(engine, () => engine.execute(cpuMap, few));
        await Promise.all(few.map((x) => piscina.run({ op: 'spin', ...x })));
        if (tinypool) await Promise.all(few.map((x) => tinypool.run({ op: 'spin', ...x })));
        if (workerpool) await Promise.all(few.map((x) => workerpool.exec('spin', [x.iterations, x.seed])));
        await split.run(few);
      } catch (e) {
        await teardown();
        throw e;
      }
      const targets: Target[] =
        speedupTarget === undefined
          ? []
          : [
              {
                case: 'weft workers',
                metric: 'speedup',
                min: speedupTarget,
                label: `issue 5: ≥ ${speedupTarget}× the main thread at ~${label(itemUs)} items on ${THREADS} threads`,
              },
            ];
      const peerCases: BenchCase[] = [];
      const skipped: SkippedCase[] = [];
      if (tinypool)
        peerCases.push({
          name: 'tinypool, one task per item',
          description: `tinypool (${THREADS} threads, defaults): Promise.all of one pool.run per item`,
          units: n,
          run: async () =>
            check(await Promise.all(items.map((x) => tinypool.run({ op: 'spin', ...x }))), 'tinypool'),
        });
      else skipped.push(peerMissing('tinypool', 'tinypool, one task per item'));
      if (workerpool)
        peerCases.push({
          name: 'workerpool, one task per item',
          description: `workerpool (${THREADS} worker threads): Promise.all of one pool.exec per item`,
          units: n,
          run: async () =>
            check(
              (await Promise.all(
                items.map((x) => workerpool.exec('spin', [x.iterations, x.seed])),
              )) as number[],
              'workerpool',
            ),
        });
      else skipped.push(peerMissing('workerpool', 'workerpool, one task per item'));
      return {
        unit: 'item',
        baseline: 'main thread',
        skipped,
        params: { items: n, threads: THREADS, iterationsPerItem: iterations, targetItemUs: itemUs },
        cases: [
          {
            name: 'main thread',
            description: 'a plain loop over the items on the main thread',
            units: n,
            run: () =>
              check(
                items.map((x) => spin(x.iterations, x.seed)),
                'main thread',
              ),
          },
          {
            name: 'raw worker_threads, static split',
            description: `${THREADS} raw workers, one message with half the items each way`,
            units: n,
            run: async () => check(await split.run(items), 'raw split'),
          },
          {
            name: 'piscina, one task per item',
            description: `piscina (${THREADS} threads, defaults): Promise.all of one pool.run per item`,
            units: n,
            run: async () =>
              check(
                (await Promise.all(items.map((x) => piscina.run({ op: 'spin', ...x })))) as number[],
                'piscina',
              ),
          },
          ...peerCases,
          {
            name: 'weft workers',
            description: `engine.execute of a map node on the workers orchestrator (${THREADS} threads, default chunking)`,
            units: n,
            run: async () =>
              expectOutput(await engine.execute<number[]>(cpuMap, items), same, 'weft workers'),
          },
        ],
        targets,
        teardown,
      };
    },
  };
}

/** ~6 ms items (target ≥ 1.90× the main thread). */
export const cpu6msSuite: Suite = cpuPeersSuite('cpu-6ms', 6000, 1.9);
/** ~0.6 ms items. */
export const cpu600usSuite: Suite = cpuPeersSuite('cpu-600us', 600, undefined);
/** ~64 µs items (target ≥ 1.5× the main thread). */
export const cpu64usSuite: Suite = cpuPeersSuite('cpu-64us', 64, 1.5);
/** ~7 µs items: below every pool's dispatch cost, so the main thread should win. */
export const cpu7usSuite: Suite = cpuPeersSuite('cpu-7us', 7, undefined);
