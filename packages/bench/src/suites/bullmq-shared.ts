import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { createEngine, createRegistry, type Engine, type EngineOptions } from '@weft/core';
import { bullmqEntry } from '@weft/bullmq';
import { spawnWorker, startRedisServer, type RedisServer, type SpawnedWorker } from '@weft/bullmq/testing';

/** The bench package directory: the code root of the coordinators and workers (dist/suites/…). */
export const BENCH_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The lock settings of the tests (what the stall target is measured with). */
export const TEST_LOCKS = { lockDurationMs: 1000, stalledIntervalMs: 1000 } as const;

/** A Redis server and `weft worker` processes of one suite, stopped by pid in teardown. */
export interface BullmqBench {
  readonly redis: RedisServer;
  readonly prefix: string;
  workers: SpawnedWorker[];
  engine(options?: Omit<EngineOptions, 'orchestrator' | 'registry'>): Engine;
  spawn(threads?: number): Promise<SpawnedWorker>;
  close(): Promise<void>;
}

/** Starts Redis and `workers` worker processes of `threads` threads each. */
export async function bullmqBench(workers: number, threads = 1, prefix = 'bench'): Promise<BullmqBench> {
  const redis = await startRedisServer();
  const engines: Engine[] = [];
  const spawnOne = (t = threads): Promise<SpawnedWorker> =>
    spawnWorker({ options: { redis: redis.url, prefix, root: BENCH_ROOT, threads: t, ...TEST_LOCKS } });
  const bench: BullmqBench = {
    redis,
    prefix,
    workers: [],
    engine(options = {}) {
      const e = createEngine({
        ...options,
        registry: createRegistry().register(bullmqEntry),
        orchestrator: 'bullmq',
        orchestratorOptions: { redis: redis.url, prefix, root: BENCH_ROOT, ...TEST_LOCKS },
      });
      engines.push(e);
      return e;
    },
    spawn: spawnOne,
    async close() {
      await Promise.allSettled(engines.map((e) => e.close()));
      await Promise.allSettled(bench.workers.map((w) => w.stop()));
      await redis.stop();
    },
  };
  try {
    bench.workers = await Promise.all(Array.from({ length: workers }, () => spawnOne()));
  } catch (e) {
    await bench.close();
    throw e;
  }
  return bench;
}

/** Raw BullMQ (one job per item) with two worker processes, on a given Redis. */
export interface RawBullmq {
  /** Adds `n` jobs in bulk and waits until every one completed. */
  runBulk(n: number): Promise<void>;
  /** Adds one job and waits for its result (`job.waitUntilFinished`). */
  one(x: number): Promise<number>;
  close(): Promise<void>;
}

const RAW_WORKER = fileURLToPath(new URL('./bullmq-raw-worker.js', import.meta.url));

export async function rawBullmq(url: string, processes = 2): Promise<RawBullmq> {
  const name = 'raw';
  const children: ChildProcess[] = [];
  for (let i = 0; i < processes; i++) {
    const child = spawn(process.execPath, [RAW_WORKER, url, name], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (c) => reject(new Error(`raw worker exited ${c}`)));
    });
  }
  const conns = [0, 1].map(() => new Redis(url, { maxRetriesPerRequest: null }).on('error', () => undefined));
  const queue = new Queue(name, { connection: conns[0]!, prefix: 'raw' });
  const events = new QueueEvents(name, { connection: conns[1]!, prefix: 'raw' });
  await events.waitUntilReady();
  events.setMaxListeners(0);
  let seq = 0;
  return {
    async runBulk(n) {
      const batch = ++seq;
      let left = n;
      const all = new Promise<void>((resolve) => {
        const on = ({ jobId }: { jobId: string }): void => {
          if (jobId.startsWith(`b${batch}.`) && --left === 0) {
            events.off('completed', on);
            resolve();
          }
        };
        events.on('completed', on);
      });
      await queue.addBulk(
        Array.from({ length: n }, (_, i) => ({
          name: 'x',
          data: { x: i },
          opts: { jobId: `b${batch}.${i}`, removeOnComplete: { age: 60 } },
        })),
      );
      await all;
    },
    async one(x) {
      const job = await queue.add('x', { x }, { jobId: `o${++seq}`, removeOnComplete: { age: 60 } });
      return (await job.waitUntilFinished(events)) as number;
    },
    async close() {
      await events.close();
      await queue.close();
      for (const c of conns) c.disconnect();
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(
        children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
      );
    },
  };
}
