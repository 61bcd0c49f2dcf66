import type { WeftPlugin } from '@weft/core/plugin';
import { bullmqEntry } from './entry.js';
import { WeftError } from '@weft/core';
import { Keys } from './shared/keys.js';
import { checkRedisUrl, connect, defaultRedisUrl, safeUrl, whenReady } from './shared/redis.js';
import { listWorkers } from './shared/worker-registry.js';
import { workerCommand } from './worker/worker-command.js';

/**
 * The @weft/bullmq plugin: registers the `bullmq` orchestration mode, maps its errors to HTTP
 * answers (Redis unreachable: 503; another code on a worker: 500), checks that Redis answers
 * (`/ready`), adds `weft worker` and the `--redis <url>` option of `weft run` and `weft resume`.
 * Options (`plugins: [{ module: "@weft/bullmq", options: { redis } }]`): `redis`, the URL the
 * readiness check and the worker list ping (default `WEFT_REDIS_URL`, else redis://127.0.0.1:6379),
 * and `prefix`, the key prefix whose workers `GET /v1/workers` lists (default `weft`).
 * @example const loaded = await loadPlugins(['@weft/bullmq']);
 */
export const plugin: WeftPlugin = {
  name: '@weft/bullmq',
  register(r, options) {
    const url = checkRedisUrl(options['redis'] ?? defaultRedisUrl(), 'plugin option redis');
    r.orchestrator(bullmqEntry);
    r.httpErrorMapper({ codes: ['ORCHESTRATOR_UNAVAILABLE'], status: 503, retryAfterSeconds: 5 });
    r.httpErrorMapper({ codes: ['WORKER_LOST', 'CODE_MISMATCH'], status: 500 });
    r.readinessCheck('redis', async () => {
      const redis = connect(url, 'weft-readiness');
      try {
        await whenReady(redis, url, 1000);
        await redis.ping();
        return { ok: true };
      } catch (e) {
        return { ok: false, reason: `Redis at ${safeUrl(url)}: ${(e as Error).message}` };
      } finally {
        redis.disconnect();
      }
    });
    const prefix = typeof options['prefix'] === 'string' ? options['prefix'] : 'weft';
    r.workerSource?.({
      orchestrator: 'bullmq',
      list: async () => {
        const redis = connect(url, 'weft-workers');
        try {
          await whenReady(redis, url, 1000);
          return await listWorkers(redis, new Keys(prefix));
        } catch (e) {
          if (e instanceof WeftError) throw e;
          throw new WeftError(
            'ORCHESTRATOR_UNAVAILABLE',
            `cannot list the bullmq workers at ${safeUrl(url)}: ${(e as Error).message}`,
          );
        } finally {
          redis.disconnect();
        }
      },
    });
    r.cliCommand(workerCommand);
    r.runOption?.({
      orchestrator: 'bullmq',
      key: 'redis',
      flags: '--redis <url>',
      description:
        'Redis URL of the bullmq orchestration mode (default: WEFT_REDIS_URL, else redis://127.0.0.1:6379)',
      parse: (v) => checkRedisUrl(v, '--redis'),
    });
  },
};
