// The SSE writer and the event pump on a real socket (127.0.0.1, a real HTTP client), fed by a tiny
// event-log double that only this file uses (the store's own logs are tested in @weft/store and
// through the service in the live tests).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, systemClock, type Clock, type RunEvent } from '@weft/core';
import type { EventLog } from '@weft/core/store';
import { pumpEvents, type PumpEnd } from '../src/sse/pump-events.js';
import { SseWriter } from '../src/sse/sse-writer.js';
import { SseClient } from './sse-client.js';

/** An in-memory log of one run, counting the events handed out (`read` and `tail`, which reads lazily). */
class TinyLog implements EventLog {
  events: RunEvent[] = [];
  pulled = 0;
  openTails = 0;
  #wake = new Set<() => void>();
  async append(_runId: string, events: readonly RunEvent[]): Promise<void> {
    this.events.push(...events);
    for (const w of [...this.#wake]) w();
  }
  async read(_runId: string, after: number, limit = Infinity): Promise<readonly RunEvent[]> {
    let i = this.events.findIndex((e) => e.seq > after);
    if (i < 0) i = this.events.length;
    const out = this.events.slice(i, i + limit);
    this.pulled += out.length;
    return out;
  }
  async *tail(_runId: string, after: number, signal?: AbortSignal): AsyncIterable<RunEvent> {
    this.openTails++;
    try {
      yield* this.#follow(after, signal);
    } finally {
      this.openTails--;
    }
  }
  async *#follow(after: number, signal?: AbortSignal): AsyncIterable<RunEvent> {
    let i = this.events.findIndex((e) => e.seq > after);
    if (i < 0) i = this.events.length;
    while (!signal?.aborted) {
      const next = this.events[i];
      if (next) {
        this.pulled++;
        i++;
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.#wake.delete(done);
          resolve();
        };
        this.#wake.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
  async lastId(): Promise<number> {
    return this.events.at(-1)?.seq ?? 0;
  }
  async trim(): Promise<void> {}
}

const base = { runId: 'r', time: 0, path: [] as string[] };
const step = (seq: number): RunEvent => ({
  ...base,
  seq,
  type: 'step.start',
  step: 's',
  invocation: seq,
  attempt: 1,
});
const tok = (seq: number, invocation: number, tokens: string[]): RunEvent => ({
  ...base,
  seq,
  type: 'token',
  step: 't',
  invocation,
  tokens,
});
const finish = (seq: number): RunEvent => ({
  ...base,
  seq,
  type: 'run.finish',
  status: 'succeeded',
  durationMs: 1,
  metrics: {} as never,
});

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** Serves one pump per request; resolves the URL and lets the test see the writer and how the pump ended. */
async function serve(
  log: EventLog,
  o: {
    after?: number;
    clock?: Clock;
    heartbeatMs?: number;
    bufferBytes?: number;
    onWriter?: (w: SseWriter) => void;
  } = {},
): Promise<{ url: string; ended: Promise<PumpEnd> }> {
  let end!: (e: PumpEnd) => void;
  const ended = new Promise<PumpEnd>((r) => (end = r));
  server = createServer((req, res) => {
    const w = new SseWriter(res, {
      clock: o.clock ?? systemClock,
      heartbeatMs: o.heartbeatMs ?? 0,
      bufferBytes: o.bufferBytes ?? 1 << 20,
    });
    o.onWriter?.(w);
    const abort = new AbortController();
    w.onClose(() => abort.abort());
    w.open();
    void pumpEvents(log, 'r', w, { after: o.after ?? 0, tokens: true, signal: abort.signal }).then(end);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, ended };
}

describe('SSE pump', () => {
  it('replays after n, then follows live, ids are event numbers, ends after run.finish', async () => {
    const log = new TinyLog();
    await log.append('r', [1, 2, 3, 4].map(step));
    const { url, ended } = await serve(log, { after: 2 });
    const c = new SseClient(url);
    await c.until(() => c.frames.length >= 2);
    expect(c.status).toBe(200);
    expect(c.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(c.comments[0]).toBe('ok');
    await log.append('r', [step(5)]);
    await log.append('r', [step(6), finish(7)]);
    await c.closed;
    expect(c.frames.map((f) => [f.id, f.event])).toEqual([
      [3, 'step.start'],
      [4, 'step.start'],
      [5, 'step.start'],
      [6, 'step.start'],
      [7, 'run.finish'],
      [null, 'end'],
    ]);
    expect(JSON.parse(c.frames.at(-1)!.data)).toEqual({ status: 'succeeded', lastEventId: 7 });
    expect(JSON.parse(c.frames[0]!.data)).toMatchObject({ seq: 3, type: 'step.start', step: 's' });
    expect(await ended).toBe('end');
  });

  it('merges token events of one invocation that are ready together; keeps invocations apart', async () => {
    const log = new TinyLog();
    await log.append('r', [
      tok(1, 1, ['a']),
      tok(2, 1, ['b', 'c']),
      tok(3, 2, ['x']),
      tok(4, 1, ['d']),
      tok(5, 1, ['e']),
      finish(6),
    ]);
    const { url } = await serve(log);
    const c = new SseClient(url);
    await c.closed;
    const tokens = c.frames.filter((f) => f.event === 'token');
    expect(tokens.map((f) => f.id)).toEqual([2, 3, 5]);
    expect(tokens.map((f) => JSON.parse(f.data) as { tokens: string[]; seqFrom?: number })).toEqual([
      expect.objectContaining({ seq: 2, seqFrom: 1, tokens: ['a', 'b', 'c'], invocation: 1 }),
      expect.objectContaining({ seq: 3, tokens: ['x'], invocation: 2 }),
      expect.objectContaining({ seq: 5, seqFrom: 4, tokens: ['d', 'e'], invocation: 1 }),
    ]);
  });

  it('announces a jump in numbers (events trimmed before this reader got them) with reset', async () => {
    const log = new TinyLog();
    await log.append('r', [step(1), step(5), finish(6)]);
    const { url } = await serve(log);
    const c = new SseClient(url);
    await c.closed;
    expect(c.frames.map((f) => f.event)).toEqual(['step.start', 'reset', 'step.start', 'run.finish', 'end']);
    expect(JSON.parse(c.frames[1]!.data)).toEqual({ from: 5, missed: { from: 2, to: 4 } });
  });

  it('sends a heartbeat comment after a quiet period (simulated clock)', async () => {
    const clock = new SimulatedClock();
    const log = new TinyLog();
    const { url } = await serve(log, { clock, heartbeatMs: 15_000 });
    const c = new SseClient(url);
    await c.until(() => c.comments.length >= 1);
    await clock.advance(14_999);
    await log.append('r', [step(1)]);
    await c.until(() => c.frames.length === 1);
    expect(c.comments.filter((x) => x.startsWith('hb'))).toEqual([]);
    await clock.advance(15_000);
    await c.until(() => c.comments.some((x) => x.startsWith('hb')));
    c.abort();
  });

  it('a client that does not read holds a bounded buffer: the pump stops reading the log until it drains', async () => {
    const log = new TinyLog();
    const total = 30_000;
    const payload = 'x'.repeat(500);
    const events = Array.from({ length: total }, (_, i) => ({ ...step(i + 1), step: payload }));
    await log.append('r', [...events, finish(total + 1)]);
    let congested!: () => void;
    const stalled = new Promise<void>((r) => (congested = r));
    const { url, ended } = await serve(log, {
      bufferBytes: 64 * 1024,
      onWriter: (w) => {
        const drained = w.drained.bind(w);
        w.drained = () => {
          const p = drained();
          if (w.waitingForDrain) congested();
          return p;
        };
      },
    });
    const c = new SseClient(url);
    await c.opened();
    c.pause();
    await stalled;
    const pulledWhenStalled = log.pulled;
    // While the socket is full, the pump reads nothing more, however many turns the loop takes.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(log.pulled).toBe(pulledWhenStalled);
    expect(pulledWhenStalled).toBeLessThan(total);
    c.resume();
    await c.closed;
    expect(await ended).toBe('end');
    const ids = c.frames.filter((f) => f.id !== null).map((f) => f.id);
    expect(ids).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
  });

  it('a live follower that falls behind drops its tail subscription and reads the log in batches after', async () => {
    const log = new TinyLog();
    await log.append('r', [step(1)]);
    let stalled!: () => void;
    const congested = new Promise<void>((r) => (stalled = r));
    let tailsWhenStalled = -1;
    const { url, ended } = await serve(log, {
      bufferBytes: 64 * 1024,
      onWriter: (w) => {
        const drained = w.drained.bind(w);
        w.drained = () => {
          const p = drained();
          if (w.waitingForDrain && tailsWhenStalled < 0) {
            tailsWhenStalled = log.openTails;
            stalled();
          }
          return p;
        };
      },
    });
    const c = new SseClient(url);
    await c.until(() => c.frames.length === 1);
    expect(log.openTails).toBe(1);
    c.pause();
    const total = 30_000;
    const payload = 'y'.repeat(500);
    for (let i = 2; i <= total; i += 1000)
      await log.append(
        'r',
        Array.from({ length: Math.min(1000, total - i + 1) }, (_, k) => ({ ...step(i + k), step: payload })),
      );
    await log.append('r', [finish(total + 1)]);
    await congested;
    expect(tailsWhenStalled).toBe(0);
    c.resume();
    await c.closed;
    expect(await ended).toBe('end');
    const ids = c.frames.filter((f) => f.id !== null).map((f) => f.id);
    expect(ids).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
  });
});
