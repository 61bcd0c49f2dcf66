import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  DirectOrchestrator,
  WeftError,
  serializeError,
  type CancelSource,
  type HostServices,
  type Orchestrator,
  type OrchestratorCapabilities,
  type OrchestratorStats,
  type SerializedError,
  type Task,
  type TaskHooks,
  type TaskOutcome,
} from '@weft/core';
import { CodeIdentity } from '../shared/code-identity.js';
import { FLAG_CANCELLED, Keys } from '../shared/keys.js';
import { connect, unavailable, whenReady } from '../shared/redis.js';
import { withScripts, type WeftScripts } from '../shared/scripts.js';
import { WIRE_VERSION, pack, unpack, type CtlMessage, type IoMessage, type JobData } from '../shared/wire.js';
import { listWorkers } from '../shared/worker-registry.js';
import { FairQueue } from './fair-queue.js';
import { resolveBullmqOptions, type ResolvedBullmqOptions } from './options.js';
import { PendingTask } from './pending-task.js';
import { RunChannel } from './run-channel.js';
import { jobId, taskKey } from './task-key.js';

/** What `bullmq` can do: runs stay with their coordinator (durable: false; `weft resume` joins its jobs). */
export const BULLMQ_CAPABILITIES: OrchestratorCapabilities = {
  blocking: true,
  detached: true,
  durable: false,
  parallel: true,
};

/** How often the coordinator looks after its runs (retention, credit, silent tasks, Redis outages), ms. */
const MAINTAIN_MS = 250;
/** Stream entries older than this before the last one read are trimmed, ms. */
const TRIM_LAG_MS = 30_000;

/**
 * The `bullmq` orchestrator: the coordinator side. Each task (a step invocation or a chunk of map
 * items) becomes one BullMQ job, added in bulk, with a job id derived from the run, the task and
 * its attempt (the engine owns retries; BullMQ `attempts: 1`). `weft worker` processes run the jobs
 * on their own thread pools and answer on the run's Redis stream (started, tokens, items,
 * checkpoints, result, host calls), which one reader loop follows for every run of this process.
 * Tasks that must run here (placement `main`, test overrides, pipelines without a module) run on
 * an embedded `direct` orchestrator.
 */
