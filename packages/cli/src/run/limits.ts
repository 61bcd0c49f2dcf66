// The limits of a run on the command line: worker threads (bounded by the cores) and the memory cap
// of each worker, resolved once, reported in the result and printed before the run starts.
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { WeftError } from '@weft/core';
import type { Io } from '../util/output.js';

/** `--threads` above this many times the cores is refused: each thread costs memory and start-up time. */
export const THREADS_PER_CORE_MAX = 4;

/** The smallest `--max-memory` accepted, in MB (V8 cannot run a worker in much less). */
export const MIN_MEMORY_MB = 16;

/** The limits a run was given, as reported in `result.limits`. */
export interface RunLimits {
  readonly orchestrator: string;
  /** Worker threads (null unless `workers`: `direct` is the main thread, a plugin has its own). */
  readonly threads: number | null;
  readonly cores: number;
  /** Heap cap of each worker in MB (V8's old generation; null on `direct`). */
  readonly memoryCapMb: number | null;
  /** Where the cap comes from: `--max-memory`, or Node's default heap size (what a worker gets unless told). */
  readonly memoryCapFrom: 'option' | 'default' | null;
}

/**
 * Parses `--threads`: an integer ≥ 1, at most {@link THREADS_PER_CORE_MAX} × the cores (USAGE_INVALID
 * beyond: a one-step run on 500 threads spends its time starting them).
 */
export function parseThreads(v: string | undefined, cores = availableParallelism()): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new WeftError('USAGE_INVALID', `--threads must be an integer ≥ 1, got "${v}"`);
  const max = THREADS_PER_CORE_MAX * cores;
  if (n > max)
    throw new WeftError(
      'USAGE_INVALID',
      `--threads ${n} is far above the ${cores} cores of this machine (at most ${max}, ${THREADS_PER_CORE_MAX} per core): CPU-bound steps go no faster, and every thread costs memory and start-up time`,
      { data: { threads: n, cores, max } },
    );
  return n;
}

/** Parses `--max-memory <MB>`: the heap cap of each worker thread, an integer ≥ {@link MIN_MEMORY_MB}. */
export function parseMaxMemory(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < MIN_MEMORY_MB)
    throw new WeftError(
      'USAGE_INVALID',
      `--max-memory must be a whole number of MB ≥ ${MIN_MEMORY_MB}, got "${v}"`,
      { data: { value: v } },
    );
  return n;
}

/** Node's default heap size in MB: what a worker thread gets when no cap is given. */
export function defaultHeapMb(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
}

/**
 * Resolves the limits of a run once. They apply to `workers` (elsewhere `--max-memory` is
 * USAGE_INVALID); more threads than cores is a THREADS_ABOVE_CORES warning.
 */
export function resolveLimits(
  o: {
    readonly orchestrator: string;
    readonly threads?: number | undefined;
    readonly maxMemoryMb?: number | undefined;
    readonly tunedThreads?: number | undefined;
  },
  io: Io,
  cores = availableParallelism(),
): RunLimits {
  if (o.orchestrator !== 'workers') {
    if (o.maxMemoryMb !== undefined)
      throw new WeftError(
        'USAGE_INVALID',
        `--max-memory caps the worker threads of --orchestrator workers: it does not apply to ${o.orchestrator}${o.orchestrator === 'direct' ? ' (the main thread: use node --max-old-space-size)' : ''}`,
      );
    return { orchestrator: o.orchestrator, threads: null, cores, memoryCapMb: null, memoryCapFrom: null };
  }
  const threads = o.threads ?? o.tunedThreads ?? cores;
  if (threads > cores)
    io.warnings.push({
      code: 'THREADS_ABOVE_CORES',
      message: `${threads} worker threads on ${cores} cores: CPU-bound steps will not go faster than with ${cores}`,
    });
  return {
    orchestrator: o.orchestrator,
    threads,
    cores,
    memoryCapMb: o.maxMemoryMb ?? defaultHeapMb(),
    memoryCapFrom: o.maxMemoryMb !== undefined ? 'option' : 'default',
  };
}

/** The line printed before a run starts. */
export function describeLimits(l: RunLimits): string {
  if (l.threads === null)
    return `weft: ${l.orchestrator}${l.orchestrator === 'direct' ? ' (the main thread)' : ''}, ${l.cores} cores`;
  const from =
    l.memoryCapFrom === 'option' ? '--max-memory' : "Node's default heap size; set it with --max-memory <MB>";
  return `weft: ${l.orchestrator}, ${l.threads} threads on ${l.cores} cores, memory cap ${l.memoryCapMb} MB per worker (${from})`;
}
