import { afterEach, describe, expect, it } from 'vitest';
import {
  binary,
  echo,
  unserializable,
  unserializableItem,
  unserializableToken,
} from './dist/fixtures/pipelines.js';
import { rig, runIt, stats, type Rig } from './support.js';

describe('serialisation across threads', () => {
  let r: Rig | undefined;
  afterEach(async () => r?.close());

  it.each([
    ['function', 'a function (fn) at output.nested.fn'],
    ['symbol', 'a symbol (Symbol(s)) at output[1]'],
    ['cycle', 'a circular reference at output.self'],
  ])('fails a step returning a %s with NOT_SERIALIZABLE, naming where', async (kind, where) => {
    r = rig({ threads: 1 });
    const result = await r.engine.execute(unserializable, kind);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('NOT_SERIALIZABLE');
    expect(result.error?.message).toContain(`the output of step "make" cannot cross threads: ${where}`);
    // The worker is fine: the next run works.
    expect((await r.engine.execute(unserializable, 'plain')).output).toBe('plain');
    expect((await stats(r.engine)).workerRestarts).toBe(0);
  });

  it('fails only the map item whose value cannot be encoded', async () => {
    r = rig({ threads: 1 });
    const run = await runIt(r.engine, unserializableItem, [0, 1, 2]);
    expect(run.result.status).toBe('failed');
    expect(run.result.error?.code).toBe('NOT_SERIALIZABLE');
    expect(run.result.error?.message).toContain('for item 1');
    expect(
      run
        .of('map.item')
        .filter((e) => e.ok)
        .map((e) => e.index),
    ).toEqual(expect.arrayContaining([0]));
  });

  it('fails a stream whose token cannot be encoded', async () => {
    r = rig({ threads: 1 });
    const result = await r.engine.execute(unserializableToken);
    expect(result.error?.code).toBe('NOT_SERIALIZABLE');
    expect(result.error?.message).toMatch(/a token of step "gen" cannot cross threads: a function/);
  });

  it('fails an input that cannot be sent to a worker', async () => {
    r = rig({ threads: 1 });
    const result = await r.engine.execute(echo, { when: new Date(0), run: () => 1 });
    expect(result.error?.code).toBe('NOT_SERIALIZABLE');
    expect(result.error?.message).toContain('a function (run) at task.input.run');
  });

  it('moves binary outputs with their types (large ones transferred, not copied)', async () => {
    r = rig({ threads: 1, transferThreshold: 1024 });
    const result = await r.engine.execute<{ bytes: Buffer; floats: Float64Array; small: Uint16Array }>(
      binary,
      1 << 20,
    );
    expect(result.status).toBe('succeeded');
    const out = result.output!;
    expect(Buffer.isBuffer(out.bytes)).toBe(true);
    expect(out.bytes.length).toBe(1 << 20);
    expect(out.bytes.every((b) => b === 7)).toBe(true);
    expect(out.floats).toBeInstanceOf(Float64Array);
    expect([...out.floats]).toEqual([1.5, 2.5]);
    expect(out.small).toBeInstanceOf(Uint16Array);
    expect([...out.small]).toEqual([1, 2, 3]);
    expect(result.metrics.bytesMoved).toBeGreaterThan(1 << 20);
  });
});
