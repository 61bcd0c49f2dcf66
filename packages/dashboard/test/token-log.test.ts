import type { RunEvent } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { TokenLog } from '../dist/index.js';

const token = (seq: number, tokens: unknown[], step = 's', path: string[] = []): RunEvent => ({
  type: 'token',
  runId: 'r',
  seq,
  time: seq,
  path,
  step,
  invocation: 1,
  tokens,
});

describe('TokenLog', () => {
  it('keeps each step text in order, non-strings as JSON, sub steps by path', () => {
    const log = new TokenLog();
    log.apply(token(1, ['a', 'b']));
    log.apply(token(2, [{ x: 1 }, 2], 'other'));
    log.apply(token(3, ['c'], 's', ['sub']));
    log.apply(token(4, ['d']));
    expect(log.steps).toEqual([
      { node: 's', count: 3, text: 'abd', dropped: 0 },
      { node: 'other', count: 2, text: '{"x":1}2', dropped: 0 },
      { node: 'sub/s', count: 1, text: 'c', dropped: 0 },
    ]);
  });

  it('keeps the last `cap` characters and counts the dropped ones', () => {
    const log = new TokenLog([], 5);
    log.apply(token(1, ['abc', 'def']));
    log.apply(token(2, ['gh']));
    expect(log.steps[0]).toEqual({ node: 's', count: 3, text: 'defgh', dropped: 3 });
  });
});
