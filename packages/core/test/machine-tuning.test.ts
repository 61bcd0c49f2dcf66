import { describe, expect, it } from 'vitest';
import {
  MACHINE_TUNING_SCHEMA,
  createEngine,
  createRegistry,
  encodeMachineTuning,
  isWeftError,
  parseMachineTuning,
  pipeline,
  type MachineTuning,
} from '../src/index.js';
import { DirectOrchestrator, type OrchestratorContext } from '../src/orchestrator/index.js';

const profile: MachineTuning = {
  weftTuning: MACHINE_TUNING_SCHEMA,
  createdAt: '2026-11-24T10:00:00.000Z',
  machine: {
    node: 'v20.20.2',
    platform: 'linux',
    arch: 'x64',
    cpu: 'AMD EPYC',
    cores: 2,
    memoryGiB: 23.5,
    loadAverage: 1.5,
  },
  values: { threads: 2, chunkSize: 1024, codecThreshold: 16384 },
  defaults: { threads: 2, chunkSize: 256, codecThreshold: 65536 },
  measurements: { chunkSize: [{ value: 1024, usPerItem: 1.2 }] },
};

function problemsOf(text: string): string[] {
  try {
    parseMachineTuning(text, '/p/.weft/tuning.json');
  } catch (e) {
    if (isWeftError(e) && e.code === 'TUNING_INVALID') return e.data['problems'] as string[];
    throw e;
  }
  throw new Error('parsed');
}

describe('machine tuning profiles', () => {
  it('round-trips through encode and parse', () => {
    expect(parseMachineTuning(encodeMachineTuning(profile), 'x')).toEqual(profile);
  });

  it('refuses text that is not JSON, another format, and lists every problem at once', () => {
    expect(problemsOf('{')[0]).toMatch(/^not JSON/);
    expect(problemsOf(JSON.stringify({ ...profile, weftTuning: 2 }))).toEqual([
      expect.stringMatching(/"weftTuning" must be 1.*got 2/),
    ]);
    const bad = {
      ...profile,
      extra: 1,
      createdAt: 'yesterday',
      machine: { ...profile.machine, cores: -1 },
      values: { threads: 0, chunkSize: 1.5, codecThreshold: -1, pool: 3 },
    };
    expect(problemsOf(JSON.stringify(bad))).toEqual([
      'unknown key "extra" (known: $schema, weftTuning, createdAt, machine, values, defaults, measurements)',
      'createdAt must be an ISO 8601 time, got "yesterday"',
      'machine.cores must be a number ≥ 0, got -1',
      'values.pool is not a tuning value (known: threads, chunkSize, codecThreshold)',
      'values.threads must be an integer ≥ 1, got 0',
      'values.chunkSize must be an integer ≥ 1, got 1.5',
      'values.codecThreshold must be an integer ≥ 0, got -1',
    ]);
    const err = (() => {
      try {
        return parseMachineTuning('[]', '/p/t.json');
      } catch (e) {
        return e;
      }
    })();
    expect(isWeftError(err) && err.message).toMatch(
      /tuning profile \/p\/t\.json is invalid[\s\S]*weft bench tune/,
    );
    expect(isWeftError(err) && err.data['location']).toBe('/p/t.json');
  });

  it('refuses to encode an invalid profile', () => {
    expect(() => encodeMachineTuning({ ...profile, values: { ...profile.values, threads: 0 } })).toThrow(
      /invalid tuning profile/,
    );
  });
});

const one = pipeline<number>('tuning-one', { module: import.meta.url })
  .step('inc', (x: number) => x + 1)
  .build();

describe('an engine with a tuning profile', () => {
  it('hands the values to the orchestrator factory and reports the profile in every run', async () => {
    const seen: OrchestratorContext[] = [];
    const registry = createRegistry().register({
      name: 'probe',
      description: 'direct, recording its context',
      capabilities: { blocking: true, detached: true, durable: false, parallel: false },
      create: (ctx) => (seen.push(ctx), new DirectOrchestrator(ctx.services)),
    });
    const engine = createEngine({
      registry,
      orchestrator: 'probe',
      tuning: { profile: '/p/.weft/tuning.json', values: profile.values },
    });
    const r = await engine.execute<number>(one, 1);
    expect(r.output).toBe(2);
    expect(seen.map((c) => c.tuning)).toEqual([profile.values]);
    expect(r.metrics.extra['tuning']).toEqual({ profile: '/p/.weft/tuning.json', values: profile.values });
    await engine.close();
  });

  it('says nothing about tuning without a profile', async () => {
    const engine = createEngine();
    const r = await engine.execute(one, 1);
    expect(r.metrics.extra).not.toHaveProperty('tuning');
    await engine.close();
  });

  it('refuses malformed tuning options with OPTION_INVALID', () => {
    expect(() =>
      createEngine({ tuning: { profile: 'p', values: { threads: 0, chunkSize: 1, codecThreshold: 0 } } }),
    ).toThrow(/tuning\.values\.threads must be an integer ≥ 1/);
    expect(() => createEngine({ tuning: { values: profile.values } as never })).toThrow(
      /tuning\.profile must be a string/,
    );
  });
});
