import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '@weft/core';
import { basic } from '../dist/fixtures/basic.js';
import { ORCHESTRATORS, engineFor } from './matrix.js';

describe.each(ORCHESTRATORS)('basic run on %s', (name) => {
  let engine: Engine | undefined;
  afterEach(async () => engine?.close());

  it('runs a module-addressed chain with a map and state', async () => {
    engine = engineFor(name);
    const result = await engine.execute(basic, 'hello big world');
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe(3);
    expect(result.state).toEqual({ total: 13 });
  });
});
