// Backpressure: the event stream is bounded (EngineOptions.eventBuffer). A slow consumer holds the run
// back, a paused one stops it, nothing deadlocks, a consumer that leaves releases the run, and a run
// that nobody listens to still finishes. How far the stream runs ahead of its consumer is measured at
// each step invocation (the probe's sample), never by time.
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, type Engine, type RunEvent, type RunHandle } from '@weft/core';
import { bpBig, bpItems, bpRetry, bpTokens, type BigSummary } from '../dist/fixtures/events-backpressure.js';
import { createProbe, type Probe } from '../dist/fixtures/scheduling-probe.js';
import { ORCHESTRATORS, engineFor } from './matrix.js';
import { assertOrdered } from './ordering.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Counts what a run emits (an observer sees every event as it is emitted) against what a consumer took. */
class Lag {
  emitted = 0;
  consumed = 0;
  readonly observer = { onEvent: (): void => void this.emitted++ };
  get ahead(): number {
    return this.emitted - this.consumed;
  }
}

/** A consumer that takes one event per macrotask, and can be paused. */
function slowConsumer(handle: RunHandle, lag: Lag, pauseAfter = Number.POSITIVE_INFINITY) {
  let resume!: () => void;
  let paused!: () => void;
  const pausedAt = new Promise<void>((r) => (paused = r));
  const resumed = new Promise<void>((r) => (resume = r));
  const events: RunEvent[] = [];
  const done = (async () => {
    for await (const e of handle.events()) {
      events.push(e);
      lag.consumed++;
      if (lag.consumed === pauseAfter) {
        paused();
        await resumed;
      }
      await macrotask();
    }
    return events;
  })();
  return { done, pausedAt, resume, events };
}

describe.each(ORCHESTRATORS)('backpressure on %s', (name) => {
  let engine: Engine | undefined;
  let probe: Probe;
  afterEach(async () => {
    probe?.openAll();
    await engine?.close();
    engine = undefined;
  });

  it('a slow consumer holds the producer back: the stream never runs far ahead of it', async () => {
    const lag = new Lag();
    probe = createProbe({ policy: 'now', sample: () => lag.ahead });
    engine = engineFor(name, { services: probe.services, eventBuffer: 8 });
    const handle = engine.start(bpItems, range(300), { observers: [lag.observer] });
    const consumer = slowConsumer(handle, lag);
    const result = await handle.result;
    const events = await consumer.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual(range(300));
    assertOrdered(events, { complete: true });
    expect(probe.count('items')).toBe(300);
    // Each item starts only while fewer than eventBuffer events wait, plus the few its predecessor emitted.
    const ahead = probe.entries.map((e) => e.sample as number);
    expect(Math.max(...ahead)).toBeLessThanOrEqual(8 + 4);
  });

  it('a paused consumer stops the run: it does not finish while the consumer holds, and goes on after', async () => {
    const lag = new Lag();
    const clock = new SimulatedClock();
    probe = createProbe({ policy: 'now', sample: () => lag.ahead });
    engine = engineFor(name, { services: probe.services, eventBuffer: 8, clock });
    const handle = engine.start(bpRetry, range(40), { observers: [lag.observer] });
    let finished = false;
    void handle.result.then(() => (finished = true));
    const consumer = slowConsumer(handle, lag, 3);
    await consumer.pausedAt;
    // Fire every timer the run sets (its retries) until none is left: a held run sets no more.
    await clock.runAll();
    expect(finished).toBe(false);
    expect(lag.emitted).toBeLessThan(40 * 5);
    expect(probe.count('items')).toBeLessThan(80);
    expect(Math.max(...probe.entries.map((e) => e.sample as number))).toBeLessThanOrEqual(8 + 6);
    consumer.resume();
    while (!finished) await clock.advance(1);
    const result = await handle.result;
    const events = await consumer.done;
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual(range(40).map((i) => i * 2));
    expect(probe.count('items')).toBe(80);
    assertOrdered(events, { complete: true });
  });

  it('a streaming step waits for the consumer too: tokens in order, never far ahead', async () => {
    const lag = new Lag();
    probe = createProbe({ policy: 'now', sample: () => lag.ahead });
    engine = engineFor(name, { services: probe.services, eventBuffer: 4 });
    const handle = engine.start(bpTokens, 200, { observers: [lag.observer] });
    const consumer = slowConsumer(handle, lag);
    const result = await handle.result;
    const events = await consumer.done;
    expect(result.output).toBe(200);
    assertOrdered(events, { complete: true });
    expect(events.flatMap((e) => (e.type === 'token' ? (e.tokens as number[]) : []))).toEqual(range(200));
    expect(Math.max(...probe.entries.map((e) => e.sample as number))).toBeLessThanOrEqual(4 + 3);
  });

  it('a map over 100,000 items with eventBuffer 16 finishes, every item back in order', async () => {
    probe = createProbe();
    engine = engineFor(name, { services: probe.services, eventBuffer: 16 });
    const handle = engine.start(bpBig, range(100_000));
    const seen = new Uint8Array(100_000);
    let items = 0;
    let last = 0;
    let ordered = true;
    for await (const e of handle.events()) {
      if (e.seq !== last + 1) ordered = false;
      last = e.seq;
      if (e.type === 'map.item') {
        items++;
        seen[e.index] = 1;
      }
    }
    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    expect(result.output as BigSummary).toEqual({
      length: 100_000,
      ordered: true,
      sum: (100_000 * 100_001) / 2,
    });
    expect(items).toBe(100_000);
    expect(seen.every((x) => x === 1)).toBe(true);
    expect(ordered).toBe(true);
    expect(result.metrics.mapFanout['items']).toEqual({ items: 100_000, failed: 0 });
  });

  it('a run whose events nobody subscribes to still finishes', async () => {
    probe = createProbe();
    engine = engineFor(name, { services: probe.services, eventBuffer: 1 });
    const result = await engine.execute(bpItems, range(500));
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual(range(500));
    expect(result.metrics.events).toBeGreaterThan(500);
  });

  it('a consumer that stops reading and leaves releases the run', async () => {
    probe = createProbe();
    engine = engineFor(name, { services: probe.services, eventBuffer: 2 });
    const handle = engine.start(bpItems, range(200));
    let read = 0;
    for await (const _ of handle.events()) if (++read === 5) break;
    const result = await handle.result;
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual(range(200));
  });

  it('two consumers, one slow: each gets every event in order, and the slow one sets the pace', async () => {
    const lag = new Lag();
    probe = createProbe({ policy: 'now', sample: () => lag.ahead });
    engine = engineFor(name, { services: probe.services, eventBuffer: 8 });
    const handle = engine.start(bpItems, range(150), { observers: [lag.observer] });
    const fast = (async () => {
      const events: RunEvent[] = [];
      for await (const e of handle.events()) events.push(e);
      return events;
    })();
    const slow = slowConsumer(handle, lag);
    const [a, b] = await Promise.all([fast, slow.done]);
    expect(a.map((e) => e.seq)).toEqual(b.map((e) => e.seq));
    assertOrdered(a, { complete: true });
    expect(Math.max(...probe.entries.map((e) => e.sample as number))).toBeLessThanOrEqual(8 + 4);
  });
});
