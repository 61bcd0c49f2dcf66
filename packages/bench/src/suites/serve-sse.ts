import { nowMs } from '../fixtures/serve-pipelines.js';
import type { Measurement, Suite } from '../suite.js';
import { postJson, spawnServer, type ServerProcess } from './serve-shared.js';
import { sse, type Frame } from './serve-sse-client.js';

/** One call: a stream whose first token carries the time of its yield; the latency to this socket. */
async function firstToken(url: string, body?: unknown): Promise<Measurement> {
  let latency = -1;
  await sse(url, {
    ...(body !== undefined ? { method: 'POST' as const, body } : {}),
    onFrame: (f, abort) => {
      if (f.event !== 'token') return;
      latency = nowMs() - (JSON.parse(f.data) as { tokens: number[] }).tokens[0]!;
      abort();
    },
  });
  if (latency < 0) throw new Error(`${url}: no token`);
  return { durationMs: latency };
}

/**
 * SSE first-token latency: a step on a worker yields one token stamped with the time of its yield;
 * the figure is the time until this process (another process) has the frame. Weft with the
 * workers' default token flush (2 ms) and with `tokenFlushMs: 0`, against a bare Fastify route
 * writing a like frame (the floor: socket and parsing only).
 */
export const serveSseLatencySuite: Suite = {
  name: 'serve-sse-latency',
  description: 'SSE first token: from a worker`s yield to the client socket (another process), p50 per call',
  async setup() {
    const floor = await spawnServer({ kind: 'floor' });
    const weft = await spawnServer({ kind: 'weft', mode: 'workers' });
    const eager = await spawnServer({ kind: 'weft', mode: 'workers', workers: { tokenFlushMs: 0 } });
    const servers: ServerProcess[] = [floor, weft, eager];
    return {
      unit: 'token',
      baseline: 'fastify floor',
      latency: true,
      iterations: 40,
      params: { mode: 'workers', threads: 1 },
      cases: [
        {
          name: 'fastify floor',
          description: 'a bare route writes one frame stamped now',
          units: 1,
          run: () => firstToken(`${floor.url}/floor-sse?kind=first`),
        },
        {
          name: 'weft /v1/stream',
          description: 'POST /v1/stream, workers, default token flush',
          units: 1,
          run: () => firstToken(`${weft.url}/v1/stream`, { pipeline: 'first-token' }),
        },
        {
          name: 'weft /v1/stream, tokenFlushMs 0',
          description: 'the same with orchestrators.workers.tokenFlushMs = 0',
          units: 1,
          run: () => firstToken(`${eager.url}/v1/stream`, { pipeline: 'first-token' }),
        },
      ],
      targets: [
        {
          case: 'weft /v1/stream',
          metric: 'usPerUnit',
          max: 2000,
          label: 'issue 13: SSE first token p50 <= 2 ms from yield to socket',
        },
        {
          case: 'weft /v1/stream, tokenFlushMs 0',
          metric: 'usPerUnit',
          max: 2000,
          label: 'issue 13: SSE first token p50 <= 2 ms from yield to socket',
        },
      ],
      teardown: async () => {
        await Promise.all(servers.map((s) => s.stop()));
      },
    };
  },
};

/** Reads a whole stream; counts tokens or events (checking every id follows the last) until `end`. */
async function drain(
  url: string,
  o: { body?: unknown; count: 'tokens' | 'events'; expect: number },
): Promise<Measurement> {
  let tokens = 0;
  let events = 0;
  let last = 0;
  let ended = false;
  const t0 = performance.now();
  await sse(url, {
    ...(o.body !== undefined ? { method: 'POST' as const, body: o.body } : {}),
    onFrame: (f: Frame) => {
      if (f.event === 'end') return void (ended = true);
      if (f.id === null || f.id <= last) throw new Error(`${url}: id ${f.id} after ${last}`);
      last = f.id;
      events++;
      if (f.event === 'token') tokens += (JSON.parse(f.data) as { tokens: unknown[] }).tokens.length;
    },
  });
  const ms = performance.now() - t0;
  const got = o.count === 'tokens' ? tokens : events;
  if (!ended || got < o.expect) throw new Error(`${url}: ${got} ${o.count} of ${o.expect}, ended ${ended}`);
  return { durationMs: ms, metrics: { [`${o.count}/s`]: (got / ms) * 1000, frames: events } };
}

