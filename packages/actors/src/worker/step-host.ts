// The step-actor host inside one worker: receives frames, runs tasks (steps and chunks of map items)
// with the same shared code the main thread uses (resolveStep, ActorTable, invokeStep,
// createStepContext), streams tokens, and answers with results. Step modules are imported once per
// worker (resolveStep caches them).
import type { MessagePort } from 'node:worker_threads';
import {
  ActorTable,
  LazyAbortController,
  WeftError,
  createStepContext,
  deserializeError,
  freezeValue,
  isControl,
  invokeStep,
  refKey,
  resolveStep,
  runFunction,
  serializeError,
  settleStepResult,
  type HostServices,
  type ItemOutcome,
  type SerializedError,
  type StepCode,
  type StepContext,
  type TaskOutcome,
} from '@weft/core';
import { extractBinary, type BinRef } from '../codec/binary.js';
import { FrameReader, FrameWriter, createPackr } from '../codec/frame.js';
import { notSerializable } from '../codec/serializable.js';
import type { AttachRequest } from '../protocol/attach.js';
import type { HostToWorker, JobSpec, RunMessage } from '../protocol/host-to-worker.js';
import type { WorkerToHost } from '../protocol/worker-to-host.js';
import { decodeHostToWorker, encodeWorkerToHost } from '../protocol/wire.js';
import { Slab } from '../shared/slab.js';
import { hostProxy, runHostProxy } from './host-proxy.js';
import { TokenStream } from './token-stream.js';

/** The steps of a chain after its first are reported at least this often (ms). */
const CHAIN_FLUSH_MS = 1;

/** Partial item results are posted at least this often (ms) while a long chunk runs. */
const ITEM_FLUSH_MS = 20;

/** A task's cancel flag: its slab cell, read with Atomics (a class: an object literal with a getter is slow to create). */
class CancelFlag {
  readonly #cells: Int32Array;
  readonly #index: number;

  constructor(cell: { readonly array: Int32Array; readonly index: number }) {
    this.#cells = cell.array;
    this.#index = cell.index;
  }

  get cancelled(): boolean {
    return Atomics.load(this.#cells, this.#index) !== 0;
  }
}

/** One task as the worker runs it. */
class WorkerJob {
  readonly id: number;
  readonly slot: number;
  readonly spec: JobSpec;
  /** Its signal is created only if the step reads `ctx.signal` (an AbortSignal costs ~3 µs). */
  readonly controller = new LazyAbortController();
  readonly flag: CancelFlag;
  /** The run state as of dispatch. */
  readonly state: unknown;
  reason: SerializedError | undefined;
  tokens: TokenStream | undefined;
  /** Time the step code took, µs, when it ran synchronously from start to end (plain functions only). */
  syncUs: number | undefined;
  /** The progress of an items task: outcomes not posted yet, and whether every item ran synchronously. */
  itemRun:
    | { indices: number[]; outcomes: ItemOutcome[]; lastFlush: number; readonly began: number; sync: boolean }
    | undefined;
  /** Outcomes of an items task not posted yet: they go out with `done`. */
  lastItems: { readonly indices: number[]; readonly outcomes: ItemOutcome[] } | undefined;

  /** `flag`: the task's cancel flag when this job is one more step of a chain task (the same slot). */
  constructor(m: RunMessage, slab: Slab, state: unknown, flag?: CancelFlag) {
    this.id = m.id;
    this.state = state;
    this.slot = m.slot;
    this.spec = m.job;
    this.flag = flag ?? new CancelFlag(slab.cancelCell(m.slot));
  }

  abort(reason: SerializedError): void {
    this.reason = reason;
    this.controller.abort(deserializeError(reason));
  }

