// Tuning profiles: the file (atomic write, validated read), the tuner's choices, and an engine
// created with a profile using its values on the workers orchestrator.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '@weft/actors';
import { checkMachineTuning, isWeftError, type MachineTuning } from '@weft/core';
import {
  builtInDefaults,
  engineTuning,
  loadTuningProfile,
  tuneMachine,
  tuningProfilePath,
  writeTuningProfile,
  type SuiteResult,
} from '../dist/index.js';
import { codecThreshold, fastest } from '../dist/tuning/tune.js';
import { caseName } from '../dist/tuning/tune-suites.js';
import { plusOne } from '../dist/fixtures/peers.js';

const dirs: string[] = [];
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'weft-tuning-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const profile: MachineTuning = {
  weftTuning: 1,
  createdAt: '2026-11-24T10:00:00.000Z',
  machine: {
    node: 'v20.20.2',
    platform: 'linux',
    arch: 'x64',
    cpu: 'AMD EPYC',
    cores: 2,
    memoryGiB: 23.5,
    loadAverage: 1,
  },
  values: { threads: 1, chunkSize: 7, codecThreshold: 4096 },
  defaults: { threads: 2, chunkSize: 256, codecThreshold: 65536 },
  measurements: {},
};

/** A suite result holding only what the choosers read: each case's median µs per unit. */
function result(times: Record<string, number>): SuiteResult {
  const s = (v: number) => ({ median: v, min: v, max: v });
  return {
    name: 'fake',
    description: 'fake',
    unit: 'item',
    baseline: Object.keys(times)[0]!,
    params: {},
    cases: Object.entries(times).map(([name, us]) => ({
      name,
      description: null,
      units: 1,
      baseline: false,
      usPerUnit: s(us),
      meanUsPerUnit: s(us),
      unitsPerSecond: s(1e6 / us),
      ratio: s(1),
      speedup: s(1),
      overheadUsPerUnit: s(0),
      perRun: [us],
      samples: 1,
      metrics: {},
    })),
    targets: [],
    smoke: false,
    runs: 1,
    durationMs: 0,
  };
}

describe('the profile file', () => {
  it('is written atomically and read back; a missing one is undefined', async () => {
    const root = tempRoot();
    expect(await loadTuningProfile(root)).toBeUndefined();
    const path = await writeTuningProfile(root, profile);
    expect(path).toBe(tuningProfilePath(root));
    expect(readdirSync(join(root, '.weft'))).toEqual(['tuning.json']);
    const loaded = await loadTuningProfile(root);
    expect(loaded).toEqual({ path, profile });
    expect(engineTuning(loaded!)).toEqual({ profile: path, values: profile.values });
  });

  it('a damaged or foreign file is TUNING_INVALID with every problem; an invalid profile is never written', async () => {
    const root = tempRoot();
    await writeTuningProfile(root, profile);
    writeFileSync(tuningProfilePath(root), JSON.stringify({ ...profile, weftTuning: 9 }));
    const foreign = await loadTuningProfile(root).catch((e: unknown) => e);
    expect(isWeftError(foreign) && foreign.code).toBe('TUNING_INVALID');
    writeFileSync(tuningProfilePath(root), '{"weftTuning":1');
    const torn = await loadTuningProfile(root).catch((e: unknown) => e);
    expect(isWeftError(torn) && torn.data['problems']).toEqual([expect.stringMatching(/^not JSON/)]);
    await expect(
      writeTuningProfile(root, { ...profile, values: { ...profile.values, chunkSize: 0 } }),
    ).rejects.toThrow(/invalid tuning profile/);
    expect(readdirSync(join(root, '.weft'))).toEqual(['tuning.json']);
  });
});

describe('the tuner', () => {
  it('picks the fastest candidate, the smaller one on a near tie', () => {
    const r = result({ 'threads 1': 200, 'threads 2': 101, 'threads 3': 100 });
    expect(fastest([1, 2, 3], caseName.threads, r)).toEqual({ value: 2, usPerUnit: 101 });
    expect(
      fastest([1, 2, 3], caseName.threads, result({ 'threads 1': 90, 'threads 2': 101, 'threads 3': 100 }))
        .value,
    ).toBe(1);
  });

  it('keeps the built-in default unless another candidate is clearly (> 5%) faster', () => {
    const r = result({ 'threads 1': 200, 'threads 2': 104, 'threads 3': 100 });
    expect(fastest([1, 2, 3], caseName.threads, r, 2).value).toBe(2);
    expect(
      fastest(
        [1, 2, 3],
        caseName.threads,
        result({ 'threads 1': 200, 'threads 2': 110, 'threads 3': 100 }),
        2,
      ).value,
    ).toBe(3);
  });

  it('sets the codec threshold where transferring starts to win for good', () => {
    const sizes = [1024, 4096, 16384];
    const times = (wins: boolean[]) =>
      result(
        Object.fromEntries(
          sizes.flatMap((b, i) => [
            [caseName.copy(b), 100],
            [caseName.transfer(b), wins[i] ? 90 : 110],
          ]),
        ),
      );
    expect(codecThreshold(sizes, times([false, true, true]))).toBe(4096);
    expect(codecThreshold(sizes, times([true, false, true]))).toBe(16384);
    expect(codecThreshold(sizes, times([false, false, false]))).toBe(32768);
  });

  it('in smoke mode yields a valid profile from its three measurements', async () => {
    const { profile: p, suites } = await tuneMachine({ smoke: true });
    expect(checkMachineTuning(p)).toEqual([]);
    expect(suites.map((s) => s.name)).toEqual(['tune-threads', 'tune-chunk', 'tune-codec']);
    expect([1, 2]).toContain(p.values.threads);
    expect([64, 256]).toContain(p.values.chunkSize);
    expect([1024, 65536, 131072]).toContain(p.values.codecThreshold);
    expect(p.defaults).toEqual(builtInDefaults());
  });
});

describe('an engine with a profile', () => {
  it('takes threads, chunk size and codec threshold from it on workers, reports it, and explicit options win', async () => {
    const tuning = { profile: '/x/.weft/tuning.json', values: profile.values };
    const engine = createEngine({ tuning });
    const r = await engine.execute<number[]>(plusOne, [1, 2, 3]);
    expect(r.output).toEqual([2, 3, 4]);
    expect(r.metrics.extra).toMatchObject({ threads: 1, chunkSize: 7, tuning });
    const o = (await engine.orchestrator()) as unknown as { options: { transferThreshold: number } };
    expect(o.options.transferThreshold).toBe(4096);
    await engine.close();
    const explicit = createEngine({ tuning, orchestratorOptions: { threads: 2 } });
    expect((await explicit.execute(plusOne, [1])).metrics.extra).toMatchObject({ threads: 2, chunkSize: 7 });
    await explicit.close();
  });
});
