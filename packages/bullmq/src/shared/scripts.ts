import type { Redis } from 'ioredis';

// KEYS[1] flags hash, KEYS[2] io stream; ARGV[1] task key, ARGV[2] the `started` message, ARGV[3]
// the TTL (s) of a stream this creates (its coordinator refreshes it while the run lasts).
// Returns nil when the task may start (the message is appended), else the cancel reason (JSON).
const START = `
local r = redis.call('HGET', KEYS[1], ARGV[1])
if r then return r end
r = redis.call('HGET', KEYS[1], '*')
if r then return r end
if redis.call('HEXISTS', KEYS[1], '!') == 1 then return '{"code":"STEP_CANCELLED","message":"the run ended","name":"WeftError"}' end
local fresh = redis.call('EXISTS', KEYS[2]) == 0
redis.call('XADD', KEYS[2], '*', 'm', ARGV[2])
if fresh then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3])) end
return false
`;

// KEYS[1] flags hash, KEYS[2] io stream; ARGV[1] message, ARGV[2] the TTL (s) of a stream this
// creates. The last word on a task that never started (refused: other code, another wire version;
// or cancelled before it started): appended even when no start created the stream yet, unless the
// run ended (nobody waits for it then, and the stream must not come back).
const FINAL = `
if redis.call('HEXISTS', KEYS[1], '!') == 1 then return 0 end
local fresh = redis.call('EXISTS', KEYS[2]) == 0
redis.call('XADD', KEYS[2], '*', 'm', ARGV[1])
if fresh then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2])) end
return 1
`;

// KEYS[1] flags hash, KEYS[2] io stream; ARGV[1] message. Appends to the stream the task's start
// created, unless it is gone (the run ended and was cleaned up: a late message must not bring the
// stream back).
const EMIT = `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'm', ARGV[1])
return 1
`;

// KEYS[1] flags hash, KEYS[2] io stream; ARGV[1] coordinator id. A coordinator begins a session of
// the run: earlier flags (cancel, end) no longer apply, and it owns the clean-up.
const CLAIM = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '@', ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

// KEYS[1] flags hash, KEYS[2] io stream; ARGV[1] coordinator id. Ends the run's session, unless
// another coordinator took the run over since (a resume elsewhere): its stream is not ours to drop.
const RELEASE = `
if redis.call('HGET', KEYS[1], '@') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], '!', '1')
redis.call('EXPIRE', KEYS[1], 600)
redis.call('DEL', KEYS[2])
return 1
`;

/** The Lua commands of workers and coordinators, defined on a connection. */
export interface WeftScripts {
  weftStart(flags: string, io: string, key: string, started: Buffer, ttlS: number): Promise<string | null>;
  weftFinal(flags: string, io: string, message: Buffer, ttlS: number): Promise<number>;
  weftEmit(flags: string, io: string, message: Buffer): Promise<number>;
  weftClaim(flags: string, io: string, coordinator: string, ttlS: number): Promise<number>;
  weftRelease(flags: string, io: string, coordinator: string): Promise<number>;
}

/** TTL of a run's stream created by a worker (the coordinator refreshes or deletes it), s. */
export const STREAM_TTL_S = 86_400;

/** Defines the worker scripts on `redis` (EVALSHA, loaded on first use). */
export function withScripts(redis: Redis): Redis & WeftScripts {
  redis.defineCommand('weftStart', { numberOfKeys: 2, lua: START });
  redis.defineCommand('weftFinal', { numberOfKeys: 2, lua: FINAL });
  redis.defineCommand('weftEmit', { numberOfKeys: 2, lua: EMIT });
  redis.defineCommand('weftClaim', { numberOfKeys: 2, lua: CLAIM });
  redis.defineCommand('weftRelease', { numberOfKeys: 2, lua: RELEASE });
  return redis as Redis & WeftScripts;
}
