// Faults with real processes: worker processes killed with SIGKILL at random points of map runs
// (100 with WEFT_FAULTS_FULL=1, 12 by default), Redis restarted in the middle of a run, a stalled
// (frozen) worker whose late result is fenced off, a remote CPU loop cancelled, a remote
// generator's tokens through a sub-pipeline, and a worker that holds other code refusing the task.
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, createRegistry, type RunEvent } from '@weft/core';
import { bullmqEntry } from '../src/index.js';
import {
  spawnWorker,
  startRedisServer,
  type RedisServer,
  type SpawnedWorker,
} from '../dist/testing/index.js';
import { cpuLoop, cpuMap, noted, slowStep, stubborn, subTokens } from './fixtures/steps.mjs';
import { ROOT, bullmqEngine, isolatedPrefix, redisUrl, startWorkers } from './support/harness.js';

/** A small seeded generator (mulberry32): the kill points are random but reproducible from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A probe the steps report to through host services (`ctx.host.probe.note(...)`). */
function probe() {
  const notes: string[] = [];
  const waiters: { what: string; resolve: () => void }[] = [];
  return {
    notes,
    services: {
      probe: {
        note: (what: string) => {
          notes.push(what);
          for (const w of waiters.filter((x) => x.what === what)) w.resolve();
        },
      },
    },
    seen: (what: string): Promise<void> =>
      notes.includes(what) ? Promise.resolve() : new Promise((resolve) => waiters.push({ what, resolve })),
  };
}

const FAST_LOCKS = { lockDurationMs: 500, stalledIntervalMs: 500 } as const;

/**
 * The SIGKILL soak: 100 kills (up to 10 per 400-item map run) with WEFT_FAULTS_FULL=1 (`pnpm
 * --filter @weft/bullmq faults:full`); by default 12 (up to 4 per run), the same code paths at a
 * size CI can afford. Every kill lands while a run is going on. The seed (WEFT_KILL_SEED, else the
 * clock) is printed.
 */
const SOAK =
  process.env['WEFT_FAULTS_FULL'] === '1'
    ? { kills: 100, maxKillsPerRun: 10 }
    : { kills: 12, maxKillsPerRun: 4 };

