import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { WorkersOrchestrator } from '@weft/actors';
import { deserializeError, serializeError, type HostServices } from '@weft/core';
import { CodeIdentity } from '../shared/code-identity.js';
import { Keys } from '../shared/keys.js';
import { connect, whenReady } from '../shared/redis.js';
import { withScripts, type WeftScripts } from '../shared/scripts.js';
import { VERSION } from '../shared/version.js';
import { pack, unpack, type CtlMessage, type JobData } from '../shared/wire.js';
import { beat, unregister, type WorkerInfo } from '../shared/worker-registry.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WeftWorkerOptions } from './options.js';
import { runJob, type ActiveTask } from './remote-task.js';

/**
 * A `weft worker` process: takes tasks from the queues, runs them on its own `workers` pool of
 * threads, and answers on each run's stream. It registers itself with a heartbeat, listens for
 * cancellations, and forwards the steps' host-service calls to the coordinator of their run.
 * @example
 * const worker = await WorkerHost.start({ redis: 'redis://127.0.0.1:6390', threads: 2 });
 * // ...
 * await worker.close();
 */
export class WorkerHost {
  readonly id: string;
  readonly options: ResolvedWorkerOptions;
  readonly keys: Keys;
  readonly code: CodeIdentity;
  readonly redis: Redis & WeftScripts;
  readonly pool: WorkersOrchestrator;
  readonly info: WorkerInfo;
  /** Jobs running here by `run\nkey`. */
  readonly active = new Map<string, ActiveTask>();
  readonly counters = { tasks: 0, refused: 0, hostCalls: 0 };
  readonly #sub: Redis;
  readonly #bq: Redis;
  readonly #workers: Worker[] = [];
  readonly #calls = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  #callSeq = 0;
  #taskSeq = 0;
  #beat: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: ResolvedWorkerOptions) {
    this.options = options;
    this.id = `${(options.name ?? hostname()).replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.keys = new Keys(options.prefix);
    this.code = new CodeIdentity(options.root);
    this.redis = withScripts(connect(options.redis, `weft-worker-${this.id}`, { autoPipelining: true }));
    this.#sub = connect(options.redis, `weft-worker-sub-${this.id}`);
    this.#bq = connect(options.redis, `weft-worker-bq-${this.id}`);
    this.pool = new WorkersOrchestrator(
      {
        ...options.pool,
        threads: options.threads,
        ioSlots: options.ioSlots,
        cancelGraceMs: options.cancelGraceMs,
        // Every job taken runs at once: a step waiting on I/O (a host call) must not hold back
        // the jobs queued behind it on its thread.
        tasksPerThread: Math.ceil(options.concurrency / options.threads),
        servicesPerRun: true,
      },
      this.#services(),
    );
    this.info = {
      id: this.id,
      name: options.name ?? hostname(),
      host: hostname(),
      pid: process.pid,
      threads: options.threads,
      ioSlots: options.ioSlots,
      slots: options.concurrency,
      queues: options.queues,
      version: VERSION,
      startedAt: new Date().toISOString(),
    };
  }

  /**
   * Connects, registers and starts taking tasks. Redis unreachable: ORCHESTRATOR_UNAVAILABLE
   * after `connectTimeoutMs`, with everything opened closed again.
   */
  static async start(raw: WeftWorkerOptions = {}): Promise<WorkerHost> {
    const w = new WorkerHost(resolveWorkerOptions(raw));
    try {
      await w.#start();
    } catch (e) {
      await w.close(0);
      throw e;
    }
    return w;
  }

  async #start(): Promise<void> {
    const o = this.options;
    await Promise.all([
      whenReady(this.redis, o.redis, o.connectTimeoutMs),
      whenReady(this.#sub, o.redis, o.connectTimeoutMs),
      whenReady(this.#bq, o.redis, o.connectTimeoutMs),
    ]);
    this.#sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#onCtl(message));
    await this.#sub.subscribe(this.keys.ctl, this.keys.worker(this.id));
    await beat(this.redis, this.keys, this.info, o.heartbeatMs * 3, true);
    this.#beat = setInterval(() => {
      void beat(this.redis, this.keys, this.info, o.heartbeatMs * 3, true).catch(() => undefined);
      void this.#watch().catch(() => undefined);
    }, o.heartbeatMs);
    for (const q of o.queues) {
      const worker = new Worker<JobData>(`${o.queue}-${q}`, (job: Job<JobData>) => runJob(this, job), {
        connection: this.#bq,
        prefix: o.prefix,
        name: this.id,
        concurrency: q === 'io' ? o.ioSlots : o.concurrency,
        lockDuration: o.lockDurationMs,
        stalledInterval: o.stalledIntervalMs,
        maxStalledCount: o.maxStalledCount,
        drainDelay: 5,
      });
      // Lost locks and outages are handled by the protocol (fencing, the coordinator's checks).
      worker.on('error', () => undefined);
      this.#workers.push(worker);
    }
    await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
  }

  /**
   * The durable side of cancellation, once per heartbeat: a task whose flag says it (or its run) was
   * cancelled, or whose run ended, stops even if the pub/sub message never arrived (a reconnect, a
   * coordinator that closed while its step waited on a host call).
   */
  async #watch(): Promise<void> {
    const tasks = [...this.active.values()].filter((a) => !a.cancel.cancelled);
    if (tasks.length === 0) return;
    const m = this.redis.multi();
    for (const a of tasks) m.hmget(this.keys.flags(a.run), a.key, '*', '!');
    const res = (await m.exec()) ?? [];
    tasks.forEach((a, i) => {
      const [err, flags] = res[i] ?? [];
      if (err || !Array.isArray(flags)) return;
      const [task, run, ended] = flags as (string | null)[];
      const reason =
        task ??
        run ??
        (ended ? '{"code":"STEP_CANCELLED","message":"the run ended","name":"WeftError"}' : null);
      if (reason === null) return;
      try {
        a.cancel.abort(JSON.parse(reason));
      } catch {
        a.cancel.abort({ code: 'STEP_CANCELLED', message: 'cancelled', name: 'WeftError' });
      }
      a.release();
    });
  }

  /** A fresh local task id. */
  nextId(): number {
    return (this.#taskSeq = this.#taskSeq >= 0x7ffffffe ? 1 : this.#taskSeq + 1);
  }

  /** Jobs running now. */
  get running(): number {
    return this.active.size;
  }

  #onCtl(raw: Buffer): void {
    let m: CtlMessage;
    try {
      m = unpack<CtlMessage>(raw);
    } catch {
      return;
    }
    switch (m.op) {
      case 'cancel':
        for (const a of this.active.values()) {
          if (a.run !== m.run || (m.k !== null && a.key !== m.k)) continue;
          a.cancel.abort(m.reason);
          a.release();
        }
        return;
      case 'credit':
        this.active.get(`${m.run}\n${m.k}`)?.credit(m.n, this.options.tokenCredit);
        return;
      case 'reply': {
        const call = this.#calls.get(m.id);
        if (!call) return;
        this.#calls.delete(m.id);
        if (m.ok) call.resolve(m.v);
        else call.reject(deserializeError(m.e));
        return;
      }
    }
  }

  /**
   * The pool's host services: `services[runId].name.method(...args)` travels on the run's stream to
   * its coordinator, which calls its own service and answers on this worker's channel.
   */
  #services(): HostServices {
    const call = (run: string, path: string[], args: unknown[]): Promise<unknown> => {
      const id = ++this.#callSeq;
      this.counters.hostCalls++;
      return new Promise((resolve, reject) => {
        this.#calls.set(id, { resolve, reject });
        let bytes: Buffer;
        try {
          bytes = pack({ t: 'h', k: '', l: 0, w: this.id, id, p: path, a: args });
        } catch (e) {
          this.#calls.delete(id);
          reject(serializeError(e));
          return;
        }
        this.redis.weftEmit(this.keys.flags(run), this.keys.io(run), bytes).then(
          (ok) => {
            if (ok === 0) {
              this.#calls.delete(id);
              reject(new Error(`run ${run} has ended`));
            }
          },
          (e: unknown) => {
            this.#calls.delete(id);
            reject(e);
          },
        );
      });
    };
    const method = (run: string, path: string[]): unknown =>
      new Proxy(() => undefined, {
        apply: (_t, _this, args: unknown[]) => call(run, path, args),
        get: (t, name) => {
          // comlink calls `fn.apply(parent, args)`: the Function methods stay the real ones.
          if (name === 'apply' || name === 'call' || name === 'bind') return Reflect.get(t, name) as unknown;
          return typeof name === 'string' && name !== 'then' ? method(run, [...path, name]) : undefined;
        },
      });
    return new Proxy(
      {},
      {
        get: (_t, run) => (typeof run === 'string' && run !== 'then' ? method(run, []) : undefined),
      },
    );
  }

  /**
   * Stops taking tasks and leaves: running tasks get `graceMs` (default `shutdownGraceMs`) to
   * finish; those still running then are left to other workers (their jobs stall and run again
   * there, under a new lease). Never rejects.
   */
  close(graceMs = this.options.shutdownGraceMs): Promise<void> {
    this.#closing ??= this.#shutdown(graceMs);
    return this.#closing;
  }

  async #shutdown(graceMs: number): Promise<void> {
    if (this.#beat) clearInterval(this.#beat);
    let timer: NodeJS.Timeout | undefined;
    const graceful = Promise.all(this.#workers.map((w) => w.close().catch(() => undefined)));
    const expired = new Promise<'expired'>((r) => (timer = setTimeout(() => r('expired'), graceMs)));
    if ((await Promise.race([graceful, expired])) === 'expired') {
      for (const a of this.active.values()) {
        a.abandoned = true;
        a.release();
      }
      await Promise.all(this.#workers.map((w) => w.close(true).catch(() => undefined)));
    }
    if (timer) clearTimeout(timer);
    if (this.redis.status === 'ready')
      await unregister(this.redis, this.keys, this.id).catch(() => undefined);
    for (const call of this.#calls.values()) call.reject(new Error('the worker is shutting down'));
    this.#calls.clear();
    await this.pool.close().catch(() => undefined);
    this.#sub.disconnect();
    this.#bq.disconnect();
    this.redis.disconnect();
  }
}
