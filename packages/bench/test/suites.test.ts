// Every suite runs in smoke mode (tiny sizes, one call per case) and its result has the promised
// shape: the suites never rot. No timing is asserted here; figures belong to `npm run bench`.
import { describe, expect, it } from 'vitest';
import { isWeftError } from '@weft/core';
import { benchMain, formatReport, runSuite, runSuites, selectSuites, suites, type BenchIo, type Suite, type SuiteResult } from '../src/index.js';

function checkShape(r: SuiteResult, suite: Suite): void {
  expect(r.name).toBe(suite.name);
  expect(r.smoke).toBe(true);
  expect(r.runs).toBe(1);
  expect(r.unit).toMatch(/^[a-z]+$/);
  expect(r.cases.length).toBeGreaterThan(0);
  expect(r.cases.filter((c) => c.baseline).map((c) => c.name)).toEqual([r.baseline]);
  for (const c of r.cases) {
    expect(c.units).toBeGreaterThan(0);
    expect(c.perRun).toHaveLength(1);
    expect(c.samples).toBeGreaterThanOrEqual(1);
    for (const s of [c.usPerUnit, c.unitsPerSecond, c.ratio, c.speedup]) {
      expect(s.median).toBeGreaterThan(0);
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.max).toBeGreaterThanOrEqual(s.median);
    }
    expect(Number.isFinite(c.overheadUsPerUnit.median)).toBe(true);
    for (const m of Object.values(c.metrics)) expect(Number.isFinite(m.median)).toBe(true);
  }
  const base = r.cases.find((c) => c.baseline)!;
  expect(base.ratio.median).toBe(1);
  expect(base.overheadUsPerUnit.median).toBe(0);
  for (const t of r.targets) {
    expect(r.cases.map((c) => c.name)).toContain(t.case);
    expect(Number.isFinite(t.value)).toBe(true);
    expect(typeof t.met).toBe('boolean');
  }
}

describe('every suite in smoke mode', () => {
  it('has unique names and a description', () => {
    const names = suites.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of suites) expect(s.description.length).toBeGreaterThan(10);
  });

  it.each(suites.map((s) => [s.name, s] as const))('%s runs and reports the documented shape', async (_name, suite) => {
    const r = await runSuite(suite, { smoke: true });
    checkShape(r, suite);
  });
});

describe('suite-specific figures', () => {
  it('chain: every engine case drains the same number of events, two per step plus run start/finish', async () => {
    const r = await runSuite(selectSuites(['chain'])[0]!, { smoke: true });
    const steps = Number(r.params['steps']);
    const withEvents = r.cases.find((c) => c.name === 'weft direct + events')!;
    expect(withEvents.metrics['events']?.median).toBe(2 * steps + 2);
    expect(r.targets.map((t) => t.case)).toEqual(['weft direct', 'weft direct + events']);
  });

  it('map: the drained stream holds one map.item event per item', async () => {
    const r = await runSuite(selectSuites(['map'])[0]!, { smoke: true });
    const items = Number(r.params['items']);
    const withEvents = r.cases.find((c) => c.name === 'weft direct + events')!;
    // run.start, step.start, map.start, one map.item per item, map.complete, step.end, run.finish
    expect(withEvents.metrics['events']?.median).toBe(items + 6);
  });
});

describe('runner', () => {
  const calls: string[] = [];
  const probe: Suite = {
    name: 'probe',
    description: 'two cases that record their calls',
    setup: () => ({
      unit: 'call',
      baseline: 'a',
      cases: [
        { name: 'a', units: 1, run: () => void calls.push('a') },
        { name: 'b', units: 2, run: async () => (calls.push('b'), { durationMs: 4, metrics: { x: 7 } }) },
      ],
      targets: [{ case: 'b', metric: 'usPerUnit', max: 1, label: 'unreachable' }],
      teardown: () => void calls.push('teardown'),
    }),
  };

  it('rotates the case order between runs, uses overridden durations and metrics, and tears down', async () => {
    calls.length = 0;
    const progress: string[] = [];
    const r = await runSuite(probe, { runs: 2, timeMs: 0, warmupMs: 0, minIterations: 1, onProgress: (m) => progress.push(m) });
    expect(progress).toEqual(['probe: run 1/2 (a, b)', 'probe: run 2/2 (b, a)']);
    // Each case is called exactly once per run (no hidden extra call): a b, then b a.
    expect(calls).toEqual(['a', 'b', 'b', 'a', 'teardown']);
    const b = r.cases.find((c) => c.name === 'b')!;
    expect(b.usPerUnit.median).toBe(2000); // 4 ms over 2 units
    expect(b.metrics['x']?.median).toBe(7);
    expect(r.targets[0]?.met).toBe(false);
  });

  it('tears down and rethrows when a case fails', async () => {
    let tornDown = false;
    const broken: Suite = {
      name: 'broken',
      description: 'a case that throws',
      setup: () => ({
        unit: 'call',
        baseline: 'x',
        cases: [{ name: 'x', units: 1, run: () => { throw new Error('boom'); } }],
        teardown: () => void (tornDown = true),
      }),
    };
    await expect(runSuite(broken, { smoke: true })).rejects.toThrow(/boom/);
    expect(tornDown).toBe(true);
  });

  it('refuses a baseline that is not a case, bad options and unknown suites with OPTION_INVALID', async () => {
    const bad: Suite = { name: 'bad', description: 'baseline missing', setup: () => ({ unit: 'call', baseline: 'nope', cases: [{ name: 'x', units: 1, run: () => {} }] }) };
    const err = await runSuite(bad, { smoke: true }).catch((e: unknown) => e);
    expect(isWeftError(err) && err.code).toBe('OPTION_INVALID');
    await expect(runSuites([], { runs: 0 })).rejects.toMatchObject({ code: 'OPTION_INVALID' });
    expect(() => selectSuites(['nope'])).toThrow(`the suites are: ${suites.map((s) => s.name).join(', ')}`);
  });

  it('formats a report as a table naming every case and the baseline', async () => {
    const report = await runSuites(selectSuites(['chain']), { smoke: true });
    const text = formatReport(report);
    expect(text).toContain('chain:');
    for (const c of report.suites[0]!.cases) expect(text).toContain(c.name);
    expect(text).toContain('baseline');
    expect(text).toContain('n/a (smoke)');
  });
});

describe('benchMain (the CLI)', () => {
  function capture(): BenchIo & { stdout: string[]; stderr: string[] } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t) };
  }

  it('--smoke --json prints one JSON report for the chosen suites', async () => {
    const io = capture();
    expect(await benchMain(['--smoke', '--json', '--suite', 'map', '--suite', 'chain'], io)).toBe(0);
    const report = JSON.parse(io.stdout.join('\n'));
    expect(report.schemaVersion).toBe(1);
    expect(report.options.smoke).toBe(true);
    expect(report.suites.map((s: SuiteResult) => s.name)).toEqual(['map', 'chain']);
  });

  it('exits 2 on a usage error and 0 for --help and --list', async () => {
    const io = capture();
    expect(await benchMain(['--suite', 'nope'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/unknown suite "nope"/);
    expect(await benchMain(['--runs', 'x'], io)).toBe(2);
    expect(await benchMain(['--bogus'], io)).toBe(2);
    expect(await benchMain(['--help'], io)).toBe(0);
    expect(await benchMain(['--list'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/^chain\s/m);
  });
});
