import type { Engine } from '@weft/core';
import { trivialMap } from './actors-fixtures.js';
import { workersEngine } from './actors-shared.js';
import type { BenchCase, Suite } from '../suite.js';
import { consume, expectOutput } from './shared.js';

const ITEMS = 20_000;
const SIZES = [16, 64, 128, 256, 512, 1024] as const;

/**
 * Where the default map chunk size (256) comes from: the trivial 20,000-item map on workers with
 * each chunk size, events drained. Small chunks pay a message per few items; past ~256 the main
 * thread's per-item work dominates and bigger chunks stop helping (and cost parallelism on short maps).
 */
export const actorsChunkSizeSuite: Suite = {
  name: 'actors-chunk-size',
  description: `a ${ITEMS.toLocaleString('en-US')}-item map of x + 1 on workers, one case per chunk size`,
  async setup({ smoke }) {
    const n = smoke ? 200 : ITEMS;
    const items = Array.from({ length: n }, (_, i) => i);
    const ok = (out: number[]): boolean => out.length === n && out[n - 1] === n;
    const engines = new Map<number, Engine>();
    for (const size of SIZES) {
      const engine = workersEngine({ threads: 2, inlineUs: 0 }, { chunkSize: size });
      await engine.execute(trivialMap, items);
      engines.set(size, engine);
    }
    const cases: BenchCase[] = SIZES.map((size) => ({
      name: `chunk ${size}`,
      description: `chunkSize ${size}, events drained`,
      units: n,
      async run() {
        const { result } = await consume(engines.get(size)!.start<number[]>(trivialMap, items));
        expectOutput(result, ok, `chunk ${size}`);
      },
    }));
    return {
      unit: 'item',
      baseline: 'chunk 256',
      params: { items: n, threads: 2 },
      cases,
      async teardown() {
        for (const e of engines.values()) await e.close();
      },
    };
  },
};
