import { CHAIN_LENGTH, SMOKE_CHAIN_LENGTH, chain100, chainSmoke, increment } from '../fixtures/pipelines.js';
import type { Suite } from '../suite.js';
import { warm, workersEngine } from './actors-shared.js';
import { benchEngine, consume, expectOutput } from './shared.js';

/**
 * Per-step cost of the engine: a 100-step chain run by the `direct` orchestrator (main thread,
 * steps found by module and name) and by `workers` (every step a round trip to a worker thread),
 * against a plain loop of 100 awaited async functions. One call = one whole run, so run set-up and
 * finish are spread over the steps.
 */
export const chainSuite: Suite = {
  name: 'chain',
  description: `a ${CHAIN_LENGTH}-step chain: Weft direct (main thread) and workers vs a plain loop of awaited async functions`,
  async setup({ smoke }) {
    const length = smoke ? SMOKE_CHAIN_LENGTH : CHAIN_LENGTH;
    const p = smoke ? chainSmoke : chain100;
    const fns = Array.from({ length }, () => increment);
    const engine = benchEngine({ orchestrator: 'direct' });
    const ok = (out: number): boolean => out === length;
    const workers = workersEngine({ threads: 2 });
    await warm(workers, () => workers.execute(p, 0), 2);
    return {
      unit: 'step',
      baseline: 'plain loop',
      params: { steps: length, threads: 2 },
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
        {
          name: 'weft workers',
          description:
            'engine.execute() of the chain on the workers orchestrator (2 threads): one worker round trip per step',
          units: length,
          async run() {
            expectOutput(await workers.execute<number>(p, 0), ok, 'weft workers');
          },
        },
      ],
      targets: [
        {
          case: 'weft direct',
          metric: 'usPerUnit',
          max: 20,
          label: 'issue 2: under 20 µs per main-thread step',
        },
        {
          case: 'weft direct + events',
          metric: 'usPerUnit',
          max: 20,
          label: 'issue 2: under 20 µs per main-thread step, events drained',
        },
      ],
      async teardown() {
        await engine.close();
        await workers.close();
      },
    };
  },
};
