import { WeftError } from '@weft/core';
import { OptionReader } from '../shared/check.js';
import { checkRedisUrl, defaultRedisUrl } from '../shared/redis.js';

/** Map items per task on `bullmq`: one Redis round trip carries many items. */
export const BULLMQ_CHUNK_SIZE = 1024;

/**
 * Options of the `bullmq` orchestrator (the coordinator side), passed as
 * `EngineOptions.orchestratorOptions`. Every one is optional.
 */
export type BullmqOptions = {
  /** Redis URL. Default `WEFT_REDIS_URL`, else `redis://127.0.0.1:6379`. */
  readonly redis?: string;
  /** Prefix of every key (Weft's and BullMQ's). Default `weft`. Workers must use the same. */
  readonly prefix?: string;
  /** Base name of the queues: `<queue>-cpu` and `<queue>-io` (steps marked `io: true`). Default `tasks`. */
  readonly queue?: string;
  /** Map items per task. Default {@link BULLMQ_CHUNK_SIZE}. */
  readonly chunkSize?: number;
  /** Threads assumed until workers have registered (then the sum of their threads). Default 2. */
  readonly parallelism?: number;
  /** Same as `parallelism` (what `weft run --threads` passes). */
  readonly threads?: number;
  /** The code root: step modules under it are named relative to it (workers use their own root). Default the working directory. */
  readonly root?: string;
  /** How long to wait for Redis at start before failing with ORCHESTRATOR_UNAVAILABLE, ms. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** How long Redis may be away during a run before tasks in flight fail with ORCHESTRATOR_UNAVAILABLE, ms. Default 30,000. */
  readonly redisDownMs?: number;
  /** Tasks this coordinator keeps queued in Redis at once; beyond it, runs (or tenants) take turns. Default 4096. */
  readonly maxInflight?: number;
  /** The tenant of a run, for fairness between tenants (default: each run is its own tenant). */
  readonly tenantOf?: (runId: string) => string;
  /** Jobs of the queues running at once over every worker (BullMQ global concurrency). */
  readonly globalConcurrency?: number;
  /** At most `max` jobs per `durationMs` over every worker (BullMQ global rate limit). */
  readonly rateLimit?: { readonly max: number; readonly durationMs: number };
  /** The workers' lock duration, ms (to tell a silent task from a lost one). Default 30,000. */
  readonly lockDurationMs?: number;
  /** The workers' stalled-job check interval, ms. Default 15,000. */
  readonly stalledIntervalMs?: number;
  /** After a cancel, how long to wait for the worker's answer before settling anyway, ms (plus the lock time). Default 1000. */
  readonly cancelGraceMs?: number;
  /** Seconds a run's keys live after its last write if nobody cleans them up (a coordinator that died). Default 86,400. */
  readonly retentionS?: number;
};

/** {@link BullmqOptions} resolved. */
export interface ResolvedBullmqOptions {
  readonly redis: string;
  readonly prefix: string;
  readonly queue: string;
  readonly chunkSize: number;
  readonly parallelism: number;
  readonly root: string;
  readonly connectTimeoutMs: number;
  readonly redisDownMs: number;
  readonly maxInflight: number;
  readonly tenantOf: ((runId: string) => string) | undefined;
  readonly globalConcurrency: number | undefined;
  readonly rateLimit: { readonly max: number; readonly durationMs: number } | undefined;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly cancelGraceMs: number;
  readonly retentionS: number;
}

const KNOWN = [
  'redis',
  'prefix',
  'queue',
  'chunkSize',
  'parallelism',
  'threads',
  'root',
  'connectTimeoutMs',
  'redisDownMs',
  'maxInflight',
  'tenantOf',
  'globalConcurrency',
  'rateLimit',
  'lockDurationMs',
  'stalledIntervalMs',
  'cancelGraceMs',
  'retentionS',
];

/** Names safe in Redis keys and BullMQ queue names. */
export const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Resolves the options once; bad values fail with OPTION_INVALID naming the option.
 * @example resolveBullmqOptions({ redis: 'redis://127.0.0.1:6390' })
 */
export function resolveBullmqOptions(raw: Readonly<Record<string, unknown>> = {}): ResolvedBullmqOptions {
  const r = new OptionReader(raw, 'bullmq', KNOWN);
  const tenantOf = r.get('tenantOf');
  if (tenantOf !== undefined && typeof tenantOf !== 'function')
    throw new WeftError(
      'OPTION_INVALID',
      `bullmq option tenantOf must be a function, got ${typeof tenantOf}`,
    );
  const rate = r.get('rateLimit') as { max?: unknown; durationMs?: unknown } | undefined;
  if (
    rate !== undefined &&
    (typeof rate !== 'object' ||
      rate === null ||
      !Number.isInteger(rate.max) ||
      (rate.max as number) < 1 ||
      !Number.isInteger(rate.durationMs) ||
      (rate.durationMs as number) < 1)
  ) {
    throw new WeftError(
      'OPTION_INVALID',
      `bullmq option rateLimit must be { max, durationMs } (integers ≥ 1), got ${JSON.stringify(rate)}`,
    );
  }
  const root = r.get('root');
  if (root !== undefined && (typeof root !== 'string' || root === ''))
    throw new WeftError(
      'OPTION_INVALID',
      `bullmq option root must be a directory path, got ${JSON.stringify(root)}`,
    );
  return {
    redis: checkRedisUrl(r.get('redis') ?? defaultRedisUrl()),
    prefix: r.str('prefix', 'weft', NAME),
    queue: r.str('queue', 'tasks', NAME),
    chunkSize: r.int('chunkSize', BULLMQ_CHUNK_SIZE),
    parallelism: r.int('parallelism', r.int('threads', 2)),
    root: root ?? process.cwd(),
    connectTimeoutMs: r.int('connectTimeoutMs', 5000),
    redisDownMs: r.int('redisDownMs', 30_000),
    maxInflight: r.int('maxInflight', 4096),
    tenantOf: tenantOf as ((runId: string) => string) | undefined,
    globalConcurrency: r.optInt('globalConcurrency'),
    rateLimit: rate as { max: number; durationMs: number } | undefined,
    lockDurationMs: r.int('lockDurationMs', 30_000),
    stalledIntervalMs: r.int('stalledIntervalMs', 15_000),
    cancelGraceMs: r.num('cancelGraceMs', 1000),
    retentionS: r.int('retentionS', 86_400),
  };
}
