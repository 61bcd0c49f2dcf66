// The `bullmq` orchestration mode on this machine: a redis-server and `weft worker` processes
// started by each suite (stopped by pid in teardown), raw BullMQ (one job per item) measured beside.
import { Redis } from 'ioredis';
import type { RunEvent } from '@weft/core';
import type { Suite } from '../suite.js';
import { cancellable, cpuMap, slow, trivialChain, trivialMap, trivialStep } from './bullmq-fixtures.js';
import { bullmqBench, rawBullmq, type BullmqBench } from './bullmq-shared.js';

/** A probe the fixtures call through host services when their step began. */
function beganProbe() {
  let waiting: ((pid: number) => void) | undefined;
  return {
    services: { bench: { began: (pid: number) => waiting?.(pid) } },
    next: (): Promise<number> => new Promise((r) => (waiting = r)),
  };
}

/** Dispatch of one trivial step: a one-step run on `bullmq` vs raw BullMQ add + waitUntilFinished. */
export const bullmqDispatchSuite: Suite = {
  name: 'bullmq-dispatch',
  description:
    'one trivial step through Redis and a weft worker (a whole one-step run) vs raw BullMQ add + wait',
  async setup({ smoke }) {
    const env = await bullmqBench(2);
    const raw = await rawBullmq(env.redis.url);
    const engine = env.engine();
    for (let i = 0; i < 20; i++) await engine.execute(trivialStep, i);
    for (let i = 0; i < 5; i++) await engine.execute(trivialChain, 0);
    for (let i = 0; i < 20; i++) await raw.one(i);
    return {
      unit: 'step',
      baseline: 'raw bullmq add+wait',
      latency: true,
      iterations: smoke ? 5 : 200,
      params: { workers: 2, threads: 1 },
      cases: [
        {
          name: 'raw bullmq add+wait',
          description: 'queue.add then job.waitUntilFinished(queueEvents), worker in another process',
          units: 1,
          async run() {
            const t = performance.now();
            if ((await raw.one(1)) !== 2) throw new Error('raw: wrong result');
            return { durationMs: performance.now() - t };
          },
        },
        {
          name: 'weft bullmq step',
          description: 'engine.execute of a one-step pipeline (run start to finish) on bullmq',
          units: 1,
          async run() {
            const t = performance.now();
            const r = await engine.execute(trivialStep, 1);
            if (r.output !== 2) throw new Error(`weft: ${r.status} ${r.error?.message}`);
            return { durationMs: performance.now() - t };
          },
        },
        {
          name: 'weft bullmq step in a run',
          description: 'a ten-step chain on bullmq, per step (the run itself and its first read amortized)',
          units: 10,
          async run() {
            const t = performance.now();
            const r = await engine.execute(trivialChain, 0);
            if (r.output !== 10) throw new Error(`weft: ${r.status} ${r.error?.message}`);
            return { durationMs: performance.now() - t };
          },
        },
      ],
      targets: [
        {
          case: 'weft bullmq step',
          metric: 'usPerUnit',
          max: 2000,
          label: 'issue 14: dispatch of one trivial step p50 ≤ 2 ms',
        },
      ],
      async teardown() {
        await raw.close();
        await env.close();
      },
    };
  },
};

/** A 100,000-item trivial map end to end vs raw BullMQ, one job per item. */
export const bullmqMapSuite: Suite = {
  name: 'bullmq-map',
  description:
    'a 100,000-item trivial map on bullmq (chunks of 1024, events drained) vs raw BullMQ one job per item',
  async setup({ smoke }) {
    const env = await bullmqBench(2);
    const raw = await rawBullmq(env.redis.url);
    const engine = env.engine();
    const n = smoke ? 2000 : 100_000;
    const rawN = smoke ? 200 : 2000;
    const items = Array.from({ length: n }, (_, i) => i);
    return {
      unit: 'item',
      baseline: 'raw bullmq job per item',
      iterations: smoke ? 1 : 5,
      params: { items: n, rawJobs: rawN, workers: 2, threads: 1 },
      cases: [
        {
          name: 'raw bullmq job per item',
          description: 'addBulk of one job per item, wait for every completed event',
          units: rawN,
          run: () => raw.runBulk(rawN),
        },
        {
          name: 'weft bullmq map',
          description: 'engine.start of the map, every event drained, output checked',
          units: n,
          async run() {
            const h = engine.start(trivialMap, items);
            for await (const _e of h.events()) void _e;
            const r = await h.result;
            const out = r.output as number[] | undefined;
            if (r.status !== 'succeeded' || out?.length !== n || out[n - 1] !== n)
              throw new Error(`weft: ${r.status} ${r.error?.message}`);
          },
        },
      ],
      targets: [
        {
          case: 'weft bullmq map',
          metric: 'unitsPerSecond',
          min: 100_000,
          label: 'issue 14: ≥ 100k items/s end to end',
        },
        {
          case: 'weft bullmq map',
          metric: 'speedup',
          min: 50,
          label: 'issue 14: ≥ 50× raw BullMQ one job per item',
        },
      ],
      async teardown() {
        await raw.close();
        await env.close();
      },
    };
  },
};

