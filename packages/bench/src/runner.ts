import { cpus, loadavg, totalmem } from 'node:os';
import { Bench, type HookMode } from 'tinybench';
import { WeftError, type EngineTuning, type TunedMachine } from '@weft/core';
import { summarize, type Summary } from './stats.js';
import type { BenchCase, Measurement, SkippedCase, Suite, SuiteSetup, Target } from './suite.js';

/** How the runner measures. Every field has a default; smoke mode changes the defaults. */
export interface RunnerOptions {
  /** Tiny sizes, one repetition, one call per case and no warm-up (default false). */
  readonly smoke?: boolean;
  /** Repetitions; each runs every case once, in a rotated order (default 5, smoke 1). */
  readonly runs?: number;
  /** Time budget per case and repetition, in ms (default 500, smoke 0). */
  readonly timeMs?: number;
  /** Warm-up budget per case and repetition, in ms (default 100, smoke 0 = no warm-up). */
  readonly warmupMs?: number;
  /** Minimum calls per case and repetition (default 5, smoke 1). */
  readonly minIterations?: number;
  /** Progress lines (to stderr in the CLI). */
  readonly onProgress?: (message: string) => void;
  /** The machine tuning profile in use, handed to the suites (see `SuiteOptions.tuning`). */
  readonly tuning?: EngineTuning;
}

/** Runner options with every default filled in. */
export interface ResolvedRunnerOptions {
  readonly smoke: boolean;
  readonly runs: number;
  readonly timeMs: number;
  readonly warmupMs: number;
  readonly minIterations: number;
}

/** The figures of one case, each a median with its min–max across repetitions. */
export interface CaseResult {
  readonly name: string;
  readonly description: string | null;
  readonly units: number;
  readonly baseline: boolean;
  /** Median time per unit of work, µs (from tinybench's median call time ÷ units). */
  readonly usPerUnit: Summary;
  /** Mean time per unit, µs (mean call time ÷ units): includes the GC pauses that the median hides. */
  readonly meanUsPerUnit: Summary;
  readonly unitsPerSecond: Summary;
  /** This case's time ÷ the baseline's, per repetition (1 for the baseline). */
  readonly ratio: Summary;
  /** The baseline's time ÷ this case's, per repetition: > 1 means faster than the baseline. */
  readonly speedup: Summary;
  /** µs per unit above the baseline's, per repetition. */
  readonly overheadUsPerUnit: Summary;
  /** µs per unit measured in each repetition, in order. */
  readonly perRun: readonly number[];
  /** Calls timed, all repetitions together. */
  readonly samples: number;
  /** Extra figures reported by the case (`Measurement.metrics`), median of each repetition's median. */
  readonly metrics: Readonly<Record<string, Summary>>;
}

/** A target with the value reached. */
export interface TargetResult extends Target {
  readonly value: number;
  readonly met: boolean;
}

/** The outcome of one suite. */
export interface SuiteResult {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly baseline: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly cases: readonly CaseResult[];
  /** Cases left out on this machine (an optional peer is not installed), with the reason (always set by the runner; absent in reports from before it existed). */
  readonly skipped?: readonly SkippedCase[];
  /** Checked against the medians; meaningless in smoke mode (sizes are tiny). */
  readonly targets: readonly TargetResult[];
  readonly smoke: boolean;
  readonly runs: number;
  /** Calls per case and repetition when the suite fixed them (no time budget). */
  readonly iterations?: number;
  /** The calls report a latency, not an amount of work: the table leaves out the rate column. */
  readonly latency?: boolean;
  readonly durationMs: number;
}

/**
 * The machine the figures come from: the same record a tuning profile keeps (core's `TunedMachine`),
 * its `loadAverage` taken when the report began (above the core count, other work competed).
 */
export type Environment = TunedMachine;

/** Everything one invocation measured: what `--json` writes. */
export interface BenchReport {
  readonly schemaVersion: 1;
  readonly createdAt: string;
  readonly environment: Environment;
  readonly options: ResolvedRunnerOptions;
  readonly suites: readonly SuiteResult[];
}

