// The contract between the runner and a suite. A suite is a module exporting one `Suite`; the
// runner owns timing, interleaving, repetitions, statistics and reporting.
import type { EngineTuning } from '@weft/core';

/** What the runner tells a suite when it sets it up. */
export interface SuiteOptions {
  /** Tiny sizes and no timing budget: check that the suite works, in seconds (used by the tests and CI). */
  readonly smoke: boolean;
  /** The machine tuning profile in use (`weft bench` passes `.weft/tuning.json` when present); suites that compare tuned and default settings read it. */
  readonly tuning?: EngineTuning;
}

/**
 * What one call of a case's `run` may report. Return nothing to let the runner time the whole call;
 * return `durationMs` to time only part of it (e.g. a latency measured inside the call); return
 * `metrics` to report other per-call figures (events seen, peak RSS in MB, …), summarised like
 * timings (median, min–max across repetitions).
 */
export interface Measurement {
  /** Overrides the measured duration of this call, in milliseconds (use `performance.now()`). */
  readonly durationMs?: number;
  /** Extra named figures for this call. */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** One side of a side-by-side comparison: a function the runner calls many times. */
export interface BenchCase {
  /** Short unique name within the suite, e.g. `plain loop`, `weft direct`. */
  readonly name: string;
  /** One line saying what exactly is measured. */
  readonly description?: string;
  /** Units of work one call performs (steps, items, tokens, messages): results are reported per unit. */
  readonly units: number;
  /**
   * One operation. Must throw when the work went wrong (wrong output, failed run), so a broken case
   * never produces a flattering number.
   */
  run(): void | Measurement | Promise<void | Measurement>;
}

/** A figure a suite promises to reach, checked against the medians (and reported, never asserted, in smoke mode). */
export interface Target {
  /** The case the target is about. */
  readonly case: string;
  /**
   * `usPerUnit`: median µs per unit; `meanUsPerUnit`: mean µs per unit (GC pauses included);
   * `unitsPerSecond`: median throughput; `speedup`: baseline time ÷ case time; `extra`: the median
   * of the case's own figure named by {@link Target.extra} (from `Measurement.metrics`).
   */
  readonly metric: 'usPerUnit' | 'meanUsPerUnit' | 'unitsPerSecond' | 'speedup' | 'extra';
  /** With `metric: 'extra'`: the name of the figure, e.g. `peak RSS MB`. */
  readonly extra?: string;
  /** Upper bound (for costs). */
  readonly max?: number;
  /** Lower bound (for throughput and speedups). */
  readonly min?: number;
  /** Where the target comes from, e.g. `issue 2: under 20 µs per main-thread step`. */
  readonly label: string;
}

/** A case a suite left out on this machine, and why (an optional peer package is not installed). */
export interface SkippedCase {
  readonly case: string;
  readonly reason: string;
}

/** The cases of one suite, built for one invocation of the runner. */
export interface SuiteSetup {
  /** What `units` count, singular: `step`, `item`, `token`, `message`. */
  readonly unit: string;
  /** Name of the case every other case is compared with (ratios, overhead). */
  readonly baseline: string;
  /** Run side by side in the same process, interleaved across repetitions. */
  readonly cases: readonly BenchCase[];
  readonly targets?: readonly Target[];
  /**
   * Calls per case and repetition, exactly: no warm-up and no time budget. For cases that take
   * seconds each (a child process per call); by default the runner's budget applies.
   */
  readonly iterations?: number;
  /**
   * The calls return a latency as `durationMs` (units: 1): the table leaves out the rate column.
   * Such suites should also fix `iterations`: tinybench counts overridden durations against its
   * time budget, so sub-millisecond latencies of long calls would make it call them for minutes.
   */
  readonly latency?: boolean;
  /** Cases left out here (their peer is not installed): listed under the table and in the report. */
  readonly skipped?: readonly SkippedCase[];
  /** Facts about the setup worth printing (sizes, pool size, chunk size). */
  readonly params?: Readonly<Record<string, string | number | boolean>>;
  /** Releases what setup created (engines, pools). Called once, even when a case failed. */
  teardown?(): void | Promise<void>;
}

/**
 * A benchmark suite. Export one from `src/suites/<name>.ts` and list it in `src/suites/index.ts`.
 * @example
 * export const mySuite: Suite = {
 *   name: 'noop',
 *   description: 'an empty async function vs a sync one',
 *   setup: ({ smoke }) => ({
 *     unit: 'call',
 *     baseline: 'sync',
 *     cases: [
 *       { name: 'sync', units: smoke ? 10 : 1000, run: () => { for (let i = 0; i < (smoke ? 10 : 1000); i++); } },
 *       { name: 'async', units: 1, run: async () => {} },
 *     ],
 *   }),
 * };
 */
export interface Suite {
  /** Unique, kebab-case; what `--suite` selects. */
  readonly name: string;
  /** One line: what the suite compares. */
  readonly description: string;
  /** Builds the cases; sizes depend on `options.smoke`. */
  setup(options: SuiteOptions): SuiteSetup | Promise<SuiteSetup>;
}
