// Step code is resolved by the pipeline object a plan was compiled from, not by its name, in the
// registry of the engine that compiled it: two in-memory pipelines that share a module and a name
// never run each other's steps, in one engine or in two, and closing an engine frees what it held.
import { describe, expect, it } from 'vitest';
import { StepRegistry, compile, createEngine, pipeline, resolveStep } from '../src/index.js';
import { threadSteps } from '../src/orchestrator/step-registry.js';

const twin = (tag: string, name = 'twin') =>
  pipeline<number>(name)
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

  it('two engines with different pipelines of the same name do not see each other by name either', async () => {
    const a = createEngine();
    const b = createEngine();
    expect((await a.execute(twin('in-a', 'shared'), 1)).output).toBe('in-a:1');
    expect((await b.execute(twin('in-b', 'shared'), 2)).output).toBe('in-b:2');
    // A ref that names the pipeline (not one of a plan's own refs) is looked up in each engine's registry.
    const byName = { module: '', pipeline: 'shared', export: 'a' };
    expect(((await a.steps.resolve(byName)) as (n: number) => string)(3)).toBe('in-a:3');
    expect(((await b.steps.resolve(byName)) as (n: number) => string)(4)).toBe('in-b:4');
    // ...and not at all outside them.
    await expect(resolveStep(byName)).rejects.toMatchObject({ code: 'STEP_NOT_FOUND' });
    await a.close();
    await b.close();
  });

  it('within one registry, a ref by name resolves to the pipeline registered last under that name', async () => {
    const steps = new StepRegistry();
    const ref = { module: '', pipeline: 'twin-by-name', export: 'a' };
    const make = (tag: string) =>
      pipeline<number>('twin-by-name')
        .step('a', () => tag)
        .build();
    steps.register(make('old'));
    expect(((await steps.resolve(ref)) as () => string)()).toBe('old');
    steps.register(make('new'));
    expect(((await steps.resolve(ref)) as () => string)()).toBe('new');
  });

  it('a closed engine holds no entry, and engine create/close cycles leave nothing behind in the process', async () => {
    const shared = threadSteps.size;
    const closed: StepRegistry[] = [];
    for (let i = 0; i < 50; i++) {
      const engine = createEngine();
      const p = pipeline<number>(`job-${i}`)
        .step('a', (n: number) => n + 1, { to: 'b' })
        .step('b', (n: number) => n * 2)
        .build();
      expect((await engine.execute(p, i)).output).toBe((i + 1) * 2);
      expect(engine.steps.size).toBeGreaterThan(0);
      await engine.close();
      closed.push(engine.steps);
    }
    expect(closed.map((s) => s.size)).toEqual(closed.map(() => 0));
    expect(threadSteps.size).toBe(shared);
  });

  it('a closed registry still resolves (a run that outlives close), but keeps nothing', async () => {
    const steps = new StepRegistry();
    const p = twin('late');
    const plan = compile(p);
    steps.register(p, plan);
    steps.close();
    steps.register(twin('again', 'other'));
    const code = (await resolveStep(plan.nodes['a']!.ref!)) as (n: number) => string;
    expect(code(1)).toBe('late:1');
    expect(steps.size).toBe(0);
  });
});
