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

/** What one followed run gave: the ids seen (in arrival order) and the drops made during it. */
interface Followed {
  readonly seen: number[];
  readonly log: number[];
  readonly drops: number;
  readonly dropsWhileRunning: number;
}

/**
 * Starts a run that emits a token every millisecond, suspends once and is resumed, and follows it
 * with a client that drops its connection after a random 1–4 frames and reconnects with
 * Last-Event-ID, until the run has ended and every event was delivered (204), or `budget` drops.
 */
async function follow(
  url: string,
  runId: string,
  budget: number,
  ticks: number,
  random: () => number,
): Promise<Followed> {
  await postJson(`${url}/v1/start`, { pipeline: 'paced', input: { n: ticks, periodMs: 1 }, runId });
  const seen: number[] = [];
  let last = 0;
  let drops = 0;
  let dropsWhileRunning = 0;
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
        if (drops < budget && ++took >= take) {
          drops++;
          if (end === undefined) dropsWhileRunning++;
          abort();
        }
      },
    });
    if (status === 204) break;
    if (end === 'suspended') await postJson(`${url}/v1/runs/${runId}/resume`, { resume: 'go' });
  }
  return { seen, log: await logIds(url, runId), drops, dropsWhileRunning };
}

/**
 * `n` random disconnects and Last-Event-ID reconnects, made while runs go on (a run that ends
 * before all `n` were made is followed by another: `runs` says how many it took). For each run,
 * the ids the client saw (token frames count every number from seqFrom to their id) against its
 * log: lost, duplicated and out of order must all be 0.
 */
async function reconnects(
  url: string,
  prefix: string,
  n: number,
  ticks: number,
  seed: number,
): Promise<Measurement> {
  const random = rng(seed);
  let drops = 0;
  let dropsWhileRunning = 0;
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let events = 0;
  let runs = 0;
  const t0 = performance.now();
  while (drops < n) {
    const r = await follow(url, `${prefix}-${++runs}`, n - drops, ticks, random);
    drops += r.drops;
    dropsWhileRunning += r.dropsWhileRunning;
    const got = new Set(r.seen);
    lost += r.log.filter((id) => !got.has(id)).length;
    duplicated += r.seen.length - got.size;
    for (let i = 1; i < r.seen.length; i++) if (r.seen[i]! <= r.seen[i - 1]!) outOfOrder++;
    events += r.log.length;
  }
  return {
    durationMs: performance.now() - t0,
    metrics: {
      lost,
      duplicated,
      'out of order': outOfOrder,
      events,
      runs,
      'drops while running': dropsWhileRunning,
    },
  };
}

let calls = 0;

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
          run: () => reconnects(server.url, `reconnect-${process.pid}-${++calls}`, n, ticks, 17 + calls),
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
