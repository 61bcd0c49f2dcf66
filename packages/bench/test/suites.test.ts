// Every suite runs in smoke mode (tiny sizes, one call per case) and its result has the promised
// shape: the suites never rot. No timing is asserted here; figures belong to `npm run bench`.
import { describe, expect, it } from 'vitest';
import { isWeftError } from '@weft/core';
import {
  benchMain,
  formatReport,
  runSuite,
  runSuites,
  selectSuites,
  suites,
  type BenchIo,
  type Suite,
  type SuiteResult,
} from '../dist/index.js';

function checkShape(r: SuiteResult, suite: Suite): void {
  expect(r.name).toBe(suite.name);
  expect(r.smoke).toBe(true);
  expect(r.runs).toBe(1);
  expect(r.unit).toMatch(/^[a-z][a-z ]*$/);
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
  // In the repository every optional peer is installed: nothing may be skipped here.
  expect(r.skipped).toEqual([]);
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

  it.each(suites.map((s) => [s.name, s] as const))(
    '%s runs and reports the documented shape',
    async (_name, suite) => {
      const r = await runSuite(suite, { smoke: true });
      checkShape(r, suite);
    },
  );
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

describe('peer and tuning suites', () => {
  const names = (r: SuiteResult): string[] => r.cases.map((c) => c.name);

  it('chain runs on workers too; trivial-map adds the plain loop to the actors suite', async () => {
    expect(names(await runSuite(selectSuites(['chain'])[0]!, { smoke: true }))).toContain('weft workers');
    const t = await runSuite(selectSuites(['trivial-map'])[0]!, { smoke: true });
    expect(names(t)).toEqual([
      'piscina, one task per item',
      'weft workers + events',
      'weft direct + events',
      'plain loop',
    ]);
    expect(t.targets.map((x) => x.metric)).toEqual(['unitsPerSecond', 'speedup']);
  });

  it('every CPU size compares Weft with the main thread, raw worker_threads, piscina, tinypool and workerpool', async () => {
    for (const name of ['cpu-6ms', 'cpu-600us', 'cpu-64us', 'cpu-7us']) {
      const r = await runSuite(selectSuites([name])[0]!, { smoke: true });
      expect(names(r)).toEqual([
        'main thread',
        'raw worker_threads, static split',
        'piscina, one task per item',
        'tinypool, one task per item',
        'workerpool, one task per item',
        'weft workers',
      ]);
    }
  });

  it('tokens-latency reports p50 as its figure and p99 beside it, without a rate column', async () => {
    const r = await runSuite(selectSuites(['tokens-latency'])[0]!, { smoke: true });
    expect(r.latency).toBe(true);
    expect(r.iterations).toBe(1);
    for (const c of r.cases) expect(c.metrics['p99 µs']!.median).toBeGreaterThanOrEqual(c.usPerUnit.median);
    expect(formatReport({ ...(await runSuites([], { smoke: true })), suites: [r] })).not.toContain(
      'tokens/s  ',
    );
  });

  it('million-map measures each case in its own process with its peak RSS, against the 300 MB target', async () => {
    const r = await runSuite(selectSuites(['million-map'])[0]!, { smoke: true });
    for (const c of r.cases) expect(c.metrics['peak RSS MB']!.median).toBeGreaterThan(10);
    expect(r.targets.map((t) => [t.case, t.extra, t.max])).toEqual([
      ['weft workers', 'peak RSS MB', 300],
      ['weft direct', 'peak RSS MB', 300],
    ]);
  });

  it('tuning-gain uses the profile it is given', async () => {
    const tuning = {
      profile: '/p/.weft/tuning.json',
      values: { threads: 1, chunkSize: 64, codecThreshold: 1024 },
    };
    const r = await runSuite(selectSuites(['tuning-gain'])[0]!, { smoke: true, tuning });
    expect(r.params).toMatchObject({
      profile: '/p/.weft/tuning.json',
      tuned: 'threads 1, chunk 64, codec threshold 1024',
    });
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
    const r = await runSuite(probe, {
      runs: 2,
      timeMs: 0,
      warmupMs: 0,
      minIterations: 1,
      onProgress: (m) => progress.push(m),
    });
    expect(progress).toEqual(['probe: run 1/2 (a, b)', 'probe: run 2/2 (b, a)']);
    // Each case is called exactly once per run (no hidden extra call): a b, then b a.
    expect(calls).toEqual(['a', 'b', 'b', 'a', 'teardown']);
    const b = r.cases.find((c) => c.name === 'b')!;
    expect(b.usPerUnit.median).toBe(2000); // 4 ms over 2 units
    expect(b.metrics['x']?.median).toBe(7);
    expect(r.targets[0]?.met).toBe(false);
  });

  it('a suite may fix its calls per run (no time budget) and set targets on its own figures', async () => {
    let calls = 0;
    const fixed: Suite = {
      name: 'fixed',
      description: 'three calls per run, a target on a metric',
      setup: () => ({
        unit: 'call',
        baseline: 'a',
        iterations: 3,
        cases: [{ name: 'a', units: 1, run: () => (calls++, { durationMs: 1, metrics: { rss: 5 } }) }],
        targets: [{ case: 'a', metric: 'extra', extra: 'rss', max: 4, label: 'rss ≤ 4' }],
      }),
    };
    const r = await runSuite(fixed, { runs: 2, timeMs: 10_000, warmupMs: 1000 });
    expect(calls).toBe(6);
    expect(r.iterations).toBe(3);
    expect(r.targets[0]).toMatchObject({ value: 5, met: false });
    expect(formatReport({ ...(await runSuites([], {})), suites: [r] })).toContain(
      'target MISSED  a: rss 5.00 (≤ 4.00) — rss ≤ 4',
    );
    const bad: Suite = {
      ...fixed,
      setup: () => ({
        unit: 'call',
        baseline: 'a',
        cases: [{ name: 'a', units: 1, run: () => {} }],
        targets: [{ case: 'a', metric: 'extra', label: 'no name' }],
      }),
    };
    await expect(runSuite(bad, { smoke: true })).rejects.toMatchObject({ code: 'OPTION_INVALID' });
  });

  it('tears down and rethrows when a case fails', async () => {
    let tornDown = false;
    const broken: Suite = {
      name: 'broken',
      description: 'a case that throws',
      setup: () => ({
        unit: 'call',
        baseline: 'x',
        cases: [
          {
            name: 'x',
            units: 1,
            run: () => {
              throw new Error('boom');
            },
          },
        ],
        teardown: () => void (tornDown = true),
      }),
    };
    await expect(runSuite(broken, { smoke: true })).rejects.toThrow(/boom/);
    expect(tornDown).toBe(true);
  });

  it('refuses a baseline that is not a case, bad options and unknown suites with OPTION_INVALID', async () => {
    const bad: Suite = {
      name: 'bad',
      description: 'baseline missing',
      setup: () => ({ unit: 'call', baseline: 'nope', cases: [{ name: 'x', units: 1, run: () => {} }] }),
    };
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
    const report = JSON.parse(io.stdout.join('\n')) as {
      schemaVersion: number;
      options: { smoke: boolean };
      suites: SuiteResult[];
    };
    expect(report.schemaVersion).toBe(1);
    expect(report.options.smoke).toBe(true);
    expect(report.suites.map((s) => s.name)).toEqual(['map', 'chain']);
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
