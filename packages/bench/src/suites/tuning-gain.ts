import type { EngineTuning, TuningValues } from '@weft/core';
import { plusOne } from '../fixtures/peers.js';
import { builtInDefaults, tuneMachine } from '../tuning/tune.js';
import { warm, workersEngine } from './actors-shared.js';
import { expectOutput } from './shared.js';
import type { Suite } from '../suite.js';

const ITEMS = 100_000;

const show = (v: TuningValues): string =>
  `threads ${v.threads}, chunk ${v.chunkSize}, codec threshold ${v.codecThreshold}`;

/**
 * What a tuning profile buys: a 100,000-item map of trivial items (where chunking decides the cost)
 * on an engine with the built-in defaults against one created with `tuning` (the profile's values
 * through `EngineOptions.tuning`, exactly as `weft run` passes them). The profile is the project's
 * `.weft/tuning.json` when `weft bench` found one, else one measured on the spot (a short tune).
 */
export const tuningGainSuite: Suite = {
  name: 'tuning-gain',
  description: `a ${ITEMS.toLocaleString('en-US')}-item map of x + 1 on workers: the tuned profile vs the built-in defaults`,
  async setup({ smoke, tuning }) {
    let profile: EngineTuning;
    if (tuning) profile = tuning;
    else {
      const measured = await tuneMachine(smoke ? { smoke } : { runs: 1, timeMs: 150 });
      profile = { profile: '(measured now: no .weft/tuning.json)', values: measured.profile.values };
    }
    const n = smoke ? 1000 : ITEMS;
    const items = Array.from({ length: n }, (_, i) => i);
    const ok = (out: number[]): boolean => out.length === n && out[n - 1] === n;
    const defaults = workersEngine();
    const tuned = workersEngine({}, { tuning: profile });
    await warm(defaults, () => defaults.execute(plusOne, items), 2);
    await warm(tuned, () => tuned.execute(plusOne, items), 2);
    return {
      unit: 'item',
      baseline: 'defaults',
      params: {
        items: n,
        profile: profile.profile,
        tuned: show(profile.values),
        defaults: show(builtInDefaults()),
      },
      cases: [
        {
          name: 'defaults',
          description: 'createEngine() with no tuning: the workers defaults',
          units: n,
          run: async () => expectOutput(await defaults.execute<number[]>(plusOne, items), ok, 'defaults'),
        },
        {
          name: 'tuned profile',
          description:
            'createEngine({ tuning }): the profile values as the workers defaults, reported in metrics.extra.tuning',
          units: n,
          async run() {
            const r = await tuned.execute<number[]>(plusOne, items);
            expectOutput(r, ok, 'tuned profile');
            if (!r.metrics.extra['tuning'])
              throw new Error('tuned profile: the run does not report its tuning profile');
          },
        },
      ],
      async teardown() {
        await defaults.close();
        await tuned.close();
      },
    };
  },
};
