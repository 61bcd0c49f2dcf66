// RunOptions.commitOutput: the output is written before the run counts as succeeded; a failing
// commit fails the run (its code kept), and nothing records it as succeeded.
import { describe, expect, it } from 'vitest';
import { WeftError, ephemeralStore, createEngine, pipeline, type RunEvent } from '../src/index.js';

const double = pipeline('double')
  .step('x2', (n: number) => n * 2)
  .build();

describe('RunOptions.commitOutput', () => {
  it('is called with the output before run.finish and before the store records success', async () => {
    const store = ephemeralStore();
    const seen: string[] = [];
    const engine = createEngine({ store });
    const result = await engine.execute(double, 21, {
      observers: [{ onEvent: (e: RunEvent) => void (e.type === 'run.finish' && seen.push('finish')) }],
      commitOutput: async (output) => {
        seen.push(`commit ${String(output)}`);
        expect((await store.runs.get('r1'))?.status).toBe('running');
      },
      runId: 'r1',
    });
    expect(result.status).toBe('succeeded');
    expect(seen).toEqual(['commit 42', 'finish']);
    expect((await store.runs.get('r1'))?.status).toBe('succeeded');
  });

  it('fails the run with the commit error, keeping its code; the store records failed', async () => {
    const store = ephemeralStore();
    const engine = createEngine({ store });
    const finishes: string[] = [];
    const result = await engine.execute(double, 1, {
      runId: 'r2',
      on: { 'run.finish': (e) => void finishes.push(e.status) },
      commitOutput: () => {
        throw new WeftError('OUTPUT_WRITE', 'cannot write /out/output.json: EROFS', {
          data: { path: '/out/output.json' },
        });
      },
    });
    expect(result.status).toBe('failed');
    expect(result.output).toBeUndefined();
    expect(result.error).toMatchObject({ code: 'OUTPUT_WRITE', data: { path: '/out/output.json' } });
    expect(finishes).toEqual(['failed']);
    const record = await store.runs.get('r2');
    expect(record?.status).toBe('failed');
    expect(record?.output).toBeUndefined();
  });

  it('is not called for a run that did not succeed, and must be a function', async () => {
    const engine = createEngine();
    const failing = pipeline('f')
      .step('boom', () => {
        throw new Error('boom');
      })
      .build();
    let called = false;
    const result = await engine.execute(failing, null, { commitOutput: () => void (called = true) });
    expect(result.status).toBe('failed');
    expect(called).toBe(false);
    expect(() => engine.start(failing, null, { commitOutput: 1 as never })).toThrow(
      /commitOutput must be a function/,
    );
  });
});