export class BullmqOrchestrator implements Orchestrator {
  readonly name = 'bullmq';
  readonly capabilities = BULLMQ_CAPABILITIES;
  readonly defaultChunkSize: number;
  readonly options: ResolvedBullmqOptions;
  /** This coordinator's id (its doorbell key). */
  readonly id = randomBytes(6).toString('hex');
  readonly #keys: Keys;
  readonly #code: CodeIdentity;
  readonly #services: HostServices;
  readonly #direct: DirectOrchestrator;
  readonly #cmd: Redis & WeftScripts;
  readonly #reader: Redis;
  readonly #queues: { readonly cpu: Queue; readonly io: Queue };
  readonly #ready: Promise<void>;
  readonly #runs = new Map<string, RunChannel>();
  readonly #byStream = new Map<string, RunChannel>();
  /** Clean-ups under way, by run (what `endRun` awaits). */
  readonly #releasing = new Map<string, Promise<void>>();
  readonly #waiting = new FairQueue<PendingTask>();
  #bulk: PendingTask[] = [];
  #bulkQueued = false;
  #inflight = 0;
  #bell = '0-0';
  #threadsSeen = 0;
  #downSince: number | null = null;
  #maintainTimer: NodeJS.Timeout | undefined;
  #maintaining = false;
  #lastWorkersRead = 0;
  #stats = { tasks: 0, jobs: 0, lost: 0, readds: 0, bytes: 0, hostCalls: 0, badMessages: 0, hookErrors: 0 };
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: Readonly<Record<string, unknown>> = {}, services: HostServices = {}) {
    this.options = resolveBullmqOptions(options);
    const o = this.options;
    this.defaultChunkSize = o.chunkSize;
    this.#keys = new Keys(o.prefix);
    this.#code = new CodeIdentity(o.root);
    this.#services = services;
    this.#direct = new DirectOrchestrator(services);
    this.#cmd = withScripts(connect(o.redis, `weft-coordinator-${this.id}`, { autoPipelining: true }));
    this.#reader = connect(o.redis, `weft-reader-${this.id}`);
    const queueOpts = { connection: this.#cmd, prefix: o.prefix, streams: { events: { maxLen: 100 } } };
    this.#queues = {
      cpu: new Queue(`${o.queue}-cpu`, queueOpts),
      io: new Queue(`${o.queue}-io`, queueOpts),
    };
    for (const q of Object.values(this.#queues)) q.on('error', () => undefined);
    this.#cmd.on('close', () => (this.#downSince ??= Date.now()));
    this.#cmd.on('ready', () => {
      const wasDown = this.#downSince !== null;
      this.#downSince = null;
      if (wasDown) this.#afterOutage();
    });
    this.#ready = whenReady(this.#cmd, o.redis, o.connectTimeoutMs).then(() => this.#setUp());
    this.#ready.catch(() => undefined);
    this.#maintainTimer = setInterval(() => void this.#maintain(), MAINTAIN_MS);
    this.#maintainTimer.unref();
    void this.#readLoop();
  }

  /** Threads of the live workers (what the engine sizes map chunks and concurrency by). */
  get parallelism(): number {
    return this.#threadsSeen > 0 ? this.#threadsSeen : this.options.parallelism;
  }

  /** Resolves once Redis answered (ORCHESTRATOR_UNAVAILABLE after `connectTimeoutMs`). */
  ready(): Promise<void> {
    return this.#ready;
  }

  run(task: Task, hooks: TaskHooks): Promise<TaskOutcome> {
    if (this.#closed)
      return Promise.resolve(failure(new WeftError('STEP_CANCELLED', 'the bullmq orchestrator is closed')));
    if (task.code !== undefined || task.placement === 'main' || !task.ref || task.ref.module === '')
      return this.#direct.run(task, hooks);
    const source = cancelSource(task);
    if (source ? source.cancelled : task.signal.aborted)
      return Promise.resolve({ ok: false, error: reasonFrom(source ? source.reason : task.signal.reason) });
    return this.#send(task, hooks, source);
  }

  async #send(task: Task, hooks: TaskHooks, source: CancelSource | undefined): Promise<TaskOutcome> {
    this.#stats.tasks++;
    try {
      await this.#ready;
    } catch (e) {
      return failure(e);
    }
    let payload: Buffer;
    try {
      payload = pack({
        ...(task.kind === 'step'
          ? { input: task.input }
          : {
              items: task.items ?? [],
              baseIndex: task.baseIndex ?? 0,
              ...(task.attempts ? { attempts: task.attempts } : {}),
            }),
        state: task.state,
        params: task.params,
        ...('resume' in task && task.resume !== undefined ? { resume: { value: task.resume } } : {}),
        ...(task.lastCheckpoint !== undefined ? { lastCheckpoint: task.lastCheckpoint } : {}),
      });
    } catch (cause) {
      return failure(
        new WeftError(
          'NOT_SERIALIZABLE',
          `the task of step "${task.node}" cannot be sent to a worker: ${(cause as Error).message}`,
          {
            cause,
          },
        ),
      );
    }
    const ch = this.#channel(task.runId);
    try {
      await ch.ready;
    } catch (e) {
      return failure(e);
    }
    // The very same task twice at once (a loop over equal inputs): the second is another job.
    const base = taskKey(task, payload);
    let key = base;
    for (let n = 2; ch.pending.has(key); n++) key = `${base}.${n}`;
    const data: JobData = {
      v: WIRE_VERSION,
      run: task.runId,
      key,
      gen: 0,
      mod: this.#code.describe(task.ref.module),
      ref: task.ref,
      node: task.node,
      path: task.path,
      kind: task.kind,
      attempt: task.attempt,
      placement: task.placement,
      ...(task.io ? { io: true } : {}),
      version: task.version,
      payload: payload.toString('base64'),
    };
    const p = new PendingTask(task, hooks, key);
    p.data = data as unknown as Record<string, unknown>;
    ch.pending.set(key, p);
    ch.settled.delete(key);
    if (source) source.onCancel((reason) => this.#cancel(ch, p, reasonFrom(reason)));
    else
      task.signal.addEventListener('abort', () => this.#cancel(ch, p, reasonFrom(task.signal.reason)), {
        once: true,
      });
    // A previous session of the run may have run (or be running) this very task: join it.
    const kept = ch.adopt(key);
    if (kept) {
      for (const m of kept) this.#onMessage(ch, m);
      if (p.settled) return p.promise;
      if (p.lease > 0) {
        p.added = true;
        this.#inflight++;
        return p.promise;
      }
    }
    this.#admit(p);
    return p.promise;
  }

  // ---------------------------------------------------------------- runs and their streams

  #channel(runId: string): RunChannel {
    let ch = this.#runs.get(runId);
    if (ch) {
      ch.ended = false;
      return ch;
    }
    ch = new RunChannel(runId, this.#keys.io(runId), this.#keys.flags(runId));
    this.#runs.set(runId, ch);
    this.#byStream.set(ch.io, ch);
    ch.ready = this.#prime(ch);
    ch.ready.catch(() => undefined);
    return ch;
  }

  /** Reads what the run's stream already holds (a previous session's work), then lets the reader follow it. */
  async #prime(ch: RunChannel): Promise<void> {
    // A new session of a run: earlier flags (a cancel, the end of a session) no longer apply.
    void this.#cmd.weftClaim(ch.flags, ch.io, this.id, this.options.retentionS);
    let from = '-';
    for (;;) {
      const page = await this.#cmd.xrangeBuffer(ch.io, from, '+', 'COUNT', 10_000);
      for (const [id, fields] of page) {
        ch.last = id.toString();
        this.#onEntry(ch, fields);
      }
      if (page.length < 10_000) break;
      from = `(${ch.last}`;
    }
    ch.primed = true;
    void this.#cmd.xadd(this.#keys.bell(this.id), 'MAXLEN', '1', '*', 'r', '1');
  }

  async #readLoop(): Promise<void> {
    let backoff = 50;
    try {
      await this.#ready;
    } catch {
      return;
    }
    const bell = this.#keys.bell(this.id);
    while (!this.#closed) {
      const chans = [...this.#runs.values()].filter((c) => c.primed);
      let res: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        res = await this.#reader.xreadBuffer(
          'COUNT',
          4096,
          'BLOCK',
          2000,
          'STREAMS',
          bell,
          ...chans.map((c) => c.io),
          this.#bell,
          ...chans.map((c) => c.last),
        );
        backoff = 50;
      } catch {
        if (this.#closed) return;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 1000);
        continue;
      }
      if (!res) continue;
      for (const [name, entries] of res) {
        const stream = name.toString();
        if (stream === bell) {
          this.#bell = entries[entries.length - 1]![0].toString();
          continue;
        }
        const ch = this.#byStream.get(stream);
        if (!ch) continue;
        for (const [id, fields] of entries) {
          ch.last = id.toString();
          this.#onEntry(ch, fields);
        }
      }
      this.#grantCredit();
    }
  }

  #onEntry(ch: RunChannel, fields: Buffer[]): void {
    const raw = fields[1];
    if (!raw) return;
    ch.bytes += raw.length;
    this.#stats.bytes += raw.length;
    let m: IoMessage;
    try {
      m = unpack<IoMessage>(raw);
    } catch {
      this.#stats.badMessages++;
      return;
    }
    try {
      this.#onMessage(ch, m);
    } catch {
      // A hook that throws must not stop the reader that every run of this process depends on.
      this.#stats.hookErrors++;
    }
  }

  #onMessage(ch: RunChannel, m: IoMessage): void {
    if (m.t === 'h') {
      void this.#hostCall(m);
      return;
    }
    const p = ch.pending.get(m.k);
    if (!p || p.settled) {
      if (!p) ch.orphan(m);
      return;
    }
    if (m.l < p.lease) return;
    p.heardAt = Date.now();
    if (m.l > p.lease) {
      if (p.lease > 0) {
        // Another execution took over (the worker was lost and BullMQ ran the job again): its
        // messages count from now on, and its tokens start over.
        ch.lost++;
        this.#stats.lost++;
        p.consumed = 0;
        p.granted = 0;
        p.hooks.restarted?.({
          reason: 'worker-lost',
          message: `the worker running step "${p.task.node}" was lost; the task runs again on ${m.t === 's' ? m.w : 'another worker'}`,
        });
      }
      p.lease = m.l;
    }
    switch (m.t) {
      case 's':
        p.worker = m.w;
        if (!p.started) {
          p.started = true;
          p.hooks.started();
        }
        return;
      case 't': {
        p.worker = m.w;
        if (p.cancelReason) return;
        const n = m.v.length;
        const lease = p.lease;
        const wait = p.hooks.tokens(m.v);
        if (wait)
          void wait.then(() => {
            if (p.lease === lease) p.consumed += n;
            this.#grantCredit();
          });
        else p.consumed += n;
        return;
      }
      case 'c':
        if (!p.cancelReason) p.hooks.checkpoint(m.v);
        return;
      case 'i':
        if (p.cancelReason) return;
        for (let j = 0; j < m.x.length; j++) p.hooks.item(m.x[j]!, m.o[j]!);
        return;
      case 'd':
        this.#settle(ch, p, m.o);
        return;
    }
  }

  #settle(ch: RunChannel, p: PendingTask, outcome: TaskOutcome): void {
    if (p.settled) return;
    p.complete(outcome);
    ch.pending.delete(p.key);
    ch.settled.add(p.key);
    if (p.added) {
      this.#inflight--;
      const next = this.#waiting.shift();
      if (next) this.#add(next);
    }
    if (ch.ended && ch.pending.size === 0) this.#cleanUp(ch);
  }

  // ---------------------------------------------------------------- adding jobs

  #tenant(p: PendingTask): string {
    return this.options.tenantOf?.(p.task.runId) ?? p.task.runId;
  }

  #admit(p: PendingTask): void {
    if (this.#inflight < this.options.maxInflight) this.#add(p);
    else this.#waiting.push(this.#tenant(p), p);
  }

  #add(p: PendingTask): void {
    p.added = true;
    p.heardAt = Date.now();
    this.#inflight++;
    this.#bulk.push(p);
    if (!this.#bulkQueued) {
      this.#bulkQueued = true;
      queueMicrotask(() => void this.#flushBulk());
    }
  }

  /** Adds the tasks of this tick in bulk, one call per queue. */
  async #flushBulk(): Promise<void> {
    this.#bulkQueued = false;
    const batch = this.#bulk.filter((p) => !p.settled && !p.cancelReason);
    this.#bulk = [];
    for (const queue of ['cpu', 'io'] as const) {
      const list = batch.filter((p) => p.queue === queue);
      if (list.length === 0) continue;
      this.#stats.jobs += list.length;
      try {
        const jobs = list.map((p) => ({
          name: p.task.node,
          data: { ...p.data, gen: p.gen },
          opts: {
            jobId: jobId(p.key, p.gen),
            attempts: 1,
            removeOnComplete: true,
            removeOnFail: { age: 86_400, count: 1000 },
          },
        }));
        // One job alone goes without the MULTI of a bulk add (a round trip less to start it).
        if (jobs.length === 1) await this.#queues[queue].add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts);
        else await this.#queues[queue].addBulk(jobs);
      } catch (e) {
        const error = this.#downSince !== null ? unavailable(this.options.redis, (e as Error).message) : e;
        for (const p of list) {
          const ch = this.#runs.get(p.task.runId);
          if (ch) this.#settle(ch, p, failure(error));
        }
      }
    }
  }

  // ---------------------------------------------------------------- cancellation

  #cancel(ch: RunChannel, p: PendingTask, reason: SerializedError): void {
    if (p.settled || p.cancelReason) return;
    p.cancelReason = reason;
    if (!p.added) {
      this.#waiting.remove(this.#tenant(p), p);
      this.#settle(ch, p, failure(reason));
      return;
    }
    const r = JSON.stringify(reason);
    const m = this.#cmd.multi().hset(ch.flags, p.key, r);
    if (reason.code === 'RUN_CANCELLED') m.hset(ch.flags, FLAG_CANCELLED, r);
    m.expire(ch.flags, this.options.retentionS);
    const ctl: CtlMessage = { op: 'cancel', run: ch.runId, k: p.key, reason };
    m.publish(this.#keys.ctl, pack(ctl));
    void m
      .exec()
      .then(
        () =>
          this.#queues[p.queue].remove(jobId(p.key, p.gen)).then((removed) => {
            // Still waiting in its queue: no worker will ever answer for it.
            if (removed === 1) this.#settle(ch, p, failure(reason));
          }),
        () => undefined,
      )
      .catch(() => undefined);
    const o = this.options;
    // A worker that died with the task will not answer: settle anyway once its lock has surely lapsed.
    p.cancelTimer = setTimeout(
      () => this.#settle(ch, p, failure(reason)),
      o.cancelGraceMs + o.lockDurationMs + o.stalledIntervalMs + 1000,
    );
    p.cancelTimer.unref();
  }

  // ---------------------------------------------------------------- host services

  async #hostCall(m: Extract<IoMessage, { t: 'h' }>): Promise<void> {
    this.#stats.hostCalls++;
    let reply: CtlMessage;
    try {
      let parent: unknown;
      let target: unknown = this.#services;
      for (const part of m.p) {
        parent = target;
        target = (target as Record<string, unknown> | undefined)?.[part];
      }
      if (typeof target !== 'function')
        throw new TypeError(`ctx.host.${m.p.join('.')} is not a function on the coordinator`);
      const value: unknown = await (target as (...a: unknown[]) => unknown).apply(parent, [...m.a]);
      reply = { op: 'reply', id: m.id, ok: true, v: value };
    } catch (e) {
      reply = { op: 'reply', id: m.id, ok: false, e: serializeError(e) };
    }
    let bytes: Buffer;
    try {
      bytes = pack(reply);
    } catch (e) {
      bytes = pack({ op: 'reply', id: m.id, ok: false, e: serializeError(e) });
    }
    await this.#cmd.publish(this.#keys.worker(m.w), bytes).catch(() => undefined);
  }

  // ---------------------------------------------------------------- credit, upkeep, outages

  /** Tells workers how many tokens of each streaming task the runtime consumed. */
  #grantCredit(): void {
    for (const ch of this.#runs.values()) {
      for (const p of ch.pending.values()) {
        if (p.consumed <= p.granted || !p.worker) continue;
        p.granted = p.consumed;
        const m: CtlMessage = { op: 'credit', run: ch.runId, k: p.key, n: p.consumed };
        void this.#cmd.publish(this.#keys.worker(p.worker), pack(m)).catch(() => undefined);
      }
    }
  }

  async #maintain(): Promise<void> {
    if (this.#maintaining || this.#closed) return;
    this.#maintaining = true;
    try {
      const now = Date.now();
      const o = this.options;
      if (this.#downSince !== null) {
        if (now - this.#downSince > o.redisDownMs)
          this.#failAll(unavailable(o.redis, `unreachable for ${now - this.#downSince} ms`));
        return;
      }
      if (now - this.#lastWorkersRead > 2000) {
        this.#lastWorkersRead = now;
        void listWorkers(this.#cmd, this.#keys).then(
          (ws) => (this.#threadsSeen = ws.reduce((n, w) => n + w.threads, 0)),
          () => undefined,
        );
      }
      const silentMs = o.lockDurationMs + o.stalledIntervalMs + 1000;
      for (const ch of this.#runs.values()) {
        if (ch.pending.size > 0 && now - ch.touchedAt > 5000) {
          ch.touchedAt = now;
          const [ms] = ch.last.split('-');
          const m = this.#cmd.multi().expire(ch.io, o.retentionS);
          if (Number(ms) > TRIM_LAG_MS) m.xtrim(ch.io, 'MINID', '~', String(Number(ms) - TRIM_LAG_MS));
          void m.exec().catch(() => undefined);
        }
        for (const p of ch.pending.values()) {
          if (p.added && !p.settled && now - p.heardAt > silentMs) {
            p.heardAt = now;
            void this.#check(ch, p);
          }
          // Credit messages are fire-and-forget: repeat them so a lost one cannot stall a stream.
          if (p.consumed > 0 && p.worker) p.granted = Math.min(p.granted, p.consumed - 1);
        }
      }
      this.#grantCredit();
    } finally {
      this.#maintaining = false;
    }
  }

  /** A task silent for longer than a lock: where is its job? */
  async #check(ch: RunChannel, p: PendingTask): Promise<void> {
    const queue = this.#queues[p.queue];
    let state: string;
    let failedReason = '';
    try {
      const job = await queue.getJob(jobId(p.key, p.gen));
      state = job ? await job.getState() : 'unknown';
      failedReason = job?.failedReason ?? '';
    } catch {
      return;
    }
    if (p.settled) return;
    if (state === 'failed') {
      this.#settle(
        ch,
        p,
        failure(
          new WeftError('WORKER_LOST', `the worker running step "${p.task.node}" was lost: ${failedReason}`, {
            retryable: true,
            data: { job: jobId(p.key, p.gen) },
          }),
        ),
      );
    } else if (state === 'unknown' || state === 'completed') {
      // The job vanished (Redis lost its data) or ended without its result reaching us: run it again.
      if (p.cancelReason) return this.#settle(ch, p, failure(p.cancelReason));
      if (++p.readds > 3) {
        return this.#settle(
          ch,
          p,
          failure(
            new WeftError('WORKER_LOST', `the job of step "${p.task.node}" vanished ${p.readds} times`, {
              retryable: true,
            }),
          ),
        );
      }
      this.#stats.readds++;
      p.gen++;
      this.#bulk.push(p);
      if (!this.#bulkQueued) {
        this.#bulkQueued = true;
        queueMicrotask(() => void this.#flushBulk());
      }
    }
  }

  /** Redis came back: settings may be gone with its data, and every task in flight is checked. */
  #afterOutage(): void {
    void this.#setUp().catch(() => undefined);
    for (const ch of this.#runs.values()) for (const p of ch.pending.values()) p.heardAt = 0;
  }

  async #setUp(): Promise<void> {
    const o = this.options;
    for (const q of Object.values(this.#queues)) {
      if (o.globalConcurrency !== undefined) await q.setGlobalConcurrency(o.globalConcurrency);
      if (o.rateLimit) await q.setGlobalRateLimit(o.rateLimit.max, o.rateLimit.durationMs);
    }
  }

  #failAll(error: WeftError): void {
    for (const p of this.#waiting.drain()) {
      const ch = this.#runs.get(p.task.runId);
      if (ch) this.#settle(ch, p, failure(error));
    }
    for (const ch of [...this.#runs.values()])
      for (const p of [...ch.pending.values()]) this.#settle(ch, p, failure(error));
  }

  /** The run ended: drop its stream and mark it so late messages do not bring it back. */
  #cleanUp(ch: RunChannel): void {
    this.#runs.delete(ch.runId);
    this.#byStream.delete(ch.io);
    const released = this.#cmd.weftRelease(ch.flags, ch.io, this.id).then(
      () => undefined,
      () => undefined,
    );
    this.#releasing.set(ch.runId, released);
    void released.then(() => {
      if (this.#releasing.get(ch.runId) === released) this.#releasing.delete(ch.runId);
    });
  }

  /** The run ended: resolves once its keys are cleaned up (at once when tasks still wind down). */
  endRun(runId: string): Promise<void> {
    return this.#releasing.get(runId) ?? Promise.resolve();
  }

  /**
   * Counters since the coordinator started; with `runId` (the engine asks at the end of a run), the
   * executions of that run superseded after a worker was lost, and the bytes its stream carried. The
   * run's Redis keys are cleaned up once its last task has ended.
   */
  stats(runId?: string): OrchestratorStats {
    const ch = runId === undefined ? undefined : this.#runs.get(runId);
    if (ch) {
      ch.ended = true;
      if (ch.pending.size === 0) this.#cleanUp(ch);
    }
    return {
      workerRestarts: runId === undefined ? this.#stats.lost : (ch?.lost ?? 0),
      bytesMoved: runId === undefined ? this.#stats.bytes : (ch?.bytes ?? 0),
      extra: {
        coordinator: this.id,
        tasks: this.#stats.tasks,
        jobs: this.#stats.jobs,
        readds: this.#stats.readds,
        hostCalls: this.#stats.hostCalls,
        badMessages: this.#stats.badMessages,
        hookErrors: this.#stats.hookErrors,
        workerThreads: this.#threadsSeen,
      },
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const reason = serializeError(new WeftError('STEP_CANCELLED', 'the bullmq orchestrator was closed'));
    for (const ch of [...this.#runs.values()])
      for (const p of [...ch.pending.values()]) this.#cancel(ch, p, reason);
    for (const ch of [...this.#runs.values()]) {
      for (const p of [...ch.pending.values()]) this.#settle(ch, p, failure(reason));
      this.#cleanUp(ch);
    }
    this.#closed = true;
    if (this.#maintainTimer) clearInterval(this.#maintainTimer);
    await Promise.allSettled([this.#ready]);
    if (this.#cmd.status === 'ready') await this.#cmd.ping().catch(() => undefined);
    await Promise.allSettled(Object.values(this.#queues).map((q) => q.close()));
    if (this.#cmd.status === 'ready') await this.#cmd.del(this.#keys.bell(this.id)).catch(() => undefined);
    this.#reader.disconnect();
    this.#cmd.disconnect();
    await this.#direct.close();
  }
}

function failure(error: unknown): TaskOutcome {
  return { ok: false, error: serializeError(error) };
}

/** A cancel reason as a SerializedError (the engine gives one; anything else is wrapped). */
function reasonFrom(reason: unknown): SerializedError {
  if (reason && typeof reason === 'object' && 'code' in reason && 'message' in reason)
    return reason as SerializedError;
  return serializeError(new WeftError('STEP_CANCELLED', `cancelled: ${String(reason)}`));
}

function cancelSource(task: Task): CancelSource | undefined {
  const c = task.cancel;
  return c !== undefined && typeof (c as Partial<CancelSource>).onCancel === 'function'
    ? (c as CancelSource)
    : undefined;
}
