// `weft bench` and `weft bench tune` end to end, and `weft run` using the tuning profile tune wrote.
// Smoke sizes only: no figure is asserted, only that the commands work and say what they did.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tempProjects, weft, weftJson, type JsonObject } from './cli.js';
import { readJson, type MetricsFile } from './results.js';

const MISC = join(FIXTURES, 'misc');
const project = tempProjects();

describe('weft bench', () => {
  it('--list names the suites; --smoke runs the chosen ones, prints the table and writes the JSON report', () => {
    const dir = project();
    const list = weftJson<readonly { name: string }[]>(['bench', '--list'], dir);
    expect(list.env.result.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['chain', 'cpu-6ms', 'langgraph', 'million-map', 'tuning-gain']),
    );
    const r = weft(['bench', '--smoke', '--suite', 'chain', '--suite', 'messages-100b', '-q'], dir);
    expect(r.code).toBe(0);
    const files = readdirSync(join(dir, '.weft', 'bench'));
    expect(files).toHaveLength(1);
    const report = readJson<{ suites: readonly { name: string }[] }>(join(dir, '.weft', 'bench', files[0]!));
    expect(report.suites.map((s: { name: string }) => s.name)).toEqual(['chain', 'messages-100b']);
    const table = weft(['bench', '--smoke', '--suite', 'chain', '--out', 'b.json'], dir);
    expect(table.stdout).toContain('weft direct');
    expect(table.stdout).toContain(`report: ${join(dir, 'b.json')}`);
    expect(table.stderr).toContain('chain: run 1/1');
    expect(readJson<{ options: JsonObject }>(join(dir, 'b.json')).options.smoke).toBe(true);
  });

  it('an unknown suite or a bad --runs is a usage error (exit 2)', () => {
    const dir = project();
    expect(weftJson(['bench', '--suite', 'nope'], dir).env.error?.code).toBe('USAGE_INVALID');
    expect(weftJson(['bench', '--runs', '0'], dir).env.error?.code).toBe('USAGE_INVALID');
  });
});

describe('weft bench tune and weft run', () => {
  it('tune writes a valid profile; run uses it and says so in its metrics; explicit --threads still wins', () => {
    const dir = project();
    const t = weftJson<{ file: string; profile: { values: JsonObject } }>(['bench', 'tune', '--smoke'], dir);
    expect(t.code).toBe(0);
    const file = join(dir, '.weft', 'tuning.json');
    expect(t.env.result.file).toBe(file);
    const profile = readJson(file);
    expect(profile).toMatchObject({ weftTuning: 1, values: t.env.result.profile.values });
    expect(readdirSync(join(dir, '.weft')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A profile with values a test can recognise.
    writeFileSync(
      file,
      JSON.stringify({ ...profile, values: { threads: 1, chunkSize: 3, codecThreshold: 1234 } }),
    );
    const r = weftJson(['run', join(MISC, 'sum.json'), '--input', '4', '--run-id', 't1'], dir);
    expect(r.env.result).toMatchObject({ status: 'succeeded', output: 20 });
    const metrics = readJson<MetricsFile>(join(dir, '.weft', 'runs', 't1', 'metrics.json'));
    expect(metrics.extra.tuning).toEqual({
      profile: file,
      values: { threads: 1, chunkSize: 3, codecThreshold: 1234 },
    });
    expect(metrics.extra.threads).toBe(1);
    const explicit = weftJson(
      ['run', join(MISC, 'sum.json'), '--input', '4', '--run-id', 't2', '--threads', '2'],
      dir,
    );
    expect(explicit.env.result.status).toBe('succeeded');
    expect(readJson<MetricsFile>(join(dir, '.weft', 'runs', 't2', 'metrics.json')).extra).toMatchObject({
      threads: 2,
      tuning: { profile: file },
    });
  });

  it('a damaged profile is TUNING_INVALID (exit 2) naming the file; without one, runs say nothing of tuning', () => {
    const dir = project();
    const r0 = weftJson(['run', join(MISC, 'sum.json'), '--input', '1', '--run-id', 'n1'], dir);
    expect(r0.code).toBe(0);
    expect(readJson<MetricsFile>(join(dir, '.weft', 'runs', 'n1', 'metrics.json')).extra).not.toHaveProperty(
      'tuning',
    );
    writeFileSync(join(dir, '.weft', 'tuning.json'), '{"weftTuning": 1, "values": {}}');
    const r = weftJson(['run', join(MISC, 'sum.json'), '--input', '1', '--run-id', 'n2'], dir);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('TUNING_INVALID');
    expect(r.env.error?.message).toContain(join(dir, '.weft', 'tuning.json'));
    expect(r.env.error?.data.problems).toEqual(
      expect.arrayContaining(['values.threads must be an integer ≥ 1, got undefined']),
    );
    expect(existsSync(join(dir, '.weft', 'runs', 'n2'))).toBe(false);
  });
});