const TOKENS = 5_000_000;
const ITEMS = 200_000;

/**
 * One SSE connection's throughput, the whole stream read and checked by this process: 5M tokens
 * from a generator on a worker, and a 200,000-item map on direct (about one event per item) live
 * and read back from the log of a finished run, against a bare Fastify route writing the same
 * frames (the floor). A live stream cannot be faster than its run (and the store recording it).
 */
export const serveSseThroughputSuite: Suite = {
  name: 'serve-sse-throughput',
  description:
    'tokens/s and events/s on one SSE connection (client in another process) vs a bare Fastify route writing the same frames',
  async setup({ smoke }) {
    const tokens = smoke ? 50_000 : TOKENS;
    const items = smoke ? 5_000 : ITEMS;
    const floor = await spawnServer({ kind: 'floor' });
    const workers = await spawnServer({ kind: 'weft', mode: 'workers' });
    const direct = await spawnServer({ kind: 'weft', mode: 'direct' });
    // A finished run whose log is read back whole: the connection's own rate, whatever the rate at
    // which a live run produces (and its store records) events.
    const replayed = (await postJson(`${direct.url}/v1/execute`, {
      pipeline: 'event-flood',
      input: items,
      runId: 'replayed',
    })) as { status: string };
    if (replayed.status !== 'succeeded') throw new Error(`serve-sse-throughput: ${JSON.stringify(replayed)}`);
    return {
      unit: 'stream',
      baseline: 'floor: tokens',
      iterations: 3,
      params: { tokens, items },
      cases: [
        {
          name: 'floor: tokens',
          units: 1,
          run: () =>
            drain(`${floor.url}/floor-sse?kind=tokens&n=${tokens}`, { count: 'tokens', expect: tokens }),
        },
        {
          name: 'weft: tokens',
          description: 'POST /v1/stream token-flood on workers',
          units: 1,
          run: () =>
            drain(`${workers.url}/v1/stream`, {
              body: { pipeline: 'token-flood', input: tokens },
              count: 'tokens',
              expect: tokens,
            }),
        },
        {
          name: 'floor: events',
          units: 1,
          run: () =>
            drain(`${floor.url}/floor-sse?kind=events&n=${items}`, { count: 'events', expect: items }),
        },
        {
          name: 'weft: events',
          description: 'POST /v1/stream event-flood (a map) on direct',
          units: 1,
          run: () =>
            drain(`${direct.url}/v1/stream`, {
              body: { pipeline: 'event-flood', input: items },
              count: 'events',
              expect: items,
            }),
        },
        {
          name: 'weft: events, replayed',
          description: 'GET /v1/runs/{id}/events of a finished event-flood run (the log read back)',
          units: 1,
          run: () => drain(`${direct.url}/v1/runs/replayed/events`, { count: 'events', expect: items }),
        },
      ],
      targets: [
        {
          case: 'weft: tokens',
          metric: 'extra',
          extra: 'tokens/s',
          min: 5_000_000,
          label: 'issue 13: >= 5M tokens/s on one SSE connection',
        },
        {
          case: 'weft: events',
          metric: 'extra',
          extra: 'events/s',
          min: 250_000,
          label: 'issue 13: >= 250k events/s on one SSE connection',
        },
        {
          case: 'weft: events, replayed',
          metric: 'extra',
          extra: 'events/s',
          min: 250_000,
          label: 'issue 13: >= 250k events/s on one SSE connection (replay)',
        },
      ],
      teardown: async () => {
        await Promise.all([floor.stop(), workers.stop(), direct.stop()]);
      },
    };
  },
};
