// Starts one redis-server (127.0.0.1, a free port, no persistence) for every test file, and stops it
// by its pid at the end. Without redis-server the tests skip with a message, except under CI=true,
// where a missing server is a failure.
import type { TestProject } from 'vitest/node';
import { findRedisServer, startRedisServer, type RedisServer } from '../../dist/testing/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null;
  }
}

let server: RedisServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (!findRedisServer()) {
    if (process.env['CI'] === 'true')
      throw new Error('redis-server is missing under CI=true: install it (apt-get install -y redis-server)');
    console.warn(
      '[@weft/bullmq] redis-server is not installed: the Redis tests are skipped (apt-get install -y redis-server)',
    );
    project.provide('redisUrl', null);
    return;
  }
  server = await startRedisServer();
  project.provide('redisUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
