// The `bullmq` orchestrator end to end: a coordinator (the engine here) and two worker processes on
// one Redis. What runs where, results, map items, tokens, host services, and the coded errors of a
// Redis that cannot be reached and of bad options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { WeftError, type RunEvent } from '@weft/core';
import { loadPlugins } from '@weft/core/plugin';
import {
  BullmqOrchestrator,
  Keys,
  listWorkers,
  resolveBullmqOptions,
  resolveWorkerOptions,
} from '../src/index.js';
import { chain, hosted, mapped, streamed } from './fixtures/steps.mjs';
import { bullmqEngine, isolatedPrefix, redisUrl, startWorkers } from './support/harness.js';
import type { SpawnedWorker } from '../dist/testing/index.js';

describe.skipIf(!redisUrl)('bullmq orchestrator with two worker processes', () => {
  const prefix = isolatedPrefix('orch');
  let workers: SpawnedWorker[] = [];
  beforeAll(async () => {
    workers = await startWorkers(2, { prefix });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  it('registers the workers with a heartbeat: id, host, threads, slots, version', async () => {
    const redis = new Redis(redisUrl!);
    try {
      const list = await listWorkers(redis, new Keys(prefix));
      expect(list.map((w) => w.id).sort()).toEqual(workers.map((w) => w.id).sort());
      for (const w of list)
        expect(w).toMatchObject({ threads: 1, slots: 4, queues: ['cpu', 'io'], version: '0.1.0' });
      // What GET /v1/workers of weft serve answers: the plugin's worker source, without the SDK in serve.
      const loaded = await loadPlugins(
        [{ module: '@weft/bullmq', options: { redis: redisUrl, prefix } }],
        () => import('../src/plugin.js'),
      );
      try {
        const source = loaded.workerSources.find((s) => s.orchestrator === 'bullmq');
        expect((await source!.list()).map((w) => w.id).sort()).toEqual(workers.map((w) => w.id).sort());
      } finally {
        await loaded.close();
      }
    } finally {
      redis.disconnect();
    }
  });

  it('runs a chain, a 10,000-item map, a host-service call and a token stream', async () => {
    const engine = bullmqEngine(prefix, { services: { probe: { echo: (x: string) => `echo:${x}` } } });
    try {
      expect((await engine.execute(chain, 2)).output).toBe(9);
      const m = await engine.execute(mapped, 10_000);
      expect(m.status).toBe('succeeded');
      expect(m.output).toBe(Array.from({ length: 10_000 }, (_, i) => i * i).reduce((a, b) => a + b, 0));
      expect((await engine.execute(hosted, 'hi')).output).toBe('echo:hi');
      const handle = engine.start(streamed, 'a b c d e');
      const events: RunEvent[] = [];
      for await (const e of handle.events()) events.push(e);
      const tokens = events.flatMap((e) => (e.type === 'token' ? e.tokens : []));
      expect(tokens).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect((await handle.result).status).toBe('succeeded');
    } finally {
      await engine.close();
    }
  });

  it('leaves no keys of a finished run but its end marker', async () => {
    const engine = bullmqEngine(prefix);
    const redis = new Redis(redisUrl!);
    try {
      const r = await engine.execute(mapped, 3000, { runId: `clean-${prefix}` });
      expect(r.status).toBe('succeeded');
      const keys = await redis.keys(`${prefix}:{clean-${prefix}}*`);
      expect(keys).toEqual([`${prefix}:{clean-${prefix}}:x`]);
      expect(await redis.hgetall(keys[0]!)).toMatchObject({ '!': '1' });
    } finally {
      redis.disconnect();
      await engine.close();
    }
  });
});

describe('bullmq options and an unreachable Redis', () => {
  it('rejects bad options with OPTION_INVALID naming the option', () => {
    expect(() => resolveBullmqOptions({ redis: 'http://x' })).toThrow(/redis must be a redis:\/\/ URL/);
    expect(() => resolveBullmqOptions({ chunkSize: 0 })).toThrow(/chunkSize must be an integer/);
    expect(() => resolveBullmqOptions({ nope: 1 })).toThrow(/unknown bullmq option\(s\) "nope"/);
    expect(() => resolveWorkerOptions({ maxStalledCount: 1 })).toThrow(
      /maxStalledCount must be an integer ≥ 2/,
    );
    expect(() => resolveWorkerOptions({ queues: ['gpu'] })).toThrow(/queues must list cpu and\/or io/);
  });

  it('fails a run with ORCHESTRATOR_UNAVAILABLE when Redis cannot be reached at start', async () => {
    const o = new BullmqOrchestrator({ redis: 'redis://127.0.0.1:1', connectTimeoutMs: 300 });
    try {
      const e = await o.ready().then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(WeftError);
      expect((e as WeftError).code).toBe('ORCHESTRATOR_UNAVAILABLE');
      expect((e as WeftError).message).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    } finally {
      await o.close();
    }
  });
});
