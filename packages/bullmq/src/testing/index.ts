// @weft/bullmq/testing: what tests of the `bullmq` mode need (a Redis server started and stopped by
// pid on 127.0.0.1, worker processes), for this repository's suites and for users' own.
export { startRedisServer, findRedisServer, freePort, type RedisServer } from './redis-server.js';
export { spawnWorker, type SpawnedWorker, type SpawnWorkerOptions } from './spawn-worker.js';
