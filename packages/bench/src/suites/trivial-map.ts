import { actorsTrivialMapSuite } from './actors-trivial-map.js';
import { extendSuite } from './extend-suite.js';
import type { Suite } from '../suite.js';

/**
 * The actors suite's trivial map (Weft workers and direct with their event streams drained, vs
 * piscina run once per item), with the plain loop beside it: items/s end to end, events included.
 */
export const trivialMapSuite: Suite = extendSuite(actorsTrivialMapSuite, {
  name: 'trivial-map',
  description:
    'a 20,000-item map of x + 1, events drained: Weft workers and direct vs a plain loop and piscina one task per item',
  cases(base) {
    const n = Number(base.params?.['items']);
    const items = Array.from({ length: n }, (_, i) => i);
    // Step code may be sync or async, so the engine awaits each call; the loop does the same.
    const plus: (x: number) => number | Promise<number> = (x) => x + 1;
    return [
      {
        name: 'plain loop',
        description: 'await x + 1 for each item on the main thread, results gathered in order',
        units: n,
        async run() {
          const out: number[] = [];
          for (const x of items) out.push(await plus(x));
          if (out.length !== n || out[n - 1] !== n) throw new Error('plain loop: wrong output');
        },
      },
    ];
  },
});