/** Fills in the defaults, failing fast with OPTION_INVALID. */
export function resolveRunnerOptions(o: RunnerOptions = {}): ResolvedRunnerOptions {
  const smoke = o.smoke ?? false;
  const r = {
    smoke,
    runs: o.runs ?? (smoke ? 1 : 5),
    timeMs: o.timeMs ?? (smoke ? 0 : 500),
    warmupMs: o.warmupMs ?? (smoke ? 0 : 100),
    minIterations: o.minIterations ?? (smoke ? 1 : 5),
  };
  if (!Number.isInteger(r.runs) || r.runs < 1)
    throw new WeftError('OPTION_INVALID', `runs must be a positive integer, got ${String(o.runs)}`);
  if (!Number.isInteger(r.minIterations) || r.minIterations < 1) {
    throw new WeftError(
      'OPTION_INVALID',
      `minIterations must be a positive integer, got ${String(o.minIterations)}`,
    );
  }
  for (const k of ['timeMs', 'warmupMs'] as const) {
    if (!(Number.isFinite(r[k]) && r[k] >= 0))
      throw new WeftError('OPTION_INVALID', `${k} must be a number ≥ 0, got ${String(o[k])}`);
  }
  return r;
}

/** Facts about this machine. */
export function environment(): Environment {
  const cs = cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpu: cs[0]?.model.trim() ?? 'unknown',
    cores: cs.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Runs several suites one after the other and gathers a report. */
export async function runSuites(suites: readonly Suite[], options: RunnerOptions = {}): Promise<BenchReport> {
  const resolved = resolveRunnerOptions(options);
  const env = environment();
  const results: SuiteResult[] = [];
  for (const s of suites) results.push(await runSuite(s, options));
  return {
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    environment: env,
    options: resolved,
    suites: results,
  };
}

/**
 * Runs one suite: sets it up, runs its cases side by side (in each repetition every case once,
 * the order rotated between repetitions so that none always goes first), and summarises.
 */
export async function runSuite(suite: Suite, options: RunnerOptions = {}): Promise<SuiteResult> {
  const o = resolveRunnerOptions(options);
  const started = performance.now();
  const setup = await suite.setup({ smoke: o.smoke, ...(options.tuning ? { tuning: options.tuning } : {}) });
  try {
    checkSetup(suite.name, setup);
    // A suite whose calls take seconds asks for an exact number of calls instead of a time budget.
    const iterations = setup.iterations === undefined ? undefined : o.smoke ? 1 : setup.iterations;
    const budget: ResolvedRunnerOptions =
      iterations === undefined ? o : { ...o, timeMs: 0, warmupMs: 0, minIterations: iterations };
    const cases = setup.cases;
    const perUnit = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    const meanPerUnit = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    const metrics = new Map<string, Map<string, number[]>>(cases.map((c) => [c.name, new Map()]));
    const samples = new Map<string, number>(cases.map((c) => [c.name, 0]));
    for (let rep = 0; rep < o.runs; rep++) {
      const order = cases.map((_, i) => cases[(i + rep) % cases.length]!);
      options.onProgress?.(
        `${suite.name}: run ${rep + 1}/${o.runs} (${order.map((c) => c.name).join(', ')})`,
      );
      const measured = await runRepetition(order, budget);
      for (const c of cases) {
        const m = measured.get(c.name)!;
        perUnit.get(c.name)!.push((m.medianMs * 1000) / c.units);
        meanPerUnit.get(c.name)!.push((m.meanMs * 1000) / c.units);
        samples.set(c.name, samples.get(c.name)! + m.samples);
        const byName = metrics.get(c.name)!;
        for (const [k, v] of Object.entries(m.metrics)) {
          const list = byName.get(k) ?? [];
          list.push(v);
          byName.set(k, list);
        }
      }
    }
    const base = perUnit.get(setup.baseline)!;
    const results: CaseResult[] = cases.map((c) => {
      const mine = perUnit.get(c.name)!;
      return {
        name: c.name,
        description: c.description ?? null,
        units: c.units,
        baseline: c.name === setup.baseline,
        usPerUnit: summarize(mine),
        meanUsPerUnit: summarize(meanPerUnit.get(c.name)!),
        unitsPerSecond: summarize(mine.map((us) => 1e6 / us)),
        ratio: summarize(mine.map((us, i) => us / base[i]!)),
        speedup: summarize(mine.map((us, i) => base[i]! / us)),
        overheadUsPerUnit: summarize(mine.map((us, i) => us - base[i]!)),
        perRun: mine,
        samples: samples.get(c.name)!,
        metrics: Object.fromEntries([...metrics.get(c.name)!].map(([k, v]) => [k, summarize(v)])),
      };
    });
    return {
      name: suite.name,
      description: suite.description,
      unit: setup.unit,
      baseline: setup.baseline,
      params: setup.params ?? {},
      cases: results,
      skipped: setup.skipped ?? [],
      targets: (setup.targets ?? []).map((t) => checkTarget(t, results)),
      smoke: o.smoke,
      runs: o.runs,
      ...(iterations !== undefined ? { iterations } : {}),
      ...(setup.latency ? { latency: true } : {}),
      durationMs: performance.now() - started,
    };
  } finally {
    await setup.teardown?.();
  }
}

interface Measured {
  readonly medianMs: number;
  readonly meanMs: number;
  readonly samples: number;
  readonly metrics: Record<string, number>;
}

/** One repetition: every case once, in the given order, through tinybench. */
async function runRepetition(
  order: readonly BenchCase[],
  o: ResolvedRunnerOptions,
): Promise<Map<string, Measured>> {
  const bench = new Bench({
    time: o.timeMs,
    iterations: o.minIterations,
    warmup: o.warmupMs > 0,
    warmupTime: o.warmupMs,
    warmupIterations: 1,
    throws: true,
  });
  const extra = new Map<string, Map<string, number[]>>();
  for (const c of order) {
    const seen = new Map<string, number[]>();
    extra.set(c.name, seen);
    let phase: HookMode = 'run';
    const record = (m: void | Measurement): { overriddenDuration: number } | undefined => {
      if (!m) return undefined;
      if (m.metrics && phase === 'run') {
        for (const [k, v] of Object.entries(m.metrics)) {
          const list = seen.get(k) ?? [];
          list.push(v);
          seen.set(k, list);
        }
      }
      return m.durationMs === undefined ? undefined : { overriddenDuration: m.durationMs };
    };
    const fn = (): unknown => {
      const r = c.run();
      return r instanceof Promise ? r.then(record) : record(r);
    };
    // Declared async so that tinybench does not call the case an extra time to find out; a sync
    // case pays one microtask per call, negligible for any case with enough units per call.
    bench.add(c.name, fn, {
      async: true,
      beforeAll(mode) {
        phase = mode ?? 'run';
      },
    });
  }
  await bench.run();
  const out = new Map<string, Measured>();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') {
      const cause = r.state === 'errored' ? r.error : undefined;
      throw new WeftError(
        'INTERNAL',
        `case "${task.name}" did not complete (${r.state})${cause ? `: ${cause.message}` : ''}`,
        { cause },
      );
    }
    const seen = extra.get(task.name)!;
    out.set(task.name, {
      medianMs: r.latency.p50,
      meanMs: r.latency.mean,
      samples: r.latency.samplesCount,
      metrics: Object.fromEntries([...seen].map(([k, v]) => [k, summarize(v).median])),
    });
  }
  return out;
}