  cancelError(): SerializedError {
    return (
      this.reason ?? serializeError(new WeftError('STEP_CANCELLED', `step "${this.spec.node}" was cancelled`))
    );
  }
}

/** Serves one attach request until the host asks it to close. */
export class StepHost {
  readonly closed: Promise<void>;
  readonly #req: AttachRequest;
  readonly #port: MessagePort;
  readonly #slab: Slab;
  readonly #writer: FrameWriter<WorkerToHost>;
  readonly #reader = new FrameReader<HostToWorker>(decodeHostToWorker);
  readonly #actors = new ActorTable();
  readonly #jobs = new Map<number, WorkerJob>();
  readonly #host: HostServices;
  readonly #hostOfRun: ((runId: string) => HostServices) | undefined;
  readonly #probe = createPackr();
  /** The run state the host sent last: a task without `state` uses it (the host sends each state object once). */
  #state: unknown;
  #close!: () => void;

  constructor(req: AttachRequest) {
    this.#req = req;
    this.#port = req.port;
    this.#slab = new Slab(req.slab);
    this.#writer = new FrameWriter<WorkerToHost>(
      (data, transfer) => this.#port.postMessage(data, transfer),
      encodeWorkerToHost,
    );
    this.#host = hostProxy(req.control, req.services);
    this.#hostOfRun = req.servicesPerRun ? runHostProxy(req.control) : undefined;
    this.closed = new Promise<void>((r) => (this.#close = r));
    this.#port.on('message', (data: unknown) => this.#onFrame(data));
    this.#writer.add({ type: 'ready', worker: req.worker });
    this.#writer.flush();
  }

  #onFrame(data: unknown): void {
    try {
      this.#reader.read(data, (m) => this.#onMessage(m));
    } catch (e) {
      // A frame this worker cannot read: the host and worker disagree. Crash the worker so the
      // host's supervision sees it (its tasks are retried or failed), rather than hang.
      setImmediate(() => {
        throw e;
      });
    }
  }

  #onMessage(m: HostToWorker): void {
    switch (m.type) {
      case 'run': {
        // The state as of this message (a later one may bring a newer state before this task runs).
        // Read-only, as on the main thread: a step cannot change the state the next task here sees.
        if ('state' in m.job) this.#state = freezeValue(m.job.state);
        void this.#run(m, this.#state);
        return;
      }
      case 'cancel':
        this.#jobs.get(m.id)?.abort(m.reason);
        return;
      case 'teardown':
        void this.#teardown();
        return;
    }
  }

