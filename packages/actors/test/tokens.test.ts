import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '@weft/core';
import { asyncTokens, countTokens, outerTokens } from './dist/fixtures/pipelines.js';
import { rig, runIt, type Rig } from './support.js';

const tokensOf = (events: readonly RunEvent[]): unknown[] =>
  events.flatMap((e) => (e.type === 'token' ? [...e.tokens] : []));

describe('token streaming', () => {
  let r: Rig | undefined;
  afterEach(async () => r?.close());

  it('streams the yields of a sync generator in order, batched, and returns its value', async () => {
    r = rig({ tokenBatch: 64 });
    const run = await runIt<number>(r.engine, countTokens, 1000);
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toBe(1000);
    expect(tokensOf(run.events)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(run.of('token').length).toBeLessThan(1000);
    expect(run.result.metrics.tokens).toBe(1000);
    // Every token comes before the step ends.
    const lastToken = run.events.findLastIndex((e) => e.type === 'token');
    expect(lastToken).toBeLessThan(run.events.findIndex((e) => e.type === 'step.end'));
  });

  it('streams an async generator', async () => {
    r = rig();
    const run = await runIt<number>(r.engine, asyncTokens, 50);
    expect(tokensOf(run.events)).toEqual(Array.from({ length: 50 }, (_, i) => `t${i}`));
    expect(run.result.output).toBe(50);
  });

  it('tags tokens from a sub-pipeline with its path', async () => {
    r = rig();
    const run = await runIt<string>(r.engine, outerTokens, 300);
    expect(run.result.output).toBe('streamed 300');
    const tokenEvents = run.of('token');
    expect(tokenEvents.length).toBeGreaterThan(0);
    for (const e of tokenEvents) {
      expect(e.path).toEqual(['inner']);
      expect(e.step).toBe('count');
    }
    expect(tokensOf(run.events)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('keeps order under backpressure and never lets more than the credit window pile up', async () => {
    const credit = 64;
    const batch = 16;
    const eventBuffer = 4;
    r = rig({ tokenCredit: credit, tokenBatch: batch, threads: 1 }, { eventBuffer });
    const n = 5000;
    let emitted = 0;
    const handle = r.engine.start(countTokens, n, {
      observers: [{ onEvent: (e) => void (e.type === 'token' && (emitted += e.tokens.length)) }],
    });
    let consumed = 0;
    let worstGap = 0;
    const seen: unknown[] = [];
    for await (const e of handle.events()) {
      if (e.type === 'token') {
        seen.push(...e.tokens);
        consumed += e.tokens.length;
      }
      worstGap = Math.max(worstGap, emitted - consumed);
      // A slow consumer: give the producer every chance to run ahead.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await handle.result).status).toBe('succeeded');
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
    // Undelivered tokens: at most the hub's buffer of batches, plus the credit window, plus a batch.
    expect(worstGap).toBeLessThanOrEqual(eventBuffer * batch + credit + batch);
  });
});
