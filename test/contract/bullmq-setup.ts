// Global setup of the cross-package suites: one redis-server for the whole run, so that the contract
// suite runs on the `bullmq` orchestration mode too (each test file starts its pair of `weft worker`
// processes: see matrix.ts). Stopped by pid at the end. Without redis-server the `bullmq` rows
// are left out with a message; under CI=true a missing server is a failure.
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { findRedisServer, startRedisServer, type RedisServer } from '@weft/bullmq/testing';

declare module 'vitest' {
  export interface ProvidedContext {
    bullmq: {
      readonly redis: string;
      readonly prefix: string;
      readonly root: string;
      readonly cli: string;
    } | null;
  }
}

/** The code root of coordinators and workers: this directory (fixtures are dist/fixtures/*.js). */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
/** Lock settings of the tests (a lost worker is noticed within ~3 s) and the contract grace. */
export const CONTRACT_WORKER = { lockDurationMs: 1000, stalledIntervalMs: 1000, cancelGraceMs: 250 } as const;

let server: RedisServer | undefined;

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
  project.provide('bullmq', { redis: server.url, prefix: 'contract', root: ROOT, cli: CLI });
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
