// Step code is resolved by the pipeline object a plan was compiled from, not by its name: two
// in-memory pipelines that share a module and a name never run each other's steps.
import { describe, expect, it } from 'vitest';
import { createEngine, pipeline, registerPipeline, resolveStep } from '../src/index.js';

const twin = (tag: string) =>
  pipeline<number>('twin')
    .step('a', (n: number) => `${tag}:${n}`)
    .build();

describe('step resolution', () => {
  it('two pipelines with the same name (no module) each run their own steps, in one engine or two', async () => {
    const first = twin('first');
    const second = twin('second');
    const engine = createEngine();
    expect((await engine.execute(first, 1)).output).toBe('first:1');
    expect((await engine.execute(second, 2)).output).toBe('second:2');
    expect((await engine.execute(first, 3)).output).toBe('first:3');
    const other = createEngine();
    expect((await other.execute(second, 4)).output).toBe('second:4');
    expect((await other.execute(first, 5)).output).toBe('first:5');
    await engine.close();
    await other.close();
  });

  it('a ref by name resolves to the pipeline registered last under that name', async () => {
    const ref = { module: '', pipeline: 'twin-by-name', export: 'a' };
    const make = (tag: string) =>
      pipeline<number>('twin-by-name')
        .step('a', () => tag)
        .build();
    registerPipeline(make('old'));
    const old = (await resolveStep(ref)) as () => string;
    expect(old()).toBe('old');
    registerPipeline(make('new'));
    const fresh = (await resolveStep(ref)) as () => string;
    expect(fresh()).toBe('new');
  });
});
