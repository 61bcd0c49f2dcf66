import { CHAIN_LENGTH, SMOKE_CHAIN_LENGTH, chain100, chainSmoke } from '../fixtures/pipelines.js';
import type { Suite } from '../suite.js';
import { warm, workersEngine } from './actors-shared.js';
import { benchEngine, consume, expectOutput } from './shared.js';

/**
 * A 100-step chain of cheap async steps on `workers` against the same chain on `direct` (issue 10):
 * the workers orchestrator runs a linear chain where the previous step ran (`Task.chain`) instead
 * of a round trip to the main thread per step, while the main thread's scheduler still decides
 * each step. One call = one whole run.
 */
export const chainWorkersSuite: Suite = {
  name: 'chain-workers',
  description: `a ${CHAIN_LENGTH}-step chain of cheap async steps: Weft workers vs Weft direct`,
  async setup({ smoke }) {
    const length = smoke ? SMOKE_CHAIN_LENGTH : CHAIN_LENGTH;
    const p = smoke ? chainSmoke : chain100;
    const ok = (out: number): boolean => out === length;
    const direct = benchEngine({ orchestrator: 'direct' });
    const workers = workersEngine({ threads: 2 });
    await warm(workers, () => workers.execute(p, 0), 2);
    return {
      unit: 'step',
      baseline: 'weft direct',
      params: { steps: length, threads: 2 },
      cases: [
        {
          name: 'weft direct',
          description: 'engine.execute() of the chain on the main thread',
          units: length,
          async run() {
            expectOutput(await direct.execute<number>(p, 0), ok, 'weft direct');
          },
        },
        {
          name: 'weft workers',
          description: 'engine.execute() of the chain on the workers orchestrator (2 threads)',
          units: length,
          async run() {
            expectOutput(await workers.execute<number>(p, 0), ok, 'weft workers');
          },
        },
        {
          name: 'weft workers + events',
          description: 'engine.start() of the chain on workers, its event stream drained',
          units: length,
          async run() {
            const { result, events } = await consume(workers.start<number>(p, 0));
            expectOutput(result, ok, 'weft workers + events');
            return { metrics: { events } };
          },
        },
      ],
      targets: [
        {
          case: 'weft workers',
          metric: 'speedup',
          min: 0.5,
          label: 'issue 10: a 100-step chain of cheap async steps on workers ≤ 2× the direct figure',
        },
      ],
      async teardown() {
        await direct.close();
        await workers.close();
      },
    };
  },
};
