import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { WeftError, serializeError, type SerializedError } from '@weft/core';
import {
  DirectOrchestrator,
  type CancelSource,
  type HostServices,
  type Orchestrator,
  type OrchestratorCapabilities,
  type OrchestratorStats,
  type Task,
  type TaskHooks,
  type TaskOutcome,
} from '@weft/core/orchestrator';
import { assertNotInWeftWorker } from '@weft/core/plugin';
import { notSerializable } from '../codec/serializable.js';
import type { WorkerToHost } from '../protocol/worker-to-host.js';
import { resolveWorkersOptions, type ResolvedWorkersOptions } from '../options.js';
import { HostJob } from './host-job.js';
import { failure, reasonFrom, reasonOf, toError } from './outcomes.js';
import { RunCounterTable } from './run-counters.js';
import { StepCosts } from './step-costs.js';
import { JobQueue } from './job-queue.js';
import { WorkerHandle } from './worker-handle.js';

/** What `workers` can do. */
export const WORKERS_CAPABILITIES: OrchestratorCapabilities = {
  blocking: true,
  detached: true,
  durable: false,
  parallel: true,
  chains: true,
};

/** A task measured to take less than this (µs) is not worth stealing: the hop costs about as much. */
const STEAL_MIN_US = 2000;

/** How often the host looks for tasks a busy worker began (their timeouts start then), ms. */
const START_POLL_MS = 4;

/** Consecutive workers dying before serving anything after which the pool is declared broken. */
const BROKEN_AFTER = 3;

const WORKER_ENTRY = fileURLToPath(new URL('../worker/entry.js', import.meta.url));

/**
 * The `workers` orchestrator: step actors on a piscina pool of worker threads. Each worker runs one
 * long-lived piscina task and serves the hot path over its own port (frames of msgpack messages),
 * so per-task cost is a message, not a piscina dispatch. Tasks placed on the main thread, harness
 * overrides and pipelines without a module run on the embedded `direct` orchestrator.
 */