function checkSetup(name: string, s: SuiteSetup): void {
  const names = s.cases.map((c) => c.name);
  if (names.length === 0) throw new WeftError('OPTION_INVALID', `suite "${name}" has no case`);
  if (new Set(names).size !== names.length)
    throw new WeftError('OPTION_INVALID', `suite "${name}" has two cases with the same name`);
  if (!names.includes(s.baseline))
    throw new WeftError(
      'OPTION_INVALID',
      `suite "${name}": baseline "${s.baseline}" is not one of its cases (${names.join(', ')})`,
    );
  for (const c of s.cases) {
    if (!(Number.isFinite(c.units) && c.units > 0))
      throw new WeftError(
        'OPTION_INVALID',
        `suite "${name}", case "${c.name}": units must be a positive number`,
      );
  }
  for (const t of s.targets ?? []) {
    if (!names.includes(t.case))
      throw new WeftError('OPTION_INVALID', `suite "${name}": target "${t.label}" names no case "${t.case}"`);
    if ((t.metric === 'extra') !== (t.extra !== undefined))
      throw new WeftError(
        'OPTION_INVALID',
        `suite "${name}": target "${t.label}" needs \`extra\` exactly when its metric is 'extra'`,
      );
  }
  if (s.iterations !== undefined && !(Number.isInteger(s.iterations) && s.iterations >= 1))
    throw new WeftError('OPTION_INVALID', `suite "${name}": iterations must be a positive integer`);
}

function checkTarget(t: Target, results: readonly CaseResult[]): TargetResult {
  const c = results.find((r) => r.name === t.case)!;
  const summary =
    t.metric === 'extra'
      ? c.metrics[t.extra!]
      : {
          usPerUnit: c.usPerUnit,
          meanUsPerUnit: c.meanUsPerUnit,
          unitsPerSecond: c.unitsPerSecond,
          speedup: c.speedup,
        }[t.metric];
  if (!summary)
    throw new WeftError('INTERNAL', `target "${t.label}": case "${t.case}" reported no figure "${t.extra}"`);
  const value = summary.median;
  const met = (t.max === undefined || value <= t.max) && (t.min === undefined || value >= t.min);
  return { ...t, value, met };
}