describe.skipIf(!redisUrl)('faults with real worker processes', () => {
  it(`SIGKILL of worker processes at ${SOAK.kills} random points of map runs: identical output, no item lost or doubled`, async () => {
    const prefix = isolatedPrefix('kill');
    const seed = Number(process.env['WEFT_KILL_SEED'] ?? Date.now() % 100_000);
    const random = prng(seed);
    const spawn = () => startWorkers(1, { prefix, ...FAST_LOCKS }).then((w) => w[0]!);
    // Two worker slots; a killed worker is replaced in the background while the run goes on, so
    // every kill lands in the middle of a run (the run waits when both slots are being replaced).
    const slots: { worker: SpawnedWorker | undefined; replaced: Promise<void> }[] = await Promise.all(
      [0, 1].map(async () => ({ worker: await spawn(), replaced: Promise.resolve() })),
    );
    const engine = bullmqEngine(prefix, {}, FAST_LOCKS);
    const items = Array.from({ length: 400 }, (_, i) => i);
    const expected = JSON.stringify(items.map((x) => ({ x, sq: x * x })));
    console.log(
      `[faults] SIGKILL soak: ${SOAK.kills} kills, seed ${seed} (WEFT_KILL_SEED=${seed} repeats it)`,
    );
    let kills = 0;
    let lost = 0;
    let retries = 0;
    try {
      for (let run = 0; kills < SOAK.kills; run++) {
        const handle = engine.start(cpuMap, items);
        const events: RunEvent[] = [];
        const collected = (async () => {
          for await (const e of handle.events()) events.push(e);
        })();
        let finished = false;
        void handle.result.then(() => (finished = true));
        let killsThisRun = 0;
        while (!finished && kills < SOAK.kills && killsThisRun < SOAK.maxKillsPerRun) {
          await new Promise((r) => setTimeout(r, 20 + random() * 150));
          const i = Math.floor(random() * slots.length);
          const slot = slots[i]!;
          const victim = slot.worker;
          if (finished || !victim) continue;
          slot.worker = undefined;
          await victim.kill();
          kills++;
          killsThisRun++;
          slot.replaced = spawn().then((w) => {
            slot.worker = w;
          });
        }
        const result = await handle.result;
        await collected;
        expect(result.status, `run ${run} (seed ${seed}): ${JSON.stringify(result.error)}`).toBe('succeeded');
        expect(JSON.stringify(result.output), `run ${run} (seed ${seed})`).toBe(expected);
        const perIndex = new Map<number, number>();
        for (const e of events)
          if (e.type === 'map.item') perIndex.set(e.index, (perIndex.get(e.index) ?? 0) + 1);
        expect(perIndex.size).toBe(items.length);
        expect([...perIndex.values()].every((n) => n === 1)).toBe(true);
        lost += result.metrics.workerRestarts;
        const retried = events.filter((e) => e.type === 'step.retry').length;
        retries += retried;
        console.log(
          `[faults] run ${run}: ${killsThisRun} kills in the run, ${kills} so far, ${result.metrics.workerRestarts} superseded, ${retried} retried (WORKER_LOST), ${Math.round(result.durationMs)} ms`,
        );
      }
      expect(kills).toBe(SOAK.kills);
      console.log(
        `[faults] ${kills} SIGKILLs, each in the middle of a run (seed ${seed}); executions superseded after a lost worker: ${lost}; retries after a job stalled too often: ${retries}`,
      );
    } finally {
      await engine.close();
      await Promise.all(slots.map((s) => s.replaced));
      await Promise.all(slots.flatMap((s) => (s.worker ? [s.worker.kill()] : [])));
    }
  }, 1_800_000);

  it('a frozen worker stalls its job: another worker runs it again, and the late result is fenced off', async () => {
    const prefix = isolatedPrefix('stall');
    const [a] = await startWorkers(1, { prefix });
    const p = probe();
    const engine = bullmqEngine(prefix, { services: p.services });
    let b: SpawnedWorker | undefined;
    try {
      const handle = engine.start(noted, { ms: 1500, value: 7 });
      const events: RunEvent[] = [];
      const collected = (async () => {
        for await (const e of handle.events()) events.push(e);
      })();
      // Freeze the only worker once it runs the step; a second worker takes the job after the lock lapses.
      await p.seen('started');
      a!.process.kill('SIGSTOP');
      const frozenAt = Date.now();
      b = (await startWorkers(1, { prefix }))[0]!;
      const result = await handle.result;
      const recoveredMs = Date.now() - frozenAt;
      a!.process.kill('SIGCONT');
      await collected;
      expect(result.status).toBe('succeeded');
      expect(result.output).toEqual({ pid: b.pid, value: 7 });
      expect(result.metrics.workerRestarts).toBe(1);
      console.log(`[faults] frozen worker: result from the other worker after ${recoveredMs} ms`);
      // The frozen worker wakes and finishes too: nothing of it reaches a later run or this one.
      const again = await engine.execute(slowStep, { ms: 10, value: 8 });
      expect(again.output).toMatchObject({ value: 8 });
    } finally {
      a!.process.kill('SIGCONT');
      await engine.close();
      await Promise.all([a!.stop(), b?.stop()]);
    }
  });

  it('cancels a remote CPU loop through its cancel flag; a stubborn one loses its thread; another run goes on', async () => {
    const prefix = isolatedPrefix('cancel');
    const workers = await startWorkers(1, { prefix, threads: 2, cancelGraceMs: 300 });
    const p = probe();
    const engine = bullmqEngine(prefix, { services: p.services });
    try {
      const other = engine.execute(slowStep, { ms: 800, value: 1 });
      const loop = engine.start(cpuLoop, null);
      await p.seen('started');
      loop.cancel('enough');
      const r = await loop.result;
      expect(r.status).toBe('cancelled');
      expect(r.error?.code).toBe('RUN_CANCELLED');
      await p.seen('stopped');
      const o = await other;
      expect(o.status).toBe('succeeded');
      expect(o.output).toMatchObject({ value: 1 });
      const q = probe();
      const engine2 = bullmqEngine(prefix, { services: q.services });
      try {
        const s = engine2.start(stubborn, null);
        await q.seen('started');
        s.cancel('stop it');
        expect((await s.result).status).toBe('cancelled');
        // The worker replaced its thread and still serves.
        const after = await engine2.execute(slowStep, { ms: 1, value: 2 });
        expect(after.output).toMatchObject({ value: 2 });
      } finally {
        await engine2.close();
      }
    } finally {
      await engine.close();
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('streams a remote generator through a sub-pipeline: every token, in order, tagged with the path', async () => {
    const prefix = isolatedPrefix('tokens');
    const workers = await startWorkers(2, { prefix });
    const engine = bullmqEngine(prefix);
    try {
      const handle = engine.start(subTokens, 20_000);
      const tokens: unknown[] = [];
      const paths = new Set<string>();
      for await (const e of handle.events()) {
        if (e.type !== 'token') continue;
        tokens.push(...e.tokens);
        paths.add(`${e.path.join('/')}:${e.step}`);
      }
      const r = await handle.result;
      expect(r.status).toBe('succeeded');
      expect(tokens).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
      expect([...paths]).toEqual(['inner:gen']);
    } finally {
      await engine.close();
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('a worker that holds other code refuses the task with CODE_MISMATCH, and it is not retried', async () => {
    const prefix = isolatedPrefix('code');
    const other = mkdtempSync(join(tmpdir(), 'weft-other-code-'));
    cpSync(join(ROOT, 'test', 'fixtures'), join(other, 'test', 'fixtures'), { recursive: true });
    const file = join(other, 'test', 'fixtures', 'steps.mjs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('x * x', 'x * x + 1'));
    const [w] = await Promise.all([
      spawnWorker({ options: { redis: redisUrl!, prefix, root: other, threads: 1 } }),
    ]);
    const engine = bullmqEngine(prefix);
    try {
      const handle = engine.start(slowStep, { ms: 1, value: 3 });
      const types: string[] = [];
      for await (const e of handle.events()) types.push(e.type);
      const r = await handle.result;
      expect(r.status).toBe('failed');
      expect(r.error?.code).toBe('CODE_MISMATCH');
      expect(r.error?.message).toMatch(/holds other code for test\/fixtures\/steps\.mjs/);
      // The step allows three attempts, but another code is not a transient failure.
      expect(types.filter((t) => t === 'step.retry')).toEqual([]);
    } finally {
      await engine.close();
      await w.stop();
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('Redis restarted in the middle of a run', () => {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    if (redisUrl) server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.skipIf(!redisUrl)(
    'the run goes on once Redis is back: lost jobs are added again, the output is complete',
    async () => {
      const prefix = 'restart';
      const spawn = () =>
        spawnWorker({ options: { redis: server!.url, prefix, root: ROOT, threads: 1, ...FAST_LOCKS } });
      const workers = await Promise.all([spawn(), spawn()]);
      const engine = createEngine({
        registry: createRegistry().register(bullmqEntry),
        orchestrator: 'bullmq',
        orchestratorOptions: { redis: server!.url, prefix, root: ROOT, ...FAST_LOCKS },
      });
      try {
        const items = Array.from({ length: 300 }, (_, i) => i);
        const handle = engine.start(cpuMap, items);
        let done = 0;
        const collected = (async () => {
          for await (const e of handle.events()) if (e.type === 'map.item') done++;
        })();
        while (done < 60) await new Promise((r) => setTimeout(r, 5));
        await server!.restart();
        const r = await handle.result;
        await collected;
        expect(r.status).toBe('succeeded');
        expect(r.output).toEqual(items.map((x) => ({ x, sq: x * x })));
      } finally {
        await engine.close();
        await Promise.all(workers.map((w) => w.kill()));
      }
    },
  );
});