export class WorkersOrchestrator implements Orchestrator {
  readonly name = 'workers';
  readonly capabilities = WORKERS_CAPABILITIES;
  readonly parallelism: number;
  readonly defaultChunkSize: number;
  readonly options: ResolvedWorkersOptions;
  readonly #services: HostServices;
  readonly #pool: Piscina;
  readonly #workers: WorkerHandle[] = [];
  readonly #direct: DirectOrchestrator;
  readonly #cpuQueue = new JobQueue();
  readonly #ioQueue = new JobQueue();
  readonly #live = new Set<HostJob>();
  readonly #watchers = new WeakMap<AbortSignal, Set<HostJob>>();
  #ioInflight = 0;
  #seq = 0;
  #restarts = 0;
  #deadBytes = 0;
  #tasks = 0;
  readonly #runs = new RunCounterTable();
  readonly #costs: StepCosts;
  #startTimer: NodeJS.Timeout | undefined;
  #inlined = 0;
  #dispatches = 0;
  #steals = 0;
  #barren = 0;
  #broken: WeftError | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: Readonly<Record<string, unknown>> = {}, services: HostServices = {}) {
    assertNotInWeftWorker('creating the workers orchestrator');
    this.options = resolveWorkersOptions(options);
    this.parallelism = this.options.threads;
    this.defaultChunkSize = this.options.chunkSize;
    this.#services = services;
    // Per-run services reach only worker threads: nothing is inlined on the main thread then.
    this.#costs = new StepCosts(this.options.servicesPerRun ? 0 : this.options.inlineUs);
    this.#direct = new DirectOrchestrator(services);
    const o = this.options;
    this.#pool = new Piscina({
      filename: WORKER_ENTRY,
      minThreads: o.threads,
      maxThreads: o.threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 2 ** 31 - 1,
      atomics: 'disabled',
      ...(o.resourceLimits ? { resourceLimits: o.resourceLimits } : {}),
    });
    // A worker that fails outside any task also rejects its attach task, handled in #onExit.
    this.#pool.on('error', () => undefined);
    for (let i = 0; i < o.threads; i++) this.#workers.push(this.#spawn(i));
  }

  run(task: Task, hooks: TaskHooks): Promise<TaskOutcome> {
    if (this.#closed)
      return Promise.resolve(failure(new WeftError('STEP_CANCELLED', 'the workers orchestrator is closed')));
    if (task.code !== undefined || task.placement === 'main' || !task.ref || task.ref.module === '')
      return this.#direct.run(task, hooks);
    if (this.#broken) return Promise.resolve(failure(this.#broken));
    if (this.#costs.inlineable(task)) return this.#inline(task, hooks);
    // The engine's tasks carry a CancelSource: watching it creates no AbortSignal (~3 µs) and no
    // listener on one. Other callers' tasks are watched through their signal.
    const source = cancelSource(task);
    if (source ? source.cancelled : task.signal.aborted)
      return Promise.resolve({
        ok: false,
        error: source ? reasonFrom(source.reason) : reasonOf(task.signal),
      });
    const queue = task.io === true ? this.#ioQueue : this.#cpuQueue;
    if (queue.length >= this.options.maxQueue) {
      return Promise.resolve(
        failure(
          new WeftError(
            'QUOTA_EXCEEDED',
            `more than ${this.options.maxQueue} tasks are waiting for a worker (maxQueue)`,
            { retryable: true, data: { maxQueue: this.options.maxQueue } },
          ),
        ),
      );
    }
    const job = new HostJob(task, hooks);
    this.#tasks++;
    this.#live.add(job);
    if (source) source.onCancel((reason) => this.#cancel(job, reasonFrom(reason)));
    else {
      job.watchers = this.#watch(task.signal);
      job.watchers.add(job);
    }
    queue.push(job);
    this.#pump();
    return job.promise;
  }

  /**
   * The tasks waiting on `signal`, under ONE abort listener per signal. A listener per task on a
   * long-lived signal (a server's shutdown signal, a benchmark's) keeps every settled task and its
   * result reachable for the scavenger until the next full GC: V8 allocates such listeners in old
   * space once their allocation site looks long-lived, and old garbage pointing into the young
   * generation is a root for the scavenger. With 1 MB results that made each scavenge copy and
   * promote several results (~10 ms) and cost a third of the round trip (packages/bench,
   * messages-1mb). Settled tasks leave the set; the set dies with the signal.
   */
  #watch(signal: AbortSignal): Set<HostJob> {
    const set = this.#watchers.get(signal);
    if (set) return set;
    const jobs = new Set<HostJob>();
    this.#watchers.set(signal, jobs);
    signal.addEventListener(
      'abort',
      () => {
        const reason = reasonOf(signal);
        for (const job of [...jobs]) this.#cancel(job, reason);
      },
      { once: true },
    );
    return jobs;
  }

  /**
   * Counters since the pool started, or, with `runId` (as the engine asks at the end of a run), the
   * worker restarts that hit that run's tasks and the bytes its messages moved.
   */
  stats(runId?: string): OrchestratorStats {
    let bytes = this.#deadBytes;
    for (const w of this.#workers) bytes += w.bytes;
    const run = runId === undefined ? undefined : this.#runs.take(runId);
    return {
      workerRestarts: run ? run.restarts : this.#restarts,
      bytesMoved: run ? run.bytes : bytes,
      extra: {
        threads: this.options.threads,
        chunkSize: this.options.chunkSize,
        tasksPerThread: this.options.tasksPerThread,
        /** Tasks accepted for workers (steps, or chunks of map items). */
        tasks: this.#tasks,
        /** Messages that handed a task to a worker (a task retried or stolen is handed over again). */
        dispatches: this.#dispatches,
        /** Tasks an idle worker took back from a busy one. */
        steals: this.#steals,
        /** Tiny tasks run on the main thread instead (see `inlineUs`). */
        inlined: this.#inlined,
      },
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  // ---------------------------------------------------------------- tiny tasks on the main thread

  /** Runs a tiny task on the main thread (the `direct` path). */
  #inline(task: Task, hooks: TaskHooks): Promise<TaskOutcome> {
    this.#inlined++;
    return this.#direct.run(task, hooks);
  }

  // ---------------------------------------------------------------- dispatch

  #pump(): void {
    for (;;) {
      const job = this.#cpuQueue.peek();
      if (!job) break;
      const w = this.#pick(false);
      if (!w) break;
      this.#cpuQueue.shift();
      this.#dispatch(job, w);
    }
    while (this.#ioInflight < this.options.ioSlots) {
      const job = this.#ioQueue.peek();
      if (!job) break;
      const w = this.#pick(true);
      if (!w) break;
      this.#ioQueue.shift();
      this.#dispatch(job, w);
    }
  }

  /** The least-loaded live worker with room for one more task. */
  #pick(io: boolean): WorkerHandle | undefined {
    let best: WorkerHandle | undefined;
    for (const w of this.#workers) {
      // A worker still starting up (importing) would sit on the task while another one could run it.
      if (w.state !== 'live' || !w.ready || w.slots.available === 0) continue;
      if (!io && w.cpu >= this.options.tasksPerThread) continue;
      const load = io ? w.load : w.cpu;
      if (!best || load < (io ? best.load : best.cpu)) best = w;
    }
    return best;
  }

  #dispatch(job: HostJob, w: WorkerHandle): void {
    const slot = w.slots.take()!;
    const id = (this.#seq = this.#seq >= 0x7ffffffe ? 1 : this.#seq + 1);
    w.slab.reset(slot, id, this.options.tokenCredit);
    const sameState = job.task.state === w.lastState;
    const spec = job.spec(!sameState);
    // An idle worker begins the task as soon as the message lands: it counts as started now (the
    // step's timeout runs from here). Behind other tasks, it starts when the worker claims it.
    const idle = w.jobs.size === 0;
    try {
      this.#runs.of(job.task.runId).bytes += w.writer.add({ type: 'run', id, slot, job: spec });
    } catch (cause) {
      w.slots.give(slot);
      job.complete(failure(notSerializable(`the task of step "${job.node}"`, spec, cause, 'task')));
      this.#settled(job);
      return;
    }
    this.#dispatches++;
    w.lastState = job.task.state;
    job.worker = w;
    job.slot = slot;
    job.id = id;
    w.jobs.set(id, job);
    if (job.io) {
      w.io++;
      this.#ioInflight++;
    } else w.cpu++;
    if (job.started) return;
    if (idle) this.#started(job);
    else this.#watchStart(job);
  }

  /** Tells the runtime the task began (once): its timeout counts from here. */
  #started(job: HostJob): void {
    if (job.started) return;
    job.started = true;
    job.worker?.awaitingStart.delete(job);
    job.hooks.started();
  }

  /**
   * A task waiting behind others on its worker starts when the worker claims it in the slab. The
   * host looks at the claims whenever a frame arrives and every few ms while such tasks exist: no
   * message per task, so a busy worker never wakes the main thread just to say it moved on.
   */
  #watchStart(job: HostJob): void {
    job.worker!.awaitingStart.add(job);
    this.#startTimer ??= setInterval(() => this.#checkAllStarts(), START_POLL_MS);
  }

  #checkStarts(w: WorkerHandle): void {
    for (const job of w.awaitingStart) if (w.slab.claimed(job.slot, job.id)) this.#started(job);
  }

  #checkAllStarts(): void {
    let waiting = 0;
    for (const w of this.#workers) {
      this.#checkStarts(w);
      waiting += w.awaitingStart.size;
    }
    if (waiting === 0 && this.#startTimer) {
      clearInterval(this.#startTimer);
      this.#startTimer = undefined;
    }
  }

  /** Takes a task off its worker's books (it ended, was stolen, or the worker died). */
  #detach(job: HostJob): void {
    const w = job.worker;
    if (!w) return;
    w.jobs.delete(job.id);
    w.awaitingStart.delete(job);
    w.slots.give(job.slot);
    if (job.io) {
      w.io--;
      this.#ioInflight--;
    } else w.cpu--;
    job.worker = null;
  }

  /** An idle worker takes back a task still waiting on a busy one (work stealing through the slab). */
  #rebalance(idle: WorkerHandle): void {
    if (idle.state !== 'live' || idle.cpu > 0 || this.#cpuQueue.length > 0) return;
    const donors = this.#workers
      .filter((v) => v !== idle && v.state === 'live' && v.cpu > 1)
      .sort((a, b) => b.cpu - a.cpu);
    for (const v of donors) {
      const waiting = [...v.jobs.values()].reverse();
      for (const job of waiting) {
        if (job.io || job.started || job.cancelReason || job.settled) continue;
        // Moving a short task costs a round trip more than letting its worker get to it.
        const estimate = this.#costs.estimate(job.task);
        if (estimate !== undefined && estimate < STEAL_MIN_US) continue;
        if (!v.slab.steal(job.slot, job.id)) continue;
        this.#steals++;
        this.#detach(job);
        this.#dispatch(job, idle);
        return;
      }
    }
  }

  #settled(job: HostJob): void {
    this.#live.delete(job);
  }

  // ---------------------------------------------------------------- messages

  #onMessage(w: WorkerHandle, m: WorkerToHost, bytes: number): void {
    if ('id' in m) {
      const job = w.jobs.get(m.id);
      if (job) this.#runs.of(job.task.runId).bytes += bytes;
    }
    if (!w.heard) {
      w.heard = true;
      this.#barren = 0;
    }
    if (w.awaitingStart.size > 0) this.#checkStarts(w);
    switch (m.type) {
      case 'ready':
        w.ready = true;
        this.#pump();
        this.#rebalance(w);
        return;
      case 'tokens': {
        const job = w.jobs.get(m.id);
        if (!job) return;
        this.#started(job);
        const { slot, id } = job;
        const n = m.tokens.length;
        const grant = (): void => {
          if (job.worker === w && job.id === id) w.slab.grant(slot, n);
        };
        const wait = job.settled || job.cancelReason ? undefined : job.hooks.tokens(m.tokens as unknown[]);
        if (wait) void wait.then(grant, grant);
        else grant();
        return;
      }
      case 'checkpoint': {
        const job = w.jobs.get(m.id);
        if (!job || job.cancelReason) return;
        this.#started(job);
        job.checkpoint = { value: m.value };
        job.hooks.checkpoint(m.value);
        return;
      }
      case 'items': {
        const job = w.jobs.get(m.id);
        if (!job || job.cancelReason) return;
        this.#started(job);
        job.reportAll(m.indices, m.outcomes);
        return;
      }
      case 'done': {
        const job = w.jobs.get(m.id);
        if (!job) return;
        this.#started(job);
        this.#detach(job);
        if (m.outcome.ok) this.#costs.learn(job.task, m.us);
        job.complete(m.outcome);
        this.#settled(job);
        this.#pump();
        this.#rebalance(w);
        return;
      }
      case 'link': {
        const job = w.jobs.get(m.id);
        if (!job || job.settled) return;
        this.#started(job);
        job.links = m.k + 1;
        if (m.k === 0 && m.outcome.ok) this.#costs.learn(job.task, m.us);
        job.hooks.link?.(m.k, m.outcome);
        return;
      }
      case 'closed':
        w.onClosed(m.errors);
        return;
    }
  }

  // ---------------------------------------------------------------- cancellation

  #cancel(job: HostJob, reason: SerializedError): void {
    if (job.settled || job.cancelReason) return;
    job.cancelReason = reason;
    const w = job.worker;
    if (!w) {
      job.complete(failure(reason));
      this.#settled(job);
      return;
    }
    if (!job.started && w.slab.steal(job.slot, job.id)) {
      this.#detach(job);
      job.complete(failure(reason));
      this.#settled(job);
      this.#pump();
      return;
    }
    w.slab.cancel(job.slot);
    w.writer.add({ type: 'cancel', id: job.id, reason });
    w.writer.flush();
    job.graceTimer = setTimeout(() => {
      if (job.settled || job.worker !== w) return;
      // Cooperative cancellation failed: terminate the worker. Its other tasks are retried.
      w.killedFor = job;
      w.terminate();
    }, this.options.cancelGraceMs);
  }

  // ---------------------------------------------------------------- supervision

  #spawn(index: number): WorkerHandle {
    const o = this.options;
    const w = new WorkerHandle({
      index,
      slots: o.tasksPerThread + o.ioSlots + 4,
      services: this.#services,
      servicesPerRun: o.servicesPerRun,
      tokenBatch: o.tokenBatch,
      tokenFlushMs: o.tokenFlushMs,
      transferThreshold: o.transferThreshold,
      attach: (req, transfer, signal) => this.#pool.run(req, { transferList: transfer, signal }),
      onMessage: (h, m, bytes) => this.#onMessage(h, m, bytes),
      onProtocolError: (h, e) => {
        h.killedFor = null;
        h.terminate();
        void e;
      },
    });
    w.exited.then(
      () => this.#onExit(w, undefined),
      (e: unknown) => this.#onExit(w, e),
    );
    return w;
  }

  /** A worker ended: cleanly at close, or it died (crash, memory cap, hard kill). */
  #onExit(w: WorkerHandle, cause: unknown): void {
    if (w.state === 'dead') return;
    w.drain();
    const clean = w.state === 'closing';
    w.state = 'dead';
    this.#deadBytes += w.bytes;
    w.dispose();
    const jobs = [...w.jobs.values()];
    // Whose code ran when the worker died: known exactly for synchronous step code (the slab's
    // `current` cell); otherwise every task the worker had claimed and not finished is a suspect.
    const current = w.slab.current();
    const culprit = jobs.find((j) => j.id === current && !j.cancelReason);
    const running = culprit
      ? new Set([culprit])
      : new Set(jobs.filter((j) => !j.cancelReason && w.slab.claimed(j.slot, j.id)));
    const items = new Map(jobs.map((j) => [j, w.slab.item(j.slot)] as const));
    for (const j of jobs) this.#detach(j);
    if (!clean) for (const runId of new Set(jobs.map((j) => j.task.runId))) this.#runs.of(runId).restarts++;
    const killed = w.killedFor;
    const oom = (cause as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const requeue: HostJob[] = [];
    let failed = 0;
    for (const j of jobs) {
      if (j.settled) continue;
      if (j.cancelReason) {
        j.complete(failure(j.cancelReason));
        this.#settled(j);
        continue;
      }
      // A chain that reported a step cannot start again from its first: the step it was on fails.
      if (j.links > 0) {
        j.complete(failure(this.#crashError(j, cause, oom)));
        this.#settled(j);
        failed++;
        continue;
      }
      if (killed || clean) {
        requeue.push(j);
        continue;
      }
      const blamed = running.has(j) && (running.size === 1 || ++j.crashes > this.options.crashRetries);
      if (!running.has(j) && ++j.crashes > this.options.crashRetries) {
        j.complete(failure(this.#crashError(j, cause, oom)));
        this.#settled(j);
        failed++;
        continue;
      }
      if (!blamed) {
        requeue.push(j);
        continue;
      }
      const error = serializeError(this.#crashError(j, cause, oom));
      const index = items.get(j) ?? -1;
      failed++;
      if (j.task.kind === 'items' && index >= 0) {
        j.report(index, { ok: false, error });
        if (j.hasMissing) requeue.push(j);
        else {
          j.complete({ ok: true, value: null });
          this.#settled(j);
        }
      } else {
        j.complete({ ok: false, error });
        this.#settled(j);
      }
    }
    for (let i = requeue.length - 1; i >= 0; i--)
      (requeue[i]!.io ? this.#ioQueue : this.#cpuQueue).unshift(requeue[i]!);
    if (!clean && !killed && !w.heard && ++this.#barren >= BROKEN_AFTER) {
      // Workers die before serving anything: the pool cannot start (a broken build or environment).
      // Stop respawning and fail what waits, rather than loop.
      this.#broken = new WeftError(
        'WORKER_CRASHED',
        `the worker pool cannot start: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause: toError(cause) },
      );
      for (const j of [...this.#cpuQueue.drain(), ...this.#ioQueue.drain()]) {
        j.complete(failure(this.#broken));
        this.#settled(j);
      }
      return;
    }
    if (!this.#closed) {
      if (!clean) this.#restarts++;
      this.#workers[w.index] = this.#spawn(w.index);
    }
    if (!clean) {
      const message = killed
        ? `terminated: step "${killed.node}" ignored its cancellation for ${this.options.cancelGraceMs} ms`
        : cause instanceof Error
          ? cause.message
          : String(cause);
      try {
        this.options.onWorkerExit?.({
          worker: w.index,
          reason: killed ? 'killed' : oom ? 'memory' : 'crashed',
          message,
          retried: requeue.length,
          failed,
        });
      } catch {
        // a failing listener must not break supervision
      }
    }
    this.#pump();
  }

  #crashError(job: HostJob, cause: unknown, oom: boolean): WeftError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (oom) {
      return new WeftError(
        'QUOTA_EXCEEDED',
        `step "${job.node}" exceeded the worker's memory cap (${this.options.resourceLimits?.maxOldGenerationSizeMb ?? '?'} MB); the worker was recycled`,
        {
          cause: toError(cause),
          data: { resourceLimits: { ...(this.options.resourceLimits ?? {}) } },
        },
      );
    }
    return new WeftError('WORKER_CRASHED', `the worker running step "${job.node}" died: ${detail}`, {
      retryable: true,
      cause: toError(cause),
    });
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    if (this.#startTimer) clearInterval(this.#startTimer);
    this.#startTimer = undefined;
    const reason = serializeError(new WeftError('STEP_CANCELLED', 'the workers orchestrator was closed'));
    for (const job of [...this.#cpuQueue.drain(), ...this.#ioQueue.drain()]) this.#cancel(job, reason);
    for (const job of [...this.#live]) this.#cancel(job, reason);
    await Promise.all([...this.#live].map((j) => j.promise));
    await Promise.all(this.#workers.map((w) => w.close()));
    const errors = this.#workers.flatMap((w) => w.closedErrors);
    for (const w of this.#workers) {
      w.state = 'dead';
      w.dispose();
    }
    await this.#pool.destroy();
    await this.#direct.close();
    if (errors.length > 0) {
      throw new WeftError('HOOK_FAILED', `teardown failed: ${errors.map((e) => e.message).join('; ')}`, {
        data: { errors: [...errors] },
      });
    }
  }
}

/** The task's CancelSource, when its cancellation can be watched without an AbortSignal. */
function cancelSource(task: Task): CancelSource | undefined {
  const c = task.cancel;
  return c !== undefined && typeof (c as Partial<CancelSource>).onCancel === 'function'
    ? (c as CancelSource)
    : undefined;
}
