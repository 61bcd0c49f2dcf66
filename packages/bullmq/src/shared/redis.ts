import { Redis } from 'ioredis';
import { WeftError } from '@weft/core';

/** The Redis URL used when none is given: `WEFT_REDIS_URL`, else a local server on the default port. */
export function defaultRedisUrl(): string {
  return process.env['WEFT_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** Checks a Redis URL early: OPTION_INVALID for anything but redis:// or rediss://. */
export function checkRedisUrl(url: unknown, option = 'redis'): string {
  if (typeof url !== 'string') {
    throw new WeftError('OPTION_INVALID', `${option} must be a redis:// URL, got ${JSON.stringify(url)}`);
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new WeftError('OPTION_INVALID', `${option} must be a redis:// URL, got "${url}"`, {
      data: { option, value: url },
    });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new WeftError('OPTION_INVALID', `${option} must be a redis:// URL, got "${url}"`, {
      data: { option, value: url },
    });
  }
  return url;
}

/** A URL with its password hidden, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * A connection that never fails a command while Redis is away: commands wait for the reconnect
 * (the callers keep their own deadline, `redisDownMs`), and reconnects back off up to one second.
 */
export function connect(url: string, name: string, extra: { autoPipelining?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableAutoPipelining: extra.autoPipelining === true,
    retryStrategy: (times) => Math.min(50 * times, 1000),
    lazyConnect: false,
  });
  // Errors surface through commands and `status`; an unhandled 'error' event would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/** Waits until the connection is ready; ORCHESTRATOR_UNAVAILABLE after `timeoutMs`. */
export function whenReady(redis: Redis, url: string, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let last: Error | undefined;
    const onError = (e: Error): void => {
      last = e;
    };
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    const onReady = (): void => {
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(unavailable(url, `no answer within ${timeoutMs} ms${last ? ` (${last.message})` : ''}`));
    }, timeoutMs);
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}

/** The coded error for a Redis that cannot be reached. */
export function unavailable(url: string, detail: string): WeftError {
  return new WeftError('ORCHESTRATOR_UNAVAILABLE', `cannot reach Redis at ${safeUrl(url)}: ${detail}`, {
    retryable: true,
    data: { url: safeUrl(url) },
  });
}
