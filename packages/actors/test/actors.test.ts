import { afterEach, describe, expect, it } from 'vitest';
import { exclusive, hostCalls, lifecycle, reentrant } from './dist/fixtures/pipelines.js';
import { rig, type Rig } from './support.js';

describe('step actors', () => {
  let r: Rig | undefined;
  afterEach(async () => r?.close());

  it('runs setup once per worker, keeps its state for every message, and tears down at close', async () => {
    r = rig({ threads: 1 });
    const items = Array.from({ length: 20 }, (_, i) => i);
    const result = await r.engine.execute<{ input: number; id: string; calls: number }[]>(lifecycle, items);
    expect(result.status).toBe('succeeded');
    const out = result.output!;
    expect(out.map((o) => o.input)).toEqual(items);
    expect(new Set(out.map((o) => o.id)).size).toBe(1);
    // One instance took every message, one at a time: its call counter saw 1..20, each once.
    expect(out.map((o) => o.calls).sort((a, b) => a - b)).toEqual(items.map((i) => i + 1));
    const again = await r.engine.execute<{ id: string; calls: number }[]>(lifecycle, [0]);
    expect(again.output![0]).toMatchObject({ id: out[0]!.id, calls: 21 });
    const host = r.host;
    await r.close();
    r = undefined;
    expect(host.entries).toEqual([`teardown ${out[0]!.id} after 21`]);
  });

  it('hands messages to an actor one at a time', async () => {
    r = rig({ threads: 1 });
    const result = await r.engine.execute<number[]>(exclusive, [0, 1, 2, 3]);
    expect(result.status).toBe('succeeded');
    const log = r.host.entries as string[];
    expect(log).toHaveLength(8);
    for (let k = 0; k < log.length; k += 2) {
      const [enter, exit] = [log[k]!, log[k + 1]!];
      expect(enter).toMatch(/^enter \d$/);
      expect(exit).toBe(enter.replace('enter', 'exit'));
    }
  });

  it('lets a reentrant actor take several messages at once', async () => {
    r = rig({ threads: 1 });
    const done = r.engine.execute<number[]>(reentrant, [0, 1, 2]);
    // All three wait at their gates at the same time: only possible if they run concurrently.
    await Promise.all([r.host.arrived('g0'), r.host.arrived('g1'), r.host.arrived('g2')]);
    r.host.openAll();
    expect((await done).output).toEqual([0, 1, 2]);
  });

  it('calls host services registered on the main thread, errors included', async () => {
    r = rig({ threads: 1 });
    const result = await r.engine.execute(hostCalls, 41);
    expect(result.status).toBe('succeeded');
    expect(result.outputs['add']).toBe(42);
    expect(result.output).toBe('caught: no 42');
  });
});
