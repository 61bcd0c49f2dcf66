import { createEngine as createActorsEngine } from '@weft/actors';
import type { Engine } from '@weft/core';
import { openStore, stepMemo, type Store } from '@weft/store';
import type { Suite } from '../suite.js';
import { calibrate } from './actors-shared.js';
import { cpuMap, spin, type CpuItem } from './actors-fixtures.js';
import { discardStore } from './shared.js';
import { tempDirs } from './store-shared.js';

const ITEMS = 100_000;
const THREADS = 2;

/**
 * A 100,000-item map on `workers` (2 threads), items of ~50 µs of CPU each: without a store (the
 * default engine with a store that keeps nothing), and with the SQLite store persisting every
 * event (appended in batches, audited) and memoising every item (`stepMemo`, scoped to the run so
 * that each call does the work). The same engine options otherwise; outputs checked.
 */
export const storeMapSuite: Suite = {
  name: 'store-map',
  description:
    'a 100,000-item map of ~50 µs items on workers (2 threads): memo + event log persisted in SQLite vs no store',
  async setup({ smoke }) {
    const n = smoke ? 500 : ITEMS;
    const iterations = smoke ? 100 : calibrate(50);
    const items: CpuItem[] = Array.from({ length: n }, (_, seed) => ({ seed, iterations }));
    const expected = items.map((x) => spin(x.iterations, x.seed));
    const dirs = tempDirs();
    const store: Store = await openStore(dirs.make());
    const plain: Engine = createActorsEngine({
      store: discardStore(),
      orchestratorOptions: { threads: THREADS },
    });
    const durable: Engine = createActorsEngine({
      store,
      memo: stepMemo(store, { scope: 'run' }),
      orchestratorOptions: { threads: THREADS },
    });
    let k = 0;
    const run = async (engine: Engine): Promise<void> => {
      const r = await engine.execute<number[]>(cpuMap, items, { runId: `map-${++k}` });
      if (r.status !== 'succeeded' || r.output!.some((v, i) => v !== expected[i]))
        throw new Error(`store-map: ${r.status} ${r.error?.message ?? 'wrong output'}`);
    };
    await run(plain);
    await run(durable);
    return {
      unit: 'item',
      baseline: 'no store',
      params: { items: n, threads: THREADS, itemUs: 50 },
      iterations: smoke ? 1 : 5,
      cases: [
        {
          name: 'no store',
          description: 'createEngine() of @weft/actors, a store that keeps nothing',
          units: n,
          run: () => run(plain),
        },
        {
          name: 'sqlite memo + events',
          description: 'createEngine({ store: openStore(dir), memo: stepMemo(store, { scope: "run" }) })',
          units: n,
          run: () => run(durable),
        },
      ],
      // ≤ 1.5× the time without a store: a speedup (baseline ÷ case) of at least 1 / 1.5.
      targets: [
        {
          case: 'sqlite memo + events',
          metric: 'speedup',
          min: 1 / 1.5,
          label: 'issue 11: memo + event log persisted ≤ 1.5× the map without a store',
        },
      ],
      teardown: async () => {
        await plain.close();
        await durable.close();
        await store.close();
        dirs.clean();
      },
    };
  },
};
