import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { WeftError, type TuningValues } from '@weft/core';

/**
 * Map items per task when neither the map nor the engine names a chunk size. Measured with the
 * `actors-chunk-size` suite (packages/bench; figures in packages/actors/README.md): trivial items go
 * 4× faster at 256 than at 16, and only ~10 % faster beyond. A short map of known size is cut smaller
 * by the engine so that every thread gets two chunks (see autoChunk in @weft/core).
 */
export const DEFAULT_CHUNK_SIZE = 256;

/**
 * Options of the `workers` orchestrator, passed as `EngineOptions.orchestratorOptions`. Every one
 * is optional; {@link resolveWorkersOptions} fills in the defaults once. (A type alias, not an
 * interface, so that it is assignable to `orchestratorOptions`.)
 */
export type WorkersOptions = {
  /** Worker threads in the pool. Default: `os.availableParallelism()`. */
  readonly threads?: number;
  /** Map items per task (one message each way per chunk). Default {@link DEFAULT_CHUNK_SIZE}. */
  readonly chunkSize?: number;
  /**
   * Time a cancelled (or timed-out) invocation has to stop cooperatively before its worker is
   * terminated and replaced, in ms. Other invocations on that worker are retried transparently.
   * Default 1000.
   */
  readonly cancelGraceMs?: number;
  /** Tasks that may wait for a worker; beyond it a task fails with a retryable QUOTA_EXCEEDED. Default 10,000. */
  readonly maxQueue?: number;
  /** Heap cap of each worker in MB (shorthand for `resourceLimits.maxOldGenerationSizeMb`). Default: Node's. */
  readonly maxOldGenerationSizeMb?: number;
  /** Worker resource limits (`worker_threads` ResourceLimits). Exceeding them fails the invocation with QUOTA_EXCEEDED and recycles the worker. */
  readonly resourceLimits?: ResourceLimits;
  /** IO-bound invocations (`io: true` steps) in flight across the pool; they take no CPU slot. Default 64. */
  readonly ioSlots?: number;
  /**
   * CPU invocations a worker holds at once: one runs, the others wait there so the worker never idles
   * between tasks; an idle worker steals a waiting one back. Default 4.
   */
  readonly tasksPerThread?: number;
  /** Tokens per message from a streaming step. Default 4096 (1024 streamed 10–20% slower, measured side by side). */
  readonly tokenBatch?: number;
  /** Longest a token waits in a partial batch, in ms. Default 2. */
  readonly tokenFlushMs?: number;
  /** Tokens an invocation may have in flight before it waits for the consumer (credit). Default 32,768. */
  readonly tokenCredit?: number;
  /** A binary output (Buffer, typed array) of at least this many bytes is transferred, not copied. Default 65,536. */
  readonly transferThreshold?: number;
  /** Worker deaths an invocation may ride through when it was not the one that killed the worker. Default 3. */
  readonly crashRetries?: number;
  /**
   * A task of a plain-function step whose measured cost (µs per item, learnt from earlier tasks)
   * times its items is at most this runs on the main thread instead: a thread hop costs more than
   * such work. Only steps without a placement; 0 turns it off. Default 20 (a chunk of 256 trivial
   * items costs more, so a long map still spreads over the pool).
   */
  readonly inlineUs?: number;
  /** Called when a worker ended unexpectedly and was replaced (supervision: logs, alerts, tests). */
  readonly onWorkerExit?: (info: WorkerExitInfo) => void;
  /**
   * Host services per run: a step's `ctx.host.<name>.<method>(...)` calls
   * `services[ctx.runId].<name>.<method>(...)` on the main thread, so one pool can serve runs whose
   * services live elsewhere (the `weft worker` of @weft/bullmq forwards them to each run's
   * coordinator). Only method calls cross; `ctx.host` lists no names; no task is inlined on the main
   * thread (`inlineUs` is ignored). Default false.
   */
  readonly servicesPerRun?: boolean;
};

/** What {@link WorkersOptions.onWorkerExit} receives. */
export interface WorkerExitInfo {
  /** Pool position of the worker (its replacement takes the same one). */
  readonly worker: number;
  /** `killed`: terminated after a cancellation grace period; `memory`: over its memory cap; `crashed`: anything else. */
  readonly reason: 'killed' | 'memory' | 'crashed';
  readonly message: string;
  /** Tasks that were on the worker and were dispatched again (transparently). */
  readonly retried: number;
  /** Tasks that failed because of this death. */
  readonly failed: number;
}

