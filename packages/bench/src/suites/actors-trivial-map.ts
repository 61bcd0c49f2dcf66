import { createEngine } from '@weft/core';
import { trivialMap } from './actors-fixtures.js';
import { piscinaPool, warm, workersEngine } from './actors-shared.js';
import type { Suite } from '../suite.js';
import { discardStore, consume, expectOutput } from './shared.js';

const ITEMS = 20_000;
const THREADS = 2;

/**
 * Throughput of a map of trivial items, end to end with its event stream drained: Weft `workers`
 * (items in chunks) against plain piscina run once per item, and against the same map on the main
 * thread (`direct`).
 */
export const actorsTrivialMapSuite: Suite = {
  name: 'actors-trivial-map',
  description: `a ${ITEMS.toLocaleString('en-US')}-item map of x + 1, events drained: Weft workers vs piscina one task per item vs Weft direct`,
  async setup({ smoke }) {
    const n = smoke ? 100 : ITEMS;
    const items = Array.from({ length: n }, (_, i) => i);
    const ok = (out: number[]): boolean => out.length === n && out[n - 1] === n;
    const engine = workersEngine({ threads: THREADS });
    await warm(engine, () => engine.execute(trivialMap, items));
    const direct = createEngine({ store: discardStore(), orchestrator: 'direct' });
    const pool = piscinaPool(THREADS);
    await Promise.all(items.slice(0, 100).map((x) => pool.run({ op: 'plus', x })));
    return {
      unit: 'item',
      baseline: 'piscina, one task per item',
      params: {
        items: n,
        threads: THREADS,
        chunkSize: Number((await engine.orchestrator()).defaultChunkSize),
      },
      cases: [
        {
          name: 'piscina, one task per item',
          description: `plain piscina (${THREADS} threads): Promise.all of one pool.run per item`,
          units: n,
          async run() {
            const out = (await Promise.all(items.map((x) => pool.run({ op: 'plus', x })))) as number[];
            if (!ok(out)) throw new Error('piscina: wrong output');
          },
        },
        {
          name: 'weft workers + events',
          description:
            'engine.start() of the map on workers, its event stream drained (one map.item event per item)',
          units: n,
          async run() {
            const { result, events } = await consume(engine.start<number[]>(trivialMap, items));
            expectOutput(result, ok, 'weft workers');
            const s = (await engine.orchestrator()).stats().extra ?? {};
            return { metrics: { events, 'inlined (total)': Number(s['inlined'] ?? 0) } };
          },
        },
        {
          name: 'weft direct + events',
          description: 'the same map on the main thread (direct), its event stream drained',
          units: n,
          async run() {
            const { result } = await consume(direct.start<number[]>(trivialMap, items));
            expectOutput(result, ok, 'weft direct');
          },
        },
      ],
      targets: [
        {
          case: 'weft workers + events',
          metric: 'unitsPerSecond',
          min: 400_000,
          label: 'issue 3: ≥ 400,000 trivial items/s end to end, events included',
        },
        {
          case: 'weft workers + events',
          metric: 'speedup',
          min: 10,
          label: 'issue 3: ≥ 10× piscina run once per item',
        },
      ],
      async teardown() {
        await engine.close();
        await direct.close();
        await pool.destroy();
      },
    };
  },
};
