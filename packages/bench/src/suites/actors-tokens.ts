import { createEngine } from '@weft/core';
import { asyncTokens, syncTokens } from './actors-fixtures.js';
import { warm, workersEngine } from './actors-shared.js';
import type { Suite } from '../suite.js';
import { discardStore } from './shared.js';

const TOKENS = 1_000_000;

/**
 * Tokens per second from a streaming step into the run's event stream, drained by a consumer:
 * a sync and an async generator on a worker, and the sync generator on the main thread (`direct`,
 * one event per token) for scale.
 */
export const actorsTokensSuite: Suite = {
  name: 'actors-tokens',
  description: `${TOKENS.toLocaleString('en-US')} tokens from a generator step into the run's event stream: workers (sync and async generators) vs direct`,
  async setup({ smoke }) {
    const n = smoke ? 1000 : TOKENS;
    const engine = workersEngine({ threads: 1 });
    await warm(engine, () => engine.execute(syncTokens, 10_000), 2);
    const direct = createEngine({ store: discardStore(), orchestrator: 'direct' });
    const drain = async (handle: ReturnType<typeof engine.start>): Promise<number> => {
      let tokens = 0;
      let events = 0;
      for await (const e of handle.events()) {
        events++;
        if (e.type === 'token') tokens += e.tokens.length;
      }
      const r = await handle.result;
      if (r.status !== 'succeeded' || tokens !== n)
        throw new Error(`tokens: ${r.status}, ${tokens}/${n} tokens`);
      return events;
    };
    return {
      unit: 'token',
      baseline: 'direct, sync generator',
      params: { tokens: n, threads: 1 },
      cases: [
        {
          name: 'direct, sync generator',
          description: 'the generator on the main thread: one token event per yield',
          units: smoke ? n : n / 10,
          async run() {
            await drainN(direct.start(syncTokens, smoke ? n : n / 10), smoke ? n : n / 10);
          },
        },
        {
          name: 'workers, sync generator',
          description: 'function* step on a worker: batched, credit-based, drained by a for-await consumer',
          units: n,
          async run() {
            return { metrics: { events: await drain(engine.start(syncTokens, n)) } };
          },
        },
        {
          name: 'workers, async generator',
          description:
            'async function* step on a worker (an async generator alone tops out near 6 M yields/s here)',
          units: n,
          async run() {
            return { metrics: { events: await drain(engine.start(asyncTokens, n)) } };
          },
        },
      ],
      targets: [
        {
          case: 'workers, sync generator',
          metric: 'unitsPerSecond',
          min: 10_000_000,
          label: 'issue 3: ≥ 10 M tokens/s from a worker generator into the event stream',
        },
      ],
      async teardown() {
        await engine.close();
        await direct.close();
      },
    };
  },
};

async function drainN(
  handle: {
    events(): AsyncIterable<{ type: string; tokens?: readonly unknown[] }>;
    result: Promise<{ status: string }>;
  },
  n: number,
): Promise<void> {
  let tokens = 0;
  for await (const e of handle.events()) if (e.type === 'token') tokens += e.tokens!.length;
  const r = await handle.result;
  if (r.status !== 'succeeded' || tokens !== n) throw new Error(`direct tokens: ${r.status}, ${tokens}/${n}`);
}
