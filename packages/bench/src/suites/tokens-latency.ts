import { Worker } from 'node:worker_threads';
import type { Engine } from '@weft/core';
import { pacedTokens, wallMs, type PacedTokens } from '../fixtures/peers.js';
import { warm, workersEngine } from './actors-shared.js';
import { PEER_WORKER, peerMissing, workerpoolPool } from './peers-shared.js';
import type { Measurement, Suite } from '../suite.js';

const TOKENS = 1000;
const PERIOD_US = 200;

/** p50 as the call's figure (µs per token in the table), p99 and the achieved rate beside it. */
function summary(latenciesMs: number[], elapsedMs: number): Measurement {
  latenciesMs.sort((a, b) => a - b);
  const q = (p: number): number =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))]!;
  return {
    durationMs: q(0.5),
    metrics: { 'p99 µs': q(0.99) * 1000, 'tokens/s': (latenciesMs.length / elapsedMs) * 1000 },
  };
}

async function weftLatency(engine: Engine, p: PacedTokens): Promise<Measurement> {
  const lat: number[] = [];
  const t = performance.now();
  const handle = engine.start(pacedTokens, p);
  for await (const e of handle.events()) {
    if (e.type !== 'token') continue;
    const now = wallMs();
    for (const sent of e.tokens as number[]) lat.push(now - sent);
  }
  const r = await handle.result;
  if (r.status !== 'succeeded' || lat.length !== p.count)
    throw new Error(`weft tokens: ${r.status}, ${lat.length}/${p.count} tokens`);
  return summary(lat, performance.now() - t);
}

/**
 * Latency of tokens produced at a steady pace (one every 200 µs, like a fast model) on a worker,
 * from the moment the worker produced each token to the moment the main thread's consumer sees it:
 * raw worker_threads posting one message per token (the floor), workerpool's `workerEmit` per token,
 * and Weft's token channel with its default flush timer (2 ms) and with `tokenFlushMs: 0`. The
 * table's µs/token is the p50 latency of a call; p99 and the achieved rate are beside it.
 */
export const tokensLatencySuite: Suite = {
  name: 'tokens-latency',
  description: `${TOKENS.toLocaleString('en-US')} tokens paced at one per ${PERIOD_US} µs on a worker: p50/p99 latency to the main thread, Weft vs raw postMessage and workerpool`,
  async setup({ smoke }) {
    const p: PacedTokens = smoke ? { count: 20, periodUs: 50 } : { count: TOKENS, periodUs: PERIOD_US };
    const engine = workersEngine({ threads: 1 });
    const eager = workersEngine({ threads: 1, tokenFlushMs: 0 });
    const raw = new Worker(PEER_WORKER, { workerData: { peer: 'tokens' } });
    const pool = await workerpoolPool(1);
    const rawLatency = (): Promise<Measurement> =>
      new Promise((resolve) => {
        const lat: number[] = [];
        const t = performance.now();
        const onMessage = (m: number | 'done'): void => {
          if (m !== 'done') return void lat.push(wallMs() - m);
          raw.off('message', onMessage);
          resolve(summary(lat, performance.now() - t));
        };
        raw.on('message', onMessage);
        raw.postMessage(p);
      });
    const poolLatency = async (): Promise<Measurement> => {
      if (!pool) throw new Error('workerpool is not installed');
      const lat: number[] = [];
      const t = performance.now();
      // workerpool types a call by method name as Promise<any>: 'paced' answers the token count.
      const n = (await pool.exec('paced', [p], {
        on: (sent: unknown) => void lat.push(wallMs() - (sent as number)),
      })) as number;
      if (n !== p.count || lat.length !== p.count)
        throw new Error(`workerpool: ${lat.length}/${p.count} tokens`);
      return summary(lat, performance.now() - t);
    };
    const warmUp = { count: 10, periodUs: 10 };
    await warm(engine, () => engine.execute(pacedTokens, warmUp), 1);
    await warm(eager, () => eager.execute(pacedTokens, warmUp), 1);
    await rawLatency();
    if (pool) await pool.exec('paced', [warmUp]);
    return {
      unit: 'token',
      baseline: 'raw postMessage per token',
      params: { tokens: p.count, periodUs: p.periodUs, threads: 1, figure: 'p50 latency' },
      latency: true,
      iterations: 5,
      skipped: pool ? [] : [peerMissing('workerpool', 'workerpool workerEmit')],
      cases: [
        {
          name: 'raw postMessage per token',
          description: 'a raw worker posting each token as it is produced',
          units: 1,
          run: rawLatency,
        },
        ...(pool
          ? [
              {
                name: 'workerpool workerEmit',
                description: 'workerpool.workerEmit per token, received by exec(…, { on })',
                units: 1,
                run: poolLatency,
              },
            ]
          : []),
        {
          name: 'weft workers',
          description:
            'a generator step on a worker, tokens batched (flush on size or after tokenFlushMs = 2 ms), read from the run event stream',
          units: 1,
          run: () => weftLatency(engine, p),
        },
        {
          name: 'weft workers, tokenFlushMs 0',
          description: 'the same with tokenFlushMs: 0 (a partial batch goes out with the next token)',
          units: 1,
          run: () => weftLatency(eager, p),
        },
      ],
      async teardown() {
        await engine.close();
        await eager.close();
        await raw.terminate();
        await pool?.terminate();
      },
    };
  },
};
