import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

/** A `weft worker` process as it registers itself (GET /v1/workers, `parallelism`). */
export interface WorkerInfo {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  /** Threads of its pool (CPU slots). */
  readonly threads: number;
  /** IO slots of its pool. */
  readonly ioSlots: number;
  /** BullMQ jobs it takes at once, per queue. */
  readonly slots: number;
  readonly queues: readonly string[];
  /** Version of @weft/bullmq it runs. */
  readonly version: string;
  readonly startedAt: string;
}

/** Registers a worker and starts its heartbeat key (expires after `ttlMs` without a beat). */
export async function beat(
  redis: Redis,
  keys: Keys,
  info: WorkerInfo,
  ttlMs: number,
  first = false,
): Promise<void> {
  const m = redis.multi();
  if (first) m.hset(keys.workers, info.id, JSON.stringify(info));
  m.set(keys.heartbeat(info.id), '1', 'PX', ttlMs);
  await m.exec();
}

/** Removes a worker from the registry (clean shutdown). */
export async function unregister(redis: Redis, keys: Keys, id: string): Promise<void> {
  await redis.multi().hdel(keys.workers, id).del(keys.heartbeat(id)).exec();
}

/**
 * The live workers: registered and still beating. Entries whose heartbeat expired (a process that
 * died) are removed as they are found.
 * @example const workers = await listWorkers(redis, new Keys('weft'));
 */
export async function listWorkers(redis: Redis, keys: Keys): Promise<WorkerInfo[]> {
  const all = await redis.hgetall(keys.workers);
  const ids = Object.keys(all);
  if (ids.length === 0) return [];
  const beats = await redis.mget(...ids.map((id) => keys.heartbeat(id)));
  const live: WorkerInfo[] = [];
  const dead: string[] = [];
  ids.forEach((id, i) => {
    if (beats[i] === null) dead.push(id);
    else {
      try {
        live.push(JSON.parse(all[id]!) as WorkerInfo);
      } catch {
        dead.push(id);
      }
    }
  });
  if (dead.length > 0) await redis.hdel(keys.workers, ...dead);
  return live.sort((a, b) => a.id.localeCompare(b.id));
}
