import { CHAIN_LENGTH, SMOKE_CHAIN_LENGTH, chain100, chainSmoke, increment } from '../fixtures/pipelines.js';
import type { Suite } from '../suite.js';
import { benchEngine, consume, expectOutput } from './shared.js';

/**
 * Per-step cost of the engine on the main thread: a 100-step chain run by the `direct`
 * orchestrator (steps found by module and name) against a plain loop of 100 awaited async
 * functions. One call = one whole run, so run set-up and finish are spread over the steps.
 */
export const chainSuite: Suite = {
  name: 'chain',
  description: `a ${CHAIN_LENGTH}-step chain on the main thread: Weft direct vs a plain loop of awaited async functions`,
  setup({ smoke }) {
    const length = smoke ? SMOKE_CHAIN_LENGTH : CHAIN_LENGTH;
    const p = smoke ? chainSmoke : chain100;
    const fns = Array.from({ length }, () => increment);
    const engine = benchEngine({ orchestrator: 'direct' });
    const ok = (out: number): boolean => out === length;
    return {
      unit: 'step',
      baseline: 'plain loop',
      params: { steps: length, orchestrator: 'direct' },
      cases: [
        {
          name: 'plain loop',
          description: `${length} awaited calls of the same async step function`,
          units: length,
          async run() {
            let x = 0;
            for (const f of fns) x = await f(x);
            if (x !== length) throw new Error(`plain loop: got ${x}`);
          },
        },
        {
          name: 'weft direct',
          description: 'engine.execute() of the chain; result only',
          units: length,
          async run() {
            expectOutput(await engine.execute<number>(p, 0), ok, 'weft direct');
          },
        },
        {
          name: 'weft direct + events',
          description: 'engine.start() of the chain, its event stream drained',
          units: length,
          async run() {
            const { result, events } = await consume(engine.start<number>(p, 0));
            expectOutput(result, ok, 'weft direct + events');
            return { metrics: { events } };
          },
        },
      ],
      targets: [
        { case: 'weft direct', metric: 'usPerUnit', max: 20, label: 'issue 2: under 20 µs per main-thread step' },
        { case: 'weft direct + events', metric: 'usPerUnit', max: 20, label: 'issue 2: under 20 µs per main-thread step, events drained' },
      ],
      teardown: () => engine.close(),
    };
  },
};
