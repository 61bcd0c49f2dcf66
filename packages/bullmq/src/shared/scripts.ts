import type { Redis } from 'ioredis';

// KEYS[1] flags hash, KEYS[2] io stream; ARGV[1] task key, ARGV[2] the `started` message.
// Returns nil when the task may start (the message is appended), else the cancel reason (JSON).
const START = `
local r = redis.call('HGET', KEYS[1], ARGV[1])
if r then return r end
r = redis.call('HGET', KEYS[1], '*')
if r then return r end
if redis.call('HEXISTS', KEYS[1], '!') == 1 then return '{"code":"STEP_CANCELLED","message":"the run ended","name":"WeftError"}' end
redis.call('XADD', KEYS[2], '*', 'm', ARGV[2])
return false
`;

// KEYS[1] flags hash, KEYS[2] io stream; ARGV[1] message. Appends unless the run ended (its keys
// were cleaned up: a late message must not create the stream again).
const EMIT = `
if redis.call('HEXISTS', KEYS[1], '!') == 1 then return 0 end
redis.call('XADD', KEYS[2], '*', 'm', ARGV[1])
return 1
`;

/** The Lua commands workers use, defined on a connection. */
export interface WeftScripts {
  weftStart(flags: string, io: string, key: string, started: Buffer): Promise<string | null>;
  weftEmit(flags: string, io: string, message: Buffer): Promise<number>;
}

/** Defines the worker scripts on `redis` (EVALSHA, loaded on first use). */
export function withScripts(redis: Redis): Redis & WeftScripts {
  redis.defineCommand('weftStart', { numberOfKeys: 2, lua: START });
  redis.defineCommand('weftEmit', { numberOfKeys: 2, lua: EMIT });
  return redis as Redis & WeftScripts;
}
