import type { Measurement, Suite } from '../suite.js';
import { postJson, spawnServer } from './serve-shared.js';
import { sse } from './serve-sse-client.js';

const RECONNECTS = 1000;

/** xorshift32: the same disconnect points on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Every event number of a run, read back as JSON pages. */
async function logIds(url: string, runId: string): Promise<number[]> {
  const ids: number[] = [];
  let after = 0;
  for (;;) {
    const r = await fetch(`${url}/v1/runs/${runId}/events?after=${after}&limit=10000`);
    const page = (await r.json()) as { events: { seq: number }[]; next: number | null };
    ids.push(...page.events.map((e) => e.seq));
    if (page.next === null) return ids;
    after = page.next;
  }
}

/**
 * A run that emits a token every millisecond, suspends once and is resumed, followed by a client
 * that drops its connection after a random 1–4 frames and reconnects with Last-Event-ID, 1,000
 * times: the ids it saw (token frames count every number from seqFrom to their id) against the
 * log: lost, duplicated and out of order must all be 0.
 */
async function reconnects(
  url: string,
  runId: string,
  n: number,
  ticks: number,
  seed: number,
): Promise<Measurement> {
  await postJson(`${url}/v1/start`, { pipeline: 'paced', input: { n: ticks, periodMs: 1 }, runId });
  const random = rng(seed);
  const seen: number[] = [];
  let last = 0;
  let drops = 0;
  let dropsWhileRunning = 0;
  const t0 = performance.now();
  for (;;) {
    const take = 1 + Math.floor(random() * 4);
    let took = 0;
    let end: string | undefined;
    const { status } = await sse(`${url}/v1/runs/${runId}/events`, {
      lastEventId: last,
      onFrame: (f, abort) => {
        if (f.event === 'end') return void (end = (JSON.parse(f.data) as { status: string }).status);
        if (f.id === null) return;
        const from =
          f.event === 'token' ? ((JSON.parse(f.data) as { seqFrom?: number }).seqFrom ?? f.id) : f.id;
        for (let id = from; id <= f.id; id++) seen.push(id);
        last = f.id;
        if (drops < n && ++took >= take) {
          drops++;
          if (end === undefined) dropsWhileRunning++;
          abort();
        }
      },
    });
    if (status === 204) break;
    if (end === 'suspended') await postJson(`${url}/v1/runs/${runId}/resume`, { resume: 'go' });
  }
  const ms = performance.now() - t0;
  const log = await logIds(url, runId);
  const got = new Set(seen);
  const lost = log.filter((id) => !got.has(id)).length;
  const duplicated = seen.length - got.size;
  let outOfOrder = 0;
  for (let i = 1; i < seen.length; i++) if (seen[i]! <= seen[i - 1]!) outOfOrder++;
  if (drops < n) throw new Error(`serve-reconnect: only ${drops} drops`);
  return {
    durationMs: ms,
    metrics: {
      lost,
      duplicated,
      'out of order': outOfOrder,
      events: log.length,
      'drops while running': dropsWhileRunning,
    },
  };
}

let runs = 0;

export const serveReconnectSuite: Suite = {
  name: 'serve-reconnect',
  description: `${RECONNECTS.toLocaleString('en-US')} random disconnects and Last-Event-ID reconnects during a run (with a suspend and a resume): lost, duplicated, out of order`,
  async setup({ smoke }) {
    const n = smoke ? 20 : RECONNECTS;
    const ticks = smoke ? 50 : 3000;
    const server = await spawnServer({ kind: 'weft', mode: 'direct' });
    return {
      unit: 'reconnect',
      baseline: 'weft /v1/runs/{id}/events',
      iterations: 1,
      params: { reconnects: n, tokens: ticks, tokenEveryMs: 1 },
      cases: [
        {
          name: 'weft /v1/runs/{id}/events',
          description: 'SSE with Last-Event-ID after each drop, direct, memory store',
          units: n,
          run: () => reconnects(server.url, `reconnect-${process.pid}-${++runs}`, n, ticks, 17 + runs),
        },
      ],
      targets: ['lost', 'duplicated', 'out of order'].map((extra) => ({
        case: 'weft /v1/runs/{id}/events',
        metric: 'extra' as const,
        extra,
        max: 0,
        label: `issue 13: 1,000 reconnects, 0 ${extra}`,
      })),
      teardown: () => server.stop(),
    };
  },
};
