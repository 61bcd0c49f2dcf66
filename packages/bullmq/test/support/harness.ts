import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { createEngine, createRegistry, type Engine, type EngineOptions } from '@weft/core';
import { bullmqEntry } from '../../src/index.js';
import { spawnWorker, type SpawnedWorker } from '../../dist/testing/index.js';
import type { WeftWorkerOptions } from '../../src/worker/options.js';

/** The Redis the global setup started (null: not installed, the suite is skipped). */
export const redisUrl = inject('redisUrl');

/** The package directory: the code root of coordinators and workers in these tests. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Lock settings of the tests: a lost worker is noticed within ~3 s. */
export const TEST_LOCKS = { lockDurationMs: 1000, stalledIntervalMs: 1000 } as const;

let seq = 0;

/** A key prefix of its own for one test file, so that files never see each other's jobs. */
export function isolatedPrefix(name: string): string {
  return `t${process.pid}${name}${++seq}`;
}

/** Starts `n` worker processes (this package's entry) on the test Redis. */
export async function startWorkers(n: number, options: WeftWorkerOptions): Promise<SpawnedWorker[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      spawnWorker({ options: { redis: redisUrl!, root: ROOT, threads: 1, ...TEST_LOCKS, ...options } }),
    ),
  );
}

/** An engine on `bullmq` against the test Redis. */
export function bullmqEngine(
  prefix: string,
  options: Omit<EngineOptions, 'orchestrator' | 'registry'> = {},
  extra: Record<string, unknown> = {},
): Engine {
  return createEngine({
    ...options,
    registry: createRegistry().register(bullmqEntry),
    orchestrator: 'bullmq',
    orchestratorOptions: { redis: redisUrl!, prefix, root: ROOT, ...TEST_LOCKS, ...extra },
  });
}
