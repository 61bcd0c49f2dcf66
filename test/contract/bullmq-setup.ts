// Global setup of the cross-package suites: one redis-server and one pair of `weft worker` processes
// (the real CLI command, one thread each) for the whole run, so that the contract suite runs on the
// `bullmq` orchestration mode too. Stopped by pid at the end. Without redis-server the `bullmq` rows
// are left out with a message; under CI=true a missing server is a failure.
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import {
  findRedisServer,
  spawnWorker,
  startRedisServer,
  type RedisServer,
  type SpawnedWorker,
} from '@weft/bullmq/testing';

declare module 'vitest' {
  export interface ProvidedContext {
    bullmq: { readonly redis: string; readonly prefix: string; readonly root: string } | null;
  }
}

/** The code root of coordinators and workers: this directory (fixtures are dist/fixtures/*.js). */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
/** Lock settings of the tests (a lost worker is noticed within ~3 s) and the contract grace. */
export const CONTRACT_WORKER = { lockDurationMs: 1000, stalledIntervalMs: 1000, cancelGraceMs: 250 } as const;

let server: RedisServer | undefined;
let workers: SpawnedWorker[] = [];

export async function setup(project: TestProject): Promise<void> {
  if (!findRedisServer()) {
    if (process.env['CI'] === 'true')
      throw new Error('redis-server is missing under CI=true: install it (apt-get install -y redis-server)');
    console.warn(
      '[contract] redis-server is not installed: the bullmq rows are skipped (apt-get install -y redis-server)',
    );
    project.provide('bullmq', null);
    return;
  }
  server = await startRedisServer();
  const prefix = 'contract';
  workers = await Promise.all(
    [1, 2].map((n) =>
      spawnWorker({
        cli: CLI,
        cwd: ROOT,
        options: {
          redis: server!.url,
          prefix,
          root: ROOT,
          threads: 2,
          name: `contract-${n}`,
          ...CONTRACT_WORKER,
        },
      }),
    ),
  );
  project.provide('bullmq', { redis: server.url, prefix, root: ROOT });
}

export async function teardown(): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
  await server?.stop();
}
