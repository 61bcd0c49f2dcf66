// Values are isolated: a step never sees another step's mutation (its input is its own, a map item is
// its own, a join's input is its own, the run state is read-only), with one rule on every orchestrator
// and for cheap steps run inline on the main thread, and the same pipeline gives the same result every
// run (issue 10, defect 2).
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '@weft/core';
import { valuesFanOut, valuesMap, valuesState } from '../dist/fixtures/values.js';
import { ORCHESTRATORS, engineFor } from './matrix.js';

describe.each(ORCHESTRATORS)('value isolation on %s', (name) => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it('a step that mutates its input changes neither its siblings’ inputs nor result.outputs', async () => {
    engine = engineFor(name);
    const result = await engine.execute(valuesFanOut, [1, 2, 3]);
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ mutator: 4, reader: 'source:1,2,3' });
    expect(result.outputs['source']).toEqual({ list: [1, 2, 3], tag: 'source' });
    expect(result.outputs['mutator']).toBe(4);
    expect(result.outputs['reader']).toBe('source:1,2,3');
  });

  it('the same pipeline gives the same result on every run (cheap steps move to the main thread on workers)', async () => {
    engine = engineFor(name);
    const outputs: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      const result = await engine.execute(valuesFanOut, [1, 2, 3]);
      outputs.push([result.output, result.outputs['source']]);
    }
    const expected = [
      { mutator: 4, reader: 'source:1,2,3' },
      { list: [1, 2, 3], tag: 'source' },
    ];
    expect(outputs).toEqual(Array.from({ length: 30 }, () => expected));
  });

  it('map items mutating their item change neither the map’s input nor the other consumers of it', async () => {
    engine = engineFor(name);
    const result = await engine.execute(valuesMap, [1, 2, 3]);
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ items: [10, 20, 30], after: [1, 2, 3] });
    expect(result.outputs['source']).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('ctx.state is read-only on every orchestrator: changing it in place throws, the run state is unchanged', async () => {
    engine = engineFor(name);
    const result = await engine.execute(valuesState, 7);
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ how: 'refused', seen: [] });
    expect(result.state).toEqual({ seen: [] });
  });
});