/** A 6 ms-item CPU map on two worker processes of one thread each vs one process. */
export const bullmqCpuMapSuite: Suite = {
  name: 'bullmq-cpu-map',
  description: 'a map of 6 ms CPU items on two weft worker processes (one thread each) vs one process',
  async setup({ smoke }) {
    const one = await bullmqBench(1, 1, 'one');
    let two: BullmqBench | undefined;
    try {
      two = await bullmqBench(2, 1, 'two');
    } catch (e) {
      await one.close();
      throw e;
    }
    const n = smoke ? 8 : 200;
    const items = Array.from({ length: n }, () => 6);
    const e1 = one.engine();
    const e2 = two.engine();
    const run = async (engine: typeof e1): Promise<void> => {
      const r = await engine.execute(cpuMap, items);
      if (r.status !== 'succeeded') throw new Error(`${r.status} ${r.error?.message}`);
    };
    return {
      unit: 'item',
      baseline: 'one worker process',
      iterations: smoke ? 1 : 5,
      params: { items: n, itemMs: 6, chunk: 4 },
      cases: [
        { name: 'one worker process', units: n, run: () => run(e1) },
        { name: 'two worker processes', units: n, run: () => run(e2) },
      ],
      targets: [
        {
          case: 'two worker processes',
          metric: 'speedup',
          min: 1.8,
          label: 'issue 14: two processes ≥ 1.8× one',
        },
      ],
      async teardown() {
        await one.close();
        await two?.close();
      },
    };
  },
};

/** Stall recovery: a worker SIGKILLed in the middle of a step; time until the run has its result. */
export const bullmqStallSuite: Suite = {
  name: 'bullmq-stall',
  description:
    'a worker process SIGKILLed during a step (lock 1 s, stalled check 1 s): kill → result from the other worker',
  async setup({ smoke }) {
    const env = await bullmqBench(2);
    const probe = beganProbe();
    const engine = env.engine({ services: probe.services });
    return {
      unit: 'recovery',
      baseline: 'kill to result',
      latency: true,
      iterations: smoke ? 1 : 5,
      params: { ...{ lockDurationMs: 1000, stalledIntervalMs: 1000 }, stepMs: 200 },
      cases: [
        {
          name: 'kill to result',
          units: 1,
          async run() {
            const began = probe.next();
            const h = engine.start(slow, 200);
            const pid = await began;
            const victim = env.workers.findIndex((w) => w.pid === pid);
            if (victim < 0) throw new Error(`stall: no worker has pid ${pid}`);
            const t = performance.now();
            await env.workers[victim]!.kill();
            const r = await h.result;
            const ms = performance.now() - t;
            env.workers[victim] = await env.spawn();
            if (r.status !== 'succeeded' || r.output === pid)
              throw new Error(`stall: ${r.status} ${r.error?.message}`);
            return { durationMs: ms, metrics: { superseded: r.metrics.workerRestarts } };
          },
        },
      ],
      targets: [
        {
          case: 'kill to result',
          metric: 'usPerUnit',
          max: 3_000_000,
          label: 'issue 14: stall recovery ≤ 3 s (test lock settings)',
        },
      ],
      teardown: () => env.close(),
    };
  },
};

/** Remote cancel: a CPU loop on a worker process, cancelled from the coordinator. */
export const bullmqCancelSuite: Suite = {
  name: 'bullmq-cancel',
  description:
    'cancel a remote CPU loop: handle.cancel() → the run settles (pub/sub → the SAB flag → the loop returns → result)',
  async setup({ smoke }) {
    const env = await bullmqBench(2);
    const probe = beganProbe();
    const engine = env.engine({ services: probe.services });
    return {
      unit: 'cancel',
      baseline: 'remote cancel',
      latency: true,
      iterations: smoke ? 3 : 40,
      params: { workers: 2 },
      cases: [
        {
          name: 'remote cancel',
          units: 1,
          async run() {
            const began = probe.next();
            const h = engine.start(cancellable, null);
            const events: RunEvent[] = [];
            const drained = (async () => {
              for await (const e of h.events()) events.push(e);
            })();
            await began;
            const t = performance.now();
            h.cancel('bench');
            const r = await h.result;
            const ms = performance.now() - t;
            await drained;
            if (r.status !== 'cancelled') throw new Error(`cancel: ${r.status}`);
            return { durationMs: ms };
          },
        },
      ],
      targets: [
        {
          case: 'remote cancel',
          metric: 'usPerUnit',
          max: 10_000,
          label: 'issue 14: remote cancel visible ≤ 10 ms p50',
        },
      ],
      teardown: () => env.close(),
    };
  },
};

/** Redis memory per finished task after the runs' clean-up. */
export const bullmqMemorySuite: Suite = {
  name: 'bullmq-memory',
  description: 'Redis used_memory per finished task once its run ended (jobs removed, run streams deleted)',
  async setup({ smoke }) {
    const env = await bullmqBench(2);
    const engine = env.engine();
    const redis = new Redis(env.redis.url).on('error', () => undefined);
    const used = async (): Promise<number> =>
      Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const tasks = smoke ? 50 : 2000;
    for (let i = 0; i < 10; i++) await engine.execute(trivialStep, i);
    return {
      unit: 'task',
      baseline: 'finished tasks',
      iterations: smoke ? 1 : 3,
      params: { tasks },
      cases: [
        {
          name: 'finished tasks',
          units: tasks,
          async run() {
            const before = await used();
            // One task a run: a one-step run each.
            const runs = await Promise.all(
              Array.from({ length: tasks }, (_, i) => engine.execute(trivialStep, i)),
            );
            if (runs.some((r) => r.status !== 'succeeded')) throw new Error('memory: a run failed');
            await new Promise((r) => setTimeout(r, 200));
            const after = await used();
            return { metrics: { 'bytes per task': Math.max(0, after - before) / tasks } };
          },
        },
      ],
      targets: [
        {
          case: 'finished tasks',
          metric: 'extra',
          extra: 'bytes per task',
          max: 2048,
          label: 'issue 14: ≤ 2 KB of Redis per finished task after clean-up',
        },
      ],
      async teardown() {
        redis.disconnect();
        await env.close();
      },
    };
  },
};
