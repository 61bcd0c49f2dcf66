import { createEngine } from '@weft/core';
import { trivialMap } from './actors-fixtures.js';
import { warm, workersEngine } from './actors-shared.js';
import type { Suite } from '../suite.js';
import { discardStore, expectOutput } from './shared.js';

const ITEMS = 64;

/**
 * A short map of trivial items, where a thread hop costs more than the work: Weft `workers` (which
 * measures the step on a worker, then runs such tiny tasks on the main thread) against `direct`.
 */
export const actorsShortMapSuite: Suite = {
  name: 'actors-short-map',
  description: `a ${ITEMS}-item map of x + 1 (tiny items): Weft workers vs Weft direct (the main thread)`,
  async setup({ smoke }) {
    const n = smoke ? 8 : ITEMS;
    const items = Array.from({ length: n }, (_, i) => i);
    const ok = (out: number[]): boolean => out.length === n && out[n - 1] === n;
    const engine = workersEngine({ threads: 2 });
    await warm(engine, () => engine.execute(trivialMap, items));
    const direct = createEngine({ store: discardStore(), orchestrator: 'direct' });
    return {
      unit: 'item',
      baseline: 'weft direct',
      params: { items: n, threads: 2 },
      cases: [
        {
          name: 'weft direct',
          description: 'engine.execute of the map on the main thread',
          units: n,
          async run() {
            expectOutput(await direct.execute<number[]>(trivialMap, items), ok, 'weft direct');
          },
        },
        {
          name: 'weft workers',
          description: 'engine.execute of the map on workers (tiny chunks measured, then run inline)',
          units: n,
          async run() {
            expectOutput(await engine.execute<number[]>(trivialMap, items), ok, 'weft workers');
            const s = (await engine.orchestrator()).stats().extra ?? {};
            return { metrics: { inlined: Number(s['inlined'] ?? 0) } };
          },
        },
      ],
      targets: [
        {
          case: 'weft workers',
          metric: 'speedup',
          min: 0.9,
          label: 'issue 3: a map of tiny items is not slower than on the main thread (within 10 %)',
        },
      ],
      async teardown() {
        await engine.close();
        await direct.close();
      },
    };
  },
};