/** {@link WorkersOptions} with every default filled in. */
export interface ResolvedWorkersOptions {
  readonly threads: number;
  readonly chunkSize: number;
  readonly cancelGraceMs: number;
  readonly maxQueue: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly ioSlots: number;
  readonly tasksPerThread: number;
  readonly tokenBatch: number;
  readonly tokenFlushMs: number;
  readonly tokenCredit: number;
  readonly transferThreshold: number;
  readonly crashRetries: number;
  readonly inlineUs: number;
  readonly onWorkerExit: ((info: WorkerExitInfo) => void) | undefined;
  readonly servicesPerRun: boolean;
}

const KNOWN = [
  'threads',
  'chunkSize',
  'cancelGraceMs',
  'maxQueue',
  'maxOldGenerationSizeMb',
  'resourceLimits',
  'ioSlots',
  'tasksPerThread',
  'tokenBatch',
  'tokenFlushMs',
  'tokenCredit',
  'transferThreshold',
  'crashRetries',
  'inlineUs',
  'onWorkerExit',
  'servicesPerRun',
] as const;

/**
 * Resolves and checks the options once. Bad values fail fast with OPTION_INVALID naming the option.
 * @example resolveWorkersOptions({ threads: 2, cancelGraceMs: 200 })
 */
export function resolveWorkersOptions(raw: Readonly<Record<string, unknown>> = {}): ResolvedWorkersOptions {
  if (typeof raw !== 'object' || raw === null)
    throw new WeftError('OPTION_INVALID', `workers options must be an object, got ${String(raw)}`);
  const unknown = Object.keys(raw).filter((k) => !(KNOWN as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new WeftError(
      'OPTION_INVALID',
      `unknown workers option(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${KNOWN.join(', ')}`,
      { data: { unknown } },
    );
  }
  const o = raw as WorkersOptions;
  const int = (name: keyof WorkersOptions, fallback: number, min = 1): number => {
    const v = o[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new WeftError(
        'OPTION_INVALID',
        `workers option ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`,
        { data: { option: name, value: v } },
      );
    }
    return v;
  };
  const num = (name: keyof WorkersOptions, fallback: number): number => {
    const v = o[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new WeftError(
        'OPTION_INVALID',
        `workers option ${name} must be a number ≥ 0, got ${JSON.stringify(v)}`,
        { data: { option: name, value: v } },
      );
    }
    return v;
  };
  let limits: ResourceLimits | undefined;
  if (o.resourceLimits !== undefined) {
    if (typeof o.resourceLimits !== 'object' || o.resourceLimits === null) {
      throw new WeftError(
        'OPTION_INVALID',
        `workers option resourceLimits must be an object, got ${JSON.stringify(o.resourceLimits)}`,
      );
    }
    limits = { ...o.resourceLimits };
  }
  if (o.onWorkerExit !== undefined && typeof o.onWorkerExit !== 'function') {
    throw new WeftError(
      'OPTION_INVALID',
      `workers option onWorkerExit must be a function, got ${typeof o.onWorkerExit}`,
    );
  }
  const heap = o.maxOldGenerationSizeMb === undefined ? undefined : int('maxOldGenerationSizeMb', 0);
  if (heap !== undefined) limits = { ...(limits ?? {}), maxOldGenerationSizeMb: heap };
  return {
    threads: int('threads', Math.max(1, availableParallelism())),
    chunkSize: int('chunkSize', DEFAULT_CHUNK_SIZE),
    cancelGraceMs: num('cancelGraceMs', 1000),
    maxQueue: int('maxQueue', 10_000),
    resourceLimits: limits,
    ioSlots: int('ioSlots', 64),
    tasksPerThread: int('tasksPerThread', 4),
    tokenBatch: int('tokenBatch', 4096),
    tokenFlushMs: num('tokenFlushMs', 2),
    tokenCredit: int('tokenCredit', 32_768),
    transferThreshold: int('transferThreshold', 65_536, 0),
    crashRetries: int('crashRetries', 3, 0),
    inlineUs: num('inlineUs', 20),
    onWorkerExit: o.onWorkerExit,
    servicesPerRun: o.servicesPerRun === true,
  };
}

/**
 * Workers options with a machine tuning profile's values (from `weft bench tune`) as defaults:
 * `threads`, `chunkSize`, and `codecThreshold` as `transferThreshold`. Options given explicitly win.
 * @example tunedWorkersOptions({ threads: 1 }, profile.values) // threads 1, the profile's chunkSize and threshold
 */
export function tunedWorkersOptions(
  options: Readonly<Record<string, unknown>>,
  tuning: TuningValues | undefined,
): Readonly<Record<string, unknown>> {
  if (!tuning) return options;
  const tuned: Record<string, unknown> = {
    threads: tuning.threads,
    chunkSize: tuning.chunkSize,
    transferThreshold: tuning.codecThreshold,
  };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) tuned[k] = v;
  return tuned;
}
