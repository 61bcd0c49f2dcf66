// Live SSE over 127.0.0.1 with a real HTTP client: streams that follow runs as they go, reconnects
// with Last-Event-ID across resume sessions and at random points, 204 at the end, `reset` after
// trimmed events, a client that stops reading, a client that goes away, and shutdown.
import { afterEach, describe, expect, it } from 'vitest';
import { pipeline, type Pipeline } from '@weft/core';
import { approvePipeline, Gates, heldPipeline, runServer, wordsPipeline } from './run-fixtures.js';
import { SseClient, type SseFrame } from './sse-client.js';

/** Tokens a test hands to a running step, which yields them as they come. */
class Feed {
  readonly #queue: string[] = [];
  #ended = false;
  #wake: (() => void) | null = null;
  push(...tokens: string[]): void {
    this.#queue.push(...tokens);
    this.#wake?.();
  }
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }
  async *tokens(): AsyncGenerator<string> {
    for (;;) {
      const t = this.#queue.shift();
      if (t !== undefined) {
        yield t;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }
}

function fedPipeline(feed: Feed): Pipeline {
  return pipeline('fed')
    .step('speak', async function* () {
      let n = 0;
      for await (const t of feed.tokens()) {
        n++;
        yield t;
      }
      return n;
    })
    .build();
}

/** The event numbers a frame covers: merged token frames cover `seqFrom`..`id`. */
function covered(f: SseFrame): number[] {
  if (f.id === null) return [];
  const d = JSON.parse(f.data) as { seq: number; seqFrom?: number };
  const from = d.seqFrom ?? d.seq;
  return Array.from({ length: f.id - from + 1 }, (_, i) => from + i);
}

/** A seeded PRNG (mulberry32): the same "random" disconnect points on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function live(o: Parameters<typeof runServer>[0] = {}) {
  const s = await runServer({ listen: true, port: 0, ...o });
  servers.push(s);
  return s;
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('live SSE on 127.0.0.1', () => {
  it('/v1/stream shows a run as it goes: events arrive while the step is held, then end', async () => {
    const gates = new Gates();
    const s = await live({ pipelines: [heldPipeline(gates)] });
    const c = new SseClient(`${s.url}/v1/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'held', input: { gate: 'g' }, runId: 'live-1' }),
    });
    await c.until(() => c.frames.some((f) => f.event === 'step.start'));
    expect(c.status).toBe(200);
    expect(c.headers['content-location']).toBe('/v1/runs/live-1');
    expect(c.frames.some((f) => f.event === 'run.finish')).toBe(false);
    gates.get('g').open();
    await c.closed;
    expect(c.frames.map((f) => f.event).slice(-2)).toEqual(['run.finish', 'end']);
    const ids = c.frames.flatMap(covered);
    expect(ids).toEqual(Array.from({ length: await s.store.events.lastId('live-1') }, (_, i) => i + 1));
  });

  it('Last-Event-ID across a resume: the second session continues the numbering, no gap, no duplicate', async () => {
    const s = await live({ pipelines: [approvePipeline] });
    const r = await post(`${s.url}/v1/execute`, { pipeline: 'approve', input: [2, 2], runId: 'susp' });
    expect(((await r.json()) as { status: string }).status).toBe('suspended');
    const first = new SseClient(`${s.url}/v1/runs/susp/events`);
    await first.closed;
    expect(first.frames.at(-1)).toMatchObject({ event: 'end' });
    const last = first.frames.filter((f) => f.id !== null).at(-1)!.id!;
    // Reconnecting at the last id of a suspended run: nothing more to say yet.
    const idle = new SseClient(`${s.url}/v1/runs/susp/events`, {
      headers: { 'last-event-id': String(last) },
    });
    await idle.closed;
    expect(idle.status).toBe(204);
    // Resumed: the same Last-Event-ID now follows the second session.
    const resumed = await post(`${s.url}/v1/runs/susp/resume`, { resume: 'ok' });
    expect(resumed.status).toBe(202);
    const second = new SseClient(`${s.url}/v1/runs/susp/events`, {
      headers: { 'last-event-id': String(last) },
    });
    await second.closed;
    expect(second.frames.at(-1)).toMatchObject({ event: 'end', data: expect.stringContaining('succeeded') });
    const all = [...first.frames, ...second.frames].flatMap(covered);
    const lastId = await s.store.events.lastId('susp');
    expect(all).toEqual(Array.from({ length: lastId }, (_, i) => i + 1));
    expect(second.frames[0]).toMatchObject({ id: last + 1, event: 'run.start' });
    // A finished run at its last id: 204, so an EventSource stops reconnecting.
    const done = new SseClient(`${s.url}/v1/runs/susp/events?after=${lastId}`);
    await done.closed;
    expect(done.status).toBe(204);
  });

  it('random disconnects during a run: the union of what each connection got is the log, in order, once', async () => {
    const feed = new Feed();
    const s = await live({ pipelines: [fedPipeline(feed)] });
    const started = await post(`${s.url}/v1/start`, { pipeline: 'fed', runId: 'flaky' });
    expect(started.status).toBe(202);
    const random = seeded(13);
    const got: number[] = [];
    let last = 0;
    let token = 0;
    for (let round = 0; round < 100; round++) {
      for (let k = 1 + Math.floor(random() * 20); k > 0; k--) feed.push(`t${token++}`);
      // Wait (turn by turn, no timer) until the new tokens are in the log.
      let logged = await s.store.events.lastId('flaky');
      while (logged <= last) {
        await new Promise((r) => setImmediate(r));
        logged = await s.store.events.lastId('flaky');
      }
      const c = new SseClient(`${s.url}/v1/runs/flaky/events`, {
        headers: { 'last-event-id': String(last) },
      });
      // Drop the connection at a random point of what is logged now (or as soon as it opens).
      const target = random() < 0.2 ? last : last + 1 + Math.floor(random() * (logged - last));
      if (target > last) await c.until(() => c.frames.some((f) => f.id !== null && f.id >= target));
      else await c.opened();
      c.abort();
      await c.closed;
      for (const f of c.frames) got.push(...covered(f));
      last = got.at(-1) ?? 0;
    }
    feed.end();
    const rest = new SseClient(`${s.url}/v1/runs/flaky/events`, {
      headers: { 'last-event-id': String(last) },
    });
    await rest.closed;
    for (const f of rest.frames) got.push(...covered(f));
    expect(rest.frames.at(-1)).toMatchObject({ event: 'end' });
    const lastId = await s.store.events.lastId('flaky');
    expect(got).toEqual(Array.from({ length: lastId }, (_, i) => i + 1));
    const tokens = (await s.store.events.read('flaky', 0)).filter((e) => e.type === 'token');
    expect(tokens.flatMap((e) => (e.type === 'token' ? e.tokens : []))).toHaveLength(token);
  });

  it('reset: a reader behind the events the store kept is told what it missed', async () => {
    const s = await live({ pipelines: [wordsPipeline], memory: { maxEventsPerRun: 10 } });
    await post(`${s.url}/v1/execute`, { pipeline: 'words', input: 40, runId: 'trimmed' });
    const lastId = await s.store.events.lastId('trimmed');
    const c = new SseClient(`${s.url}/v1/runs/trimmed/events?after=0`);
    await c.closed;
    expect(c.frames[0]).toMatchObject({ event: 'reset', id: null });
    const reset = JSON.parse(c.frames[0]!.data) as { from: number; missed: { from: number; to: number } };
    expect(reset.missed.from).toBe(1);
    expect(reset.from).toBe(reset.missed.to + 1);
    expect(c.frames.slice(1).flatMap(covered)).toEqual(
      Array.from({ length: lastId - reset.from + 1 }, (_, i) => reset.from + i),
    );
  });

  it('a client that stops reading never slows the run; it gets everything once it reads again', async () => {
    const s = await live({ pipelines: [wordsPipeline], config: { limits: { sseBufferBytes: 4096 } } });
    const c = new SseClient(`${s.url}/v1/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'words', input: 20_000, runId: 'slow-reader' }),
    });
    await c.opened();
    c.pause();
    // The run ends while the client reads nothing.
    const result = await fetch(`${s.url}/v1/runs/slow-reader/result?waitMs=60000`);
    expect(((await result.json()) as { status: string; output: number }).output).toBe(20_000);
    expect(c.frames.some((f) => f.event === 'end')).toBe(false);
    c.resume();
    await c.closed;
    const tokens = c.frames
      .filter((f) => f.event === 'token')
      .flatMap((f) => (JSON.parse(f.data) as { tokens: string[] }).tokens);
    expect(tokens).toEqual(Array.from({ length: 20_000 }, (_, i) => `w${i}`));
    expect(c.frames.flatMap(covered)).toEqual(
      Array.from({ length: await s.store.events.lastId('slow-reader') }, (_, i) => i + 1),
    );
  });

  it('/v1/stream?onDisconnect=cancel: the client going away cancels the run; by default it goes on', async () => {
    const gates = new Gates();
    const s = await live({ pipelines: [heldPipeline(gates)] });
    const open = (runId: string, q: string) =>
      new SseClient(`${s.url}/v1/stream${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pipeline: 'held', input: { gate: runId }, runId }),
      });
    const cancelling = open('gone', '?onDisconnect=cancel');
    const staying = open('stays', '');
    await gates.get('gone').reached;
    await gates.get('stays').reached;
    await cancelling.until(() => cancelling.frames.length > 0);
    await staying.until(() => staying.frames.length > 0);
    cancelling.abort();
    staying.abort();
    const gone = await fetch(`${s.url}/v1/runs/gone/result?waitMs=60000`);
    expect(((await gone.json()) as { status: string }).status).toBe('cancelled');
    expect(s.context.runs.active('stays')).toBeDefined();
    gates.get('stays').open();
    const stays = await fetch(`${s.url}/v1/runs/stays/result?waitMs=60000`);
    expect(((await stays.json()) as { status: string }).status).toBe('succeeded');
  });

  it('shutdown: open streams get `shutdown`, the run left over is cancelled after the grace, nothing stays running', async () => {
    const gates = new Gates();
    const s = await runServer({
      listen: true,
      port: 0,
      pipelines: [heldPipeline(gates)],
      config: { shutdownGraceMs: 0 },
    });
    const c = new SseClient(`${s.url}/v1/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'held', input: { gate: 'x' }, runId: 'cut' }),
    });
    await gates.get('x').reached;
    await c.until(() => c.frames.length > 0);
    await s.close();
    await c.closed;
    expect(c.frames.at(-1)).toMatchObject({ event: 'shutdown' });
    expect(JSON.parse(c.frames.at(-1)!.data)).toMatchObject({ retryAfterMs: expect.any(Number) });
    const rec = await s.store.runs.get('cut');
    expect(rec).toMatchObject({ status: 'cancelled' });
    expect(rec?.owner).toBeUndefined();
    expect((await s.store.runs.query({ status: 'running' })).runs).toEqual([]);
  });
});
