import type { Measurement, Suite } from '../suite.js';
import { postJson, spawnServer } from './serve-shared.js';

const CONNECTIONS = 50;

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly duration: number;
}

/** autocannon (a dev dependency, imported when the suite runs) against one URL, `seconds` long. */
async function load(url: string, body: unknown, seconds: number): Promise<Measurement> {
  const { default: autocannon } = (await import('autocannon')) as unknown as {
    default: (o: Record<string, unknown>) => Promise<AutocannonResult>;
  };
  const r = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0)
    throw new Error(`${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx answers`);
  const perSecond = r.requests.total / r.duration;
  return {
    durationMs: 1000 / perSecond,
    metrics: { 'req/s': perSecond, 'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99 },
  };
}

/**
 * `/v1/execute` of a one-step pipeline on `direct`, 50 connections (autocannon in this process,
 * the service in its own), against a bare Fastify route answering a like body (the floor).
 */
export const serveExecuteSuite: Suite = {
  name: 'serve-execute',
  description: `POST /v1/execute of a one-step pipeline on direct at ${CONNECTIONS} connections (server in its own process) vs a bare Fastify route`,
  async setup({ smoke }) {
    const seconds = smoke ? 1 : 10;
    const floor = await spawnServer({ kind: 'floor' });
    const weft = await spawnServer({ kind: 'weft', mode: 'direct' });
    const check = (await postJson(`${weft.url}/v1/execute`, { pipeline: 'one', input: 7 })) as {
      status: string;
      output: unknown;
    };
    if (check.status !== 'succeeded' || check.output !== 7)
      throw new Error(`serve-execute: ${JSON.stringify(check)}`);
    return {
      unit: 'request',
      baseline: 'fastify floor',
      iterations: 1,
      params: { connections: CONNECTIONS, seconds, mode: 'direct', load: 'autocannon, separate process' },
      cases: [
        {
          name: 'fastify floor',
          description: 'POST /floor, a JSON echo',
          units: 1,
          run: () => load(`${floor.url}/floor`, { input: 7 }, seconds),
        },
        {
          name: 'weft /v1/execute',
          description: 'POST /v1/execute {pipeline: "one", input: 7} on direct, memory store',
          units: 1,
          run: () => load(`${weft.url}/v1/execute`, { pipeline: 'one', input: 7 }, seconds),
        },
      ],
      targets: [
        {
          case: 'weft /v1/execute',
          metric: 'extra',
          extra: 'req/s',
          min: 4000,
          label: 'issue 13: /v1/execute >= 4,000 req/s at 50 connections',
        },
        {
          case: 'weft /v1/execute',
          metric: 'extra',
          extra: 'p99 ms',
          max: 10,
          label: 'issue 13: p99 <= 10 ms at 50 connections',
        },
      ],
      teardown: async () => {
        await Promise.all([floor.stop(), weft.stop()]);
      },
    };
  },
};
