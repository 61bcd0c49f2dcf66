import { describe, expect, it } from 'vitest';
import type { RunEvent } from '@weft/core';
import { Progress, formatSeconds } from '../src/run/progress.js';

const ev = (body: Record<string, unknown>): RunEvent =>
  ({ runId: 'r', seq: 1, time: 0, path: [], ...body }) as unknown as RunEvent;

describe('Progress', () => {
  it('shows per-step status, map items done/total, rate and ETA', () => {
    const p = new Progress();
    p.onEvent(ev({ type: 'run.start' }), 0);
    p.onEvent(ev({ type: 'step.skip', step: 'plan', reason: 'cached', cached: true }), 0);
    p.onEvent(ev({ type: 'step.start', step: 'count', invocation: 1, attempt: 1 }), 0);
    p.onEvent(ev({ type: 'map.start', step: 'count', invocation: 1, total: 100 }), 0);
    for (let i = 0; i < 25; i++)
      p.onEvent(ev({ type: 'map.item', step: 'count', invocation: 1, index: i, ok: true }), 1000);
    const lines = p.render(5000);
    expect(lines[0]).toMatch(/^≡ plan\s+cached/);
    expect(lines[1]).toContain('25/100 items');
    expect(lines[1]).toContain('25%');
    expect(lines[1]).toContain('5.0/s');
    expect(lines[1]).toContain('ETA 15s');
  });

  it('ends with a summary of what ran, what was cached and what failed', () => {
    const p = new Progress();
    p.onEvent(ev({ type: 'step.start', step: 'a', invocation: 1, attempt: 1 }), 0);
    p.onEvent(ev({ type: 'step.end', step: 'a', invocation: 1, attempt: 1, durationMs: 5, output: 1 }), 5);
    p.onEvent(ev({ type: 'step.skip', step: 'b', reason: 'cached', cached: true }), 5);
    p.onEvent(ev({ type: 'step.start', step: 'c', invocation: 2, attempt: 1 }), 5);
    p.onEvent(
      ev({ type: 'step.error', step: 'c', invocation: 2, attempt: 1, willRetry: true, error: {} }),
      6,
    );
    p.onEvent(ev({ type: 'step.retry', step: 'c', invocation: 2, attempt: 2, delayMs: 1, reason: 'x' }), 6);
    p.onEvent(
      ev({ type: 'step.error', step: 'c', invocation: 2, attempt: 2, willRetry: false, error: {} }),
      7,
    );
    p.onEvent(ev({ type: 'run.finish', status: 'failed', durationMs: 7000, metrics: {} }), 7);
    expect(p.summary()).toBe('run failed in 7.0s: 1 steps ran, 1 cached, 1 failed');
    expect(p.render(7).find((l) => l.includes(' c '))).toContain('1 retry');
  });

  it('formats durations', () => {
    expect([
      formatSeconds(0.42),
      formatSeconds(12.4),
      formatSeconds(185),
      formatSeconds(3720),
      formatSeconds(Number.NaN),
    ]).toEqual(['0.4s', '12s', '3m05s', '1h02m', '?']);
  });
});