  async #run(m: RunMessage, state: unknown): Promise<void> {
    let code: StepCode | undefined;
    let failed: unknown;
    try {
      code = await resolveStep(m.job.ref);
    } catch (error) {
      failed = error;
    }
    // Claim right before running: until then the host may steal the task back for an idle worker,
    // and a task counts as running (to blame for a crash) only while it really runs.
    if (!this.#slab.claim(m.slot, m.id)) return;
    // A result leaves the worker when its step ends: what earlier tasks posted goes out before this
    // one's code may hold the thread (their timeouts count their own running time, not this one's).
    if (this.#writer.pending) this.#writer.flush();
    const job = new WorkerJob(m, this.#slab, state);
    this.#jobs.set(job.id, job);
    let outcome: TaskOutcome | Promise<TaskOutcome>;
    try {
      if (code === undefined) throw failed;
      if (job.flag.cancelled) outcome = { ok: false, error: job.cancelError() };
      else outcome = job.spec.kind === 'step' ? this.#runStep(job, code) : this.#runItems(job, code, 0);
    } catch (error) {
      outcome = { ok: false, error: serializeError(error) };
    }
    // Synchronous work ends here, in this very turn: its result is written before any other task
    // queued on this worker begins (awaiting it would run those first).
    if (outcome instanceof Promise) {
      try {
        outcome = await outcome;
      } catch (error) {
        outcome = { ok: false, error: serializeError(error) };
      }
    }
    if (job.spec.chain && job.spec.kind === 'step') return this.#chain(m, job, outcome, state);
    this.#jobs.delete(job.id);
    this.#slab.finish(job.slot, job.id);
    if (job.lastItems) this.#items(job, job.lastItems.indices, job.lastItems.outcomes);
    this.#done(job, outcome, job.syncUs === undefined ? {} : { us: job.syncUs });
  }

  /**
   * A chain task (see core's `Task.chain`): each step that ran is reported as it ends (`link`), and
   * the next one runs here with its output while it is a plain value and nothing cancelled the task.
   * The host decides whether it takes each step; the task's `done` follows the last.
   */
  async #chain(m: RunMessage, first: WorkerJob, outcome: TaskOutcome, state: unknown): Promise<void> {
    const chain = first.spec.chain!;
    const base = first.spec;
    let codes: PromiseSettledResult<StepCode>[] | undefined;
    let job = first;
    let k = 0;
    let flushed = performance.now();
    for (;;) {
      const sent = this.#link(job, k, outcome);
      // The first step's result leaves at once (its timeout, if any, counts its own running time);
      // the next ones by the millisecond, so the host takes them in batches.
      const now = performance.now();
      if (k === 0 || now - flushed >= CHAIN_FLUSH_MS) {
        this.#writer.flush();
        flushed = now;
      }
      if (k >= chain.length || !sent || job.flag.cancelled) break;
      // Every step's code at once: one wait for the chain, not one per step.
      codes ??= await Promise.allSettled(chain.map((l) => resolveStep(l.ref)));
      const link = chain[k]!;
      const code = codes[k]!;
      k++;
      this.#writer.coalesce(CHAIN_FLUSH_MS);
      const spec: JobSpec = {
        kind: 'step',
        runId: base.runId,
        path: base.path,
        node: link.node,
        ref: link.ref,
        params: link.params,
        attempt: 1,
        input: sent.value,
      };
      job = new WorkerJob({ type: 'run', id: m.id, slot: m.slot, job: spec }, this.#slab, state, first.flag);
      this.#jobs.set(job.id, job);
      try {
        if (code.status === 'rejected') throw code.reason;
        const r = this.#runStep(job, code.value);
        outcome = r instanceof Promise ? await r : r;
      } catch (error) {
        outcome = { ok: false, error: serializeError(error) };
      }
    }
    this.#jobs.delete(m.id);
    this.#slab.finish(m.slot, m.id);
    this.#writer.add({ type: 'done', id: m.id, outcome: { ok: true, value: null } });
    this.#writer.flush();
  }

  /**
   * Reports step `k` of a chain. Returns its value when the chain may go on with it (a plain value
   * that could be sent), undefined otherwise. Binaries are copied, not transferred: the next step
   * may still read them.
   */
  #link(job: WorkerJob, k: number, outcome: TaskOutcome): { readonly value: unknown } | undefined {
    const cost = job.syncUs === undefined ? {} : { us: job.syncUs };
    if (outcome.ok) {
      try {
        this.#writer.add({ type: 'link', id: job.id, k, outcome, ...cost });
        return isControl(outcome.value) ? undefined : { value: outcome.value };
      } catch (cause) {
        outcome = {
          ok: false,
          error: serializeError(
            notSerializable(`the output of step "${job.spec.node}"`, outcome.value, cause, 'output'),
          ),
        };
      }
    }
    this.#writer.add({ type: 'link', id: job.id, k, outcome, ...cost });
    return undefined;
  }

  /** Runs a step task: synchronously to the end when it is a plain function that returns a value. */
  #runStep(job: WorkerJob, code: StepCode): TaskOutcome | Promise<TaskOutcome> {
    const s = job.spec;
    if (typeof code === 'function') {
      // A plain function is stateless: no actor instance, and a synchronous one is timed.
      const ctx = this.#context(job, s.attempt, undefined, undefined);
      const began = performance.now();
      const r = this.#enter(job, () => code(s.input, ctx));
      if (!isPending(r)) {
        job.syncUs = (performance.now() - began) * 1000;
        return { ok: true, value: r };
      }
      return settleStepResult(r, ctx, this.#sink(job)).then((value): TaskOutcome => {
        job.tokens?.end();
        return { ok: true, value };
      });
    }
    return this.#actors
      .run(refKey(s.ref), code, s.params, s.node, (actor) =>
        this.#enter(job, () =>
          invokeStep(code, s.input, this.#context(job, s.attempt, undefined, actor), this.#sink(job)),
        ),
      )
      .then((value): TaskOutcome => {
        job.tokens?.end();
        return { ok: true, value };
      });
  }

  /**
   * Runs the items of a chunk from `from` on: synchronously while they are plain functions that
   * return values (the whole chunk ends in this turn), switching to a promise at the first item
   * that must be awaited. Outcomes are posted in batches as they pile up.
   */
  #runItems(job: WorkerJob, code: StepCode, from: number): TaskOutcome | Promise<TaskOutcome> {
    const s = job.spec;
    const items = s.items ?? [];
    const plain = typeof code === 'function';
    const fn = runFunction(code);
    const run = (job.itemRun ??= {
      indices: [],
      outcomes: [],
      lastFlush: performance.now(),
      began: performance.now(),
      sync: plain,
    });
    for (let k = from; k < items.length; k++) {
      if (job.flag.cancelled) return { ok: false, error: job.cancelError() };
      const index = s.indices?.[k] ?? k;
      const attempt = s.attempts?.[k] ?? s.attempt;
      const item = items[k];
      this.#slab.setItem(job.slot, index);
      if (plain) {
        const ctx = this.#context(job, attempt, index, undefined);
        this.#slab.setCurrent(job.id);
        let r: unknown;
        try {
          r = fn(item, ctx);
        } catch (error) {
          this.#slab.setCurrent(0);
          this.#itemEnded(job, index, { ok: false, error: serializeError(error) });
          continue;
        }
        this.#slab.setCurrent(0);
        if (!isPending(r)) {
          this.#itemEnded(job, index, { ok: true, value: r });
          continue;
        }
        run.sync = false;
        return settleStepResult(r, ctx, this.#sink(job)).then(
          (value) => this.#itemThen(job, code, k, index, { ok: true, value }),
          (error: unknown) =>
            this.#itemThen(job, code, k, index, { ok: false, error: serializeError(error) }),
        );
      }
      return this.#actors
        .run(refKey(s.ref), code, s.params, s.node, (actor) =>
          this.#enter(job, () =>
            invokeStep(code, item, this.#context(job, attempt, index, actor), this.#sink(job)),
          ),
        )
        .then(
          (value) => this.#itemThen(job, code, k, index, { ok: true, value }),
          (error: unknown) =>
            this.#itemThen(job, code, k, index, { ok: false, error: serializeError(error) }),
        );
    }
    if (run.sync) job.syncUs = (performance.now() - run.began) * 1000;
    job.tokens?.end();
    // The last outcomes go out with `done`, in the same frame: posted from here, they would leave
    // alone, and the host would wake twice per chunk.
    job.lastItems = { indices: run.indices, outcomes: run.outcomes };
    return { ok: true, value: null };
  }

  /** An awaited item ended: record it and go on with the next ones. */
  #itemThen(
    job: WorkerJob,
    code: StepCode,
    k: number,
    index: number,
    outcome: ItemOutcome,
  ): TaskOutcome | Promise<TaskOutcome> {
    this.#itemEnded(job, index, outcome);
    return this.#runItems(job, code, k + 1);
  }

  /** Records an item's outcome; a long chunk posts what it has every ITEM_FLUSH_MS. */
  #itemEnded(job: WorkerJob, index: number, outcome: ItemOutcome): void {
    const run = job.itemRun!;
    run.indices.push(index);
    run.outcomes.push(outcome);
    if ((run.indices.length & 15) === 0 && performance.now() - run.lastFlush >= ITEM_FLUSH_MS) {
      this.#items(job, run.indices, run.outcomes);
      this.#writer.flush();
      run.indices = [];
      run.outcomes = [];
      run.lastFlush = performance.now();
    }
  }

  /** Runs the synchronous part of step code with the slab saying whose code it is (to blame a crash). */
  #enter<T>(job: WorkerJob, fn: () => T): T {
    this.#slab.setCurrent(job.id);
    try {
      return fn();
    } finally {
      this.#slab.setCurrent(0);
    }
  }

  #context(job: WorkerJob, attempt: number, index: number | undefined, actor: unknown): StepContext {
    const s = job.spec;
    return createStepContext({
      runId: s.runId,
      step: s.node,
      path: s.path,
      attempt,
      index,
      state: job.state,
      params: s.params,
      resume: s.resume?.value,
      signal: () => job.controller.signal,
      flag: job.flag,
      lastCheckpoint: s.lastCheckpoint,
      actor,
      host: this.#hostOfRun ? this.#hostOfRun(s.runId) : this.#host,
      onCheckpoint: (value) => this.#checkpoint(job, value),
    });
  }

  #sink(job: WorkerJob): (tokens: unknown[]) => void | Promise<void> {
    job.tokens ??= new TokenStream({
      id: job.id,
      slot: job.slot,
      step: job.spec.node,
      slab: this.#slab,
      writer: this.#writer,
      batch: this.#req.tokenBatch,
      flushMs: this.#req.tokenFlushMs,
    });
    return job.tokens.push;
  }

  #checkpoint(job: WorkerJob, value: unknown): void {
    try {
      this.#writer.add({ type: 'checkpoint', id: job.id, value });
    } catch (cause) {
      throw notSerializable(`the checkpoint of step "${job.spec.node}"`, value, cause, 'checkpoint');
    }
  }

  /** Posts item outcomes; an item whose value cannot be encoded becomes a NOT_SERIALIZABLE failure. */
  #items(job: WorkerJob, indices: number[], outcomes: ItemOutcome[]): void {
    if (indices.length === 0) return;
    const bin: BinRef[] = [];
    const before = this.#writer.attachmentCount;
    const threshold = this.#req.transferThreshold;
    const sent = outcomes.map((o, k) =>
      o.ok
        ? {
            ok: true as const,
            value: extractBinary(
              o.value,
              ['outcomes', k, 'value'],
              threshold,
              (b) => this.#writer.attach(b),
              bin,
            ),
          }
        : o,
    );
    try {
      this.#writer.add({
        type: 'items',
        id: job.id,
        indices,
        outcomes: sent,
        ...(bin.length > 0 ? { bin } : {}),
      });
      return;
    } catch {
      this.#writer.dropAttachments(before);
    }
    const checked = outcomes.map((o, k): ItemOutcome => {
      if (!o.ok) return o;
      try {
        this.#probe.pack(o.value);
        return o;
      } catch (cause) {
        return {
          ok: false,
          error: serializeError(
            notSerializable(
              `the output of step "${job.spec.node}" for item ${indices[k]}`,
              o.value,
              cause,
              'output',
            ),
          ),
        };
      }
    });
    this.#writer.add({ type: 'items', id: job.id, indices, outcomes: checked });
  }

  #done(job: WorkerJob, outcome: TaskOutcome, cost: { readonly us?: number }): void {
    if (outcome.ok && outcome.value !== null) {
      const bin: BinRef[] = [];
      const before = this.#writer.attachmentCount;
      const value = extractBinary(
        outcome.value,
        ['outcome', 'value'],
        this.#req.transferThreshold,
        (b) => this.#writer.attach(b),
        bin,
      );
      try {
        this.#writer.add({
          type: 'done',
          id: job.id,
          outcome: { ok: true, value },
          ...cost,
          ...(bin.length > 0 ? { bin } : {}),
        });
        return;
      } catch (cause) {
        this.#writer.dropAttachments(before);
        outcome = {
          ok: false,
          error: serializeError(
            notSerializable(`the output of step "${job.spec.node}"`, outcome.value, cause, 'output'),
          ),
        };
      }
    }
    this.#writer.add({ type: 'done', id: job.id, outcome, ...cost });
  }

  async #teardown(): Promise<void> {
    const errors = await this.#actors.teardown();
    this.#writer.add({ type: 'closed', errors: errors.map((e) => serializeError(e)) });
    this.#writer.flush();
    this.#port.close();
    this.#req.control.close();
    this.#close();
  }
}

/** True when a step's return value needs settling (a promise or a generator). */
function isPending(r: unknown): boolean {
  if (r === null || (typeof r !== 'object' && typeof r !== 'function')) return false;
  return (
    typeof (r as { then?: unknown }).then === 'function' ||
    typeof (r as { next?: unknown }).next === 'function'
  );
}
