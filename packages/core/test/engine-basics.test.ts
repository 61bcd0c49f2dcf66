import { describe, expect, it } from 'vitest';
import { pipeline, reducers, update } from '../src/index.js';
import { createTestHarness } from '../src/testing/index.js';

const demo = pipeline<string, { total: number }>('demo', {
  module: import.meta.url,
  state: { total: reducers.sum(0) },
})
  .step('split', (t: string) => t.split(' '), { to: 'count' })
  .map('count', (w: string) => w.length, { to: ['sum', 'max'] })
  .step('sum', (xs: number[]) => update({ total: xs.reduce((a, b) => a + b, 0) }, xs.length), { to: 'join' })
  .step('max', (xs: number[]) => Math.max(...xs), { to: 'join' })
  .step('join', (inp: unknown) => inp)
  .build();

describe('engine basics', () => {
  it('runs a fan-out/join pipeline with a map and state', async () => {
    const h = createTestHarness();
    const run = await h.run(demo, 'hello big world');
    expect(run.result.status).toBe('succeeded');
    expect(run.result.output).toEqual({ sum: 3, max: 5 });
    expect(run.result.state).toEqual({ total: 13 });
    expect(run.types[0]).toBe('run.start');
    expect(run.types.at(-1)).toBe('run.finish');
    expect(run.of('map.item')).toHaveLength(3);
  });
});
