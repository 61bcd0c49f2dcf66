import { double, mapDouble } from '../fixtures/pipelines.js';
import type { Suite } from '../suite.js';
import { benchEngine, consume, expectOutput } from './shared.js';

/** Items of the map suite. */
export const MAP_ITEMS = 10_000;
const SMOKE_ITEMS = 50;

/**
 * Throughput of a map of trivial items on the main thread: one run of a single `map` node over
 * 10,000 numbers through the `direct` orchestrator, against a plain loop awaiting the same item
 * function. Every item emits a `map.item` event; the `+ events` case drains the stream.
 */
export const mapSuite: Suite = {
  name: 'map',
  description: `a ${MAP_ITEMS.toLocaleString('en-US')}-item map of a trivial item function: Weft direct vs a plain loop`,
  setup({ smoke }) {
    const n = smoke ? SMOKE_ITEMS : MAP_ITEMS;
    const items = Array.from({ length: n }, (_, i) => i);
    const engine = benchEngine({ orchestrator: 'direct' });
    // Step code may be sync or async, so the engine awaits each call; the loop does the same.
    const itemFn: (x: number) => number | Promise<number> = double;
    const ok = (out: number[]): boolean => out.length === n && out[n - 1] === 2 * (n - 1);
    return {
      unit: 'item',
      baseline: 'plain loop',
      params: { items: n, orchestrator: 'direct' },
      cases: [
        {
          name: 'plain loop',
          description:
            'await the item function for each item (as the engine must), results gathered in order',
          units: n,
          async run() {
            const out: number[] = [];
            for (const x of items) out.push(await itemFn(x));
            if (!ok(out)) throw new Error('plain loop: wrong output');
          },
        },
        {
          name: 'weft direct + events',
          description: 'engine.start() of the map, its event stream drained',
          units: n,
          async run() {
            const { result, events } = await consume(engine.start<number[]>(mapDouble, items));
            expectOutput(result, ok, 'weft direct + events');
            return { metrics: { events } };
          },
        },
        {
          name: 'weft direct',
          description: 'engine.execute() of the map; events emitted to observers only',
          units: n,
          async run() {
            expectOutput(await engine.execute<number[]>(mapDouble, items), ok, 'weft direct');
          },
        },
      ],
      teardown: () => engine.close(),
    };
  },
};
