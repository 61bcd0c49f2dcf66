import { availableParallelism } from 'node:os';
import { WeftError } from '@weft/core';
import { OptionReader } from '../shared/check.js';
import { checkRedisUrl, defaultRedisUrl } from '../shared/redis.js';
import { NAME } from '../coordinator/options.js';

/** Options of a `weft worker` process (the CLI flags map onto them). Every one is optional. */
export type WeftWorkerOptions = {
  /** Redis URL. Default `WEFT_REDIS_URL`, else `redis://127.0.0.1:6379`. */
  readonly redis?: string;
  /** Key prefix; the same as the coordinators'. Default `weft`. */
  readonly prefix?: string;
  /** Base queue name; the same as the coordinators'. Default `tasks`. */
  readonly queue?: string;
  /** Which queues to take jobs from: `cpu`, `io`, or both (default). */
  readonly queues?: readonly string[];
  /** Threads of the worker's pool. Default: one per core. */
  readonly threads?: number;
  /** IO-bound invocations in flight (`io: true` steps). Default 64. */
  readonly ioSlots?: number;
  /** CPU jobs taken at once (one runs per thread, the others wait there). Default threads × 4. */
  readonly concurrency?: number;
  /** A readable name in the registry. Default host name and pid. */
  readonly name?: string;
  /** The code root step modules are found under. Default the working directory. */
  readonly root?: string;
  /** BullMQ lock duration, ms. Default 30,000. */
  readonly lockDurationMs?: number;
  /** BullMQ stalled-job check interval, ms. Default 15,000. */
  readonly stalledIntervalMs?: number;
  /** Stalls a job survives before it fails (WORKER_LOST). Default 2 (at least 2: one stall must not fail a task). */
  readonly maxStalledCount?: number;
  /** Time a cancelled step has to stop before its thread is terminated, ms. Default 1000. */
  readonly cancelGraceMs?: number;
  /** Time `close()` (SIGTERM) waits for running tasks before leaving them to other workers, ms. Default 10,000. */
  readonly shutdownGraceMs?: number;
  /** Tokens a task may have unconsumed by its coordinator before its generator waits. Default 32,768. */
  readonly tokenCredit?: number;
  /** Longest a finished map item waits before it is sent, ms. Default 5. */
  readonly itemFlushMs?: number;
  /** Heartbeat period, ms (the registry entry expires after three missed beats). Default 1000. */
  readonly heartbeatMs?: number;
  /** How long to wait for Redis at start, ms. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Other options of the worker's `workers` pool (see @weft/actors WorkersOptions). */
  readonly pool?: Readonly<Record<string, unknown>>;
};

/** {@link WeftWorkerOptions} resolved. */
export interface ResolvedWorkerOptions {
  readonly redis: string;
  readonly prefix: string;
  readonly queue: string;
  readonly queues: readonly ('cpu' | 'io')[];
  readonly threads: number;
  readonly ioSlots: number;
  readonly concurrency: number;
  readonly name: string | undefined;
  readonly root: string;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  readonly cancelGraceMs: number;
  readonly shutdownGraceMs: number;
  readonly tokenCredit: number;
  readonly itemFlushMs: number;
  readonly heartbeatMs: number;
  readonly connectTimeoutMs: number;
  readonly pool: Readonly<Record<string, unknown>>;
}

const KNOWN = [
  'redis',
  'prefix',
  'queue',
  'queues',
  'threads',
  'ioSlots',
  'concurrency',
  'name',
  'root',
  'lockDurationMs',
  'stalledIntervalMs',
  'maxStalledCount',
  'cancelGraceMs',
  'shutdownGraceMs',
  'tokenCredit',
  'itemFlushMs',
  'heartbeatMs',
  'connectTimeoutMs',
  'pool',
];

/**
 * Resolves worker options once; bad values fail with OPTION_INVALID naming the option.
 * @example resolveWorkerOptions({ redis: 'redis://127.0.0.1:6390', threads: 2 })
 */
export function resolveWorkerOptions(raw: Readonly<Record<string, unknown>> = {}): ResolvedWorkerOptions {
  const r = new OptionReader(raw, 'worker', KNOWN);
  const queues = r.get('queues') ?? ['cpu', 'io'];
  if (
    !Array.isArray(queues) ||
    queues.length === 0 ||
    queues.some((q) => q !== 'cpu' && q !== 'io') ||
    new Set(queues).size !== queues.length
  ) {
    throw new WeftError(
      'OPTION_INVALID',
      `worker option queues must list cpu and/or io, got ${JSON.stringify(queues)}`,
      {
        data: { option: 'queues', value: queues },
      },
    );
  }
  const pool = r.get('pool') ?? {};
  if (typeof pool !== 'object' || pool === null || Array.isArray(pool))
    throw new WeftError(
      'OPTION_INVALID',
      `worker option pool must be an object, got ${JSON.stringify(pool)}`,
    );
  const threads = r.int('threads', Math.max(1, availableParallelism()));
  const name = r.get('name');
  if (name !== undefined && (typeof name !== 'string' || name === ''))
    throw new WeftError(
      'OPTION_INVALID',
      `worker option name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  const root = r.get('root');
  if (root !== undefined && (typeof root !== 'string' || root === ''))
    throw new WeftError(
      'OPTION_INVALID',
      `worker option root must be a directory path, got ${JSON.stringify(root)}`,
    );
  return {
    redis: checkRedisUrl(r.get('redis') ?? defaultRedisUrl()),
    prefix: r.str('prefix', 'weft', NAME),
    queue: r.str('queue', 'tasks', NAME),
    queues: queues as ('cpu' | 'io')[],
    threads,
    ioSlots: r.int('ioSlots', 64),
    concurrency: r.int('concurrency', threads * 4),
    name: name,
    root: root ?? process.cwd(),
    lockDurationMs: r.int('lockDurationMs', 30_000, 100),
    stalledIntervalMs: r.int('stalledIntervalMs', 15_000, 100),
    maxStalledCount: r.int('maxStalledCount', 2, 2),
    cancelGraceMs: r.num('cancelGraceMs', 1000),
    shutdownGraceMs: r.num('shutdownGraceMs', 10_000),
    tokenCredit: r.int('tokenCredit', 32_768),
    itemFlushMs: r.num('itemFlushMs', 5),
    heartbeatMs: r.int('heartbeatMs', 1000, 50),
    connectTimeoutMs: r.int('connectTimeoutMs', 5000),
    pool: pool as Record<string, unknown>,
  };
}
