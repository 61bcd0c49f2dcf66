// `weft bench tune`: measures, on the machine at hand, the pool size, map chunk size and codec
// threshold that serve best, and builds a machine tuning profile from them.
import { availableParallelism } from 'node:os';
import { DEFAULT_CHUNK_SIZE, resolveWorkersOptions } from '@weft/actors';
import { MACHINE_TUNING_SCHEMA, type MachineTuning, type TuningValues } from '@weft/core';
import { environment, runSuite, type RunnerOptions, type SuiteResult } from '../runner.js';
import {
  caseName,
  chunkCandidates,
  chunkSuite,
  codecSizes,
  codecSuite,
  threadCandidates,
  threadsSuite,
} from './tune-suites.js';

/** How the tuner measures (the runner's options; tuning defaults: 5 runs of 300 ms per case). */
export interface TuneOptions extends Pick<RunnerOptions, 'smoke' | 'runs' | 'timeMs' | 'onProgress'> {
  /** Cores to size the pool candidates by. Default: `os.availableParallelism()`. */
  readonly cores?: number;
}

/** A profile and the measurements it came from. */
export interface TuneResult {
  readonly profile: MachineTuning;
  /** The three suites as the runner reported them (for the table and the JSON). */
  readonly suites: readonly SuiteResult[];
}

/** What the `workers` orchestrator uses when nothing is tuned (its own defaults). */
export function builtInDefaults(): TuningValues {
  const o = resolveWorkersOptions({});
  return { threads: o.threads, chunkSize: DEFAULT_CHUNK_SIZE, codecThreshold: o.transferThreshold };
}

/** Within this fraction of the fastest, the smaller candidate wins (fewer threads, smaller chunks: less to lose elsewhere). */
const TIE = 0.03;

/** The built-in default stays unless another candidate is faster by more than this fraction: a profile changes a setting only on clear evidence. */
const KEEP_DEFAULT = 0.05;

/**
 * The candidate with the lowest median time per unit; near-ties go to the earlier (smaller) one,
 * and the built-in default (when it is a candidate) stays unless something beats it clearly.
 */
export function fastest<T>(
  candidates: readonly T[],
  name: (c: T) => string,
  r: SuiteResult,
  fallback?: T,
): { value: T; usPerUnit: number } {
  const times = candidates.map((c) => {
    const found = r.cases.find((x) => x.name === name(c));
    if (!found) throw new Error(`tune: no case "${name(c)}" in ${r.name}`);
    return found.usPerUnit.median;
  });
  const best = Math.min(...times);
  const d = fallback === undefined ? -1 : candidates.indexOf(fallback);
  if (d >= 0 && times[d]! <= best * (1 + KEEP_DEFAULT))
    return { value: candidates[d]!, usPerUnit: times[d]! };
  const i = times.findIndex((t) => t <= best * (1 + TIE));
  return { value: candidates[i]!, usPerUnit: times[i]! };
}

/**
 * The codec threshold: the smallest measured size from which transferring was faster than copying
 * at that size and every larger one; twice the largest size when copying always won.
 */
export function codecThreshold(sizes: readonly number[], r: SuiteResult): number {
  const time = (n: string): number => r.cases.find((c) => c.name === n)!.usPerUnit.median;
  let threshold = 2 * sizes[sizes.length - 1]!;
  for (let i = sizes.length - 1; i >= 0; i--) {
    const b = sizes[i]!;
    if (time(caseName.transfer(b)) < time(caseName.copy(b))) threshold = b;
    else break;
  }
  return threshold;
}

/**
 * Measures pool size, then chunk size on the chosen pool, then the codec threshold, and returns
 * the profile (write it with `writeTuningProfile`).
 * @example const { profile } = await tuneMachine({ onProgress: console.error });
 */
export async function tuneMachine(options: TuneOptions = {}): Promise<TuneResult> {
  const smoke = options.smoke ?? false;
  const runner: RunnerOptions = {
    smoke,
    ...(smoke ? {} : { runs: options.runs ?? 5, timeMs: options.timeMs ?? 300 }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const env = environment();
  const cores = options.cores ?? availableParallelism();
  const defaults = builtInDefaults();
  const threadsR = await runSuite(threadsSuite(cores), runner);
  const threads = fastest(threadCandidates(cores, smoke), caseName.threads, threadsR, defaults.threads);
  const chunkR = await runSuite(chunkSuite(threads.value), runner);
  const chunk = fastest(chunkCandidates(smoke), caseName.chunk, chunkR, defaults.chunkSize);
  const codecR = await runSuite(codecSuite(), runner);
  const sizes = codecSizes(smoke);
  const values: TuningValues = {
    threads: threads.value,
    chunkSize: chunk.value,
    codecThreshold: codecThreshold(sizes, codecR),
  };
  const figure = (r: SuiteResult, name: string): number =>
    r.cases.find((c) => c.name === name)!.usPerUnit.median;
  const profile: MachineTuning = {
    weftTuning: MACHINE_TUNING_SCHEMA,
    createdAt: new Date().toISOString(),
    machine: { ...env },
    values,
    defaults,
    measurements: {
      how: `${threadsR.runs} runs per candidate, medians; ${smoke ? 'smoke sizes (figures meaningless)' : 'see `weft bench tune --json` for the full tables'}`,
      threads: threadCandidates(cores, smoke).map((t) => ({
        threads: t,
        usPerItem: figure(threadsR, caseName.threads(t)),
      })),
      chunkSize: chunkCandidates(smoke).map((c) => ({
        chunkSize: c,
        usPerItem: figure(chunkR, caseName.chunk(c)),
      })),
      codec: sizes.map((b) => ({
        bytes: b,
        copyUs: figure(codecR, caseName.copy(b)),
        transferUs: figure(codecR, caseName.transfer(b)),
      })),
    },
  };
  return { profile, suites: [threadsR, chunkR, codecR] };
}
