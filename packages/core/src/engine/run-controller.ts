import type { TimerHandle } from '../clock/clock.js';
import type { Pipeline } from '../definition/pipeline.js';
import { WeftError, serializeError, toWeftError } from '../errors/weft-error.js';
import { EventHub } from '../events/event-hub.js';
import { MetricsCollector } from '../events/metrics.js';
import { ObserverErrors } from '../events/observer-errors.js';
import type { EventBody, Observer, RunEvent, RunStatus } from '../events/types.js';
import { noOrchestrator } from '../orchestrator/none.js';
import type { Orchestrator } from '../orchestrator/types.js';
import type { ExecutionPlan } from '../plan/execution-plan.js';
import { RunRuntime, type ExecutionOutcome } from '../runtime/run-runtime.js';
import { ROOT } from '../scheduler/schedule.js';
import type { RunSnapshot } from '../runtime/snapshot.js';
import { RunSupervisor, type RunEffect } from '../supervisor/run-machine.js';
import type { ResolvedEngineOptions, RunOptions } from './options.js';
import { persistOutcome } from './run-outcome.js';
import { RunJournal } from './run-journal.js';
import type { RunHandle, RunResult } from './run-result.js';

/**
 * Drives one top-level run through the run machine: startup hooks, the execution, run timeout and
 * cancellation, shutdown hooks, persistence, and exactly one `run.finish` event.
 */
export class RunController {
  readonly handle: RunHandle;
  readonly #o: ResolvedEngineOptions;
  readonly #pipeline: Pipeline;
  readonly #plan: ExecutionPlan;
  readonly #input: unknown;
  readonly #run: RunOptions;
  readonly #runId: string;
  readonly #hub: EventHub;
  readonly #metrics = new MetricsCollector();
  readonly #supervisor = new RunSupervisor();
  readonly #resumeFrom: { snapshot: RunSnapshot; value: unknown } | undefined;
  readonly #recover: boolean;
  readonly #journal: RunJournal;
  #orchestrator!: Orchestrator;
  #execution: RunRuntime | undefined;
  /** The last event number: events are numbered per run, continuing the previous session's. */
  #seq = 0;
  /** The last event number before this session. */
  #seqBase = 0;
  #startedAt = 0;
  #timer: TimerHandle | null = null;
  #outcome: ExecutionOutcome | undefined;
  readonly #observerErrors = new ObserverErrors();
  #pendingCancel: string | undefined;
  #resolve!: (r: RunResult) => void;

  constructor(
    o: ResolvedEngineOptions,
    pipeline: Pipeline,
    plan: ExecutionPlan,
    input: unknown,
    run: RunOptions,
    runId: string,
    getOrchestrator: () => Promise<Orchestrator>,
    resumeFrom?: { snapshot: RunSnapshot; value: unknown },
    recover = false,
  ) {
    this.#o = o;
    this.#pipeline = pipeline;
    this.#plan = plan;
    this.#input = input;
    this.#run = run;
    this.#runId = runId;
    this.#resumeFrom = resumeFrom;
    this.#recover = recover;
    this.#hub = new EventHub(run.eventBuffer ?? o.eventBuffer);
    this.#journal = new RunJournal(o.store, runId, (e) => this.#storeFault(e));
    if (o.tuning) this.#metrics.extra['tuning'] = { profile: o.tuning.profile, values: o.tuning.values };
    for (const obs of [...o.observers, ...(run.observers ?? [])])
      this.#hub.observe(this.#observerErrors.guard((e) => obs.onEvent(e)));
    if (run.on) {
      const on = run.on as Record<string, ((e: RunEvent) => void) | undefined>;
      this.#hub.observe(this.#observerErrors.guard((e) => on[e.type]?.(e)));
    }
    const result = new Promise<RunResult>((r) => (this.#resolve = r));
    this.handle = {
      runId,
      events: () => this.#hub.subscribe(),
      result,
      cancel: (reason = 'cancelled by the caller') => this.#cancel(reason),
    };
    if (run.signal) {
      const signal = run.signal;
      if (signal.aborted) queueMicrotask(() => this.#cancel(reasonOf(signal)));
      else signal.addEventListener('abort', () => this.#cancel(reasonOf(signal)), { once: true });
    }
    queueMicrotask(() => void this.#begin(getOrchestrator));
  }

  async #begin(getOrchestrator: () => Promise<Orchestrator>): Promise<void> {
    this.#startedAt = this.#o.clock.now();
    const mode = this.#o.orchestrator;
    try {
      const firstSeq = await this.#journal.open({
        kind: this.#resumeFrom ? 'resume' : this.#recover ? 'recover' : 'start',
        pipeline: this.#plan.name,
        module: this.#plan.module,
        planId: this.#plan.id,
        input: this.#input,
        orchestrator: typeof mode === 'string' ? mode : mode.name,
        ...(this.#run.tenant !== undefined ? { tenant: this.#run.tenant } : {}),
        ...(this.#run.tags !== undefined ? { tags: this.#run.tags } : {}),
        ...(this.#run.source !== undefined ? { source: this.#run.source } : {}),
      });
      this.#seq = this.#seqBase = firstSeq - 1;
    } catch (e) {
      this.#orchestrator = noOrchestrator;
      this.#failToStart(toWeftError(e, 'STORE_IO'));
      return;
    }
    try {
      this.#orchestrator = await getOrchestrator();
    } catch (e) {
      this.#orchestrator = noOrchestrator;
      this.#failToStart(toWeftError(e, 'ORCHESTRATOR_UNKNOWN'));
      return;
    }
    this.#perform(this.#supervisor.send({ type: 'START' }));
  }

  /** The store failed (disk full, I/O, corruption): the run stops, resumable once the fault is fixed. */
  #storeFault(error: WeftError): void {
    // Events are written only once the run has started.
    if (this.#supervisor.done || this.#outcome || this.#supervisor.state === 'created') return;
    this.#outcome = { status: 'failed', error };
    this.#perform(this.#supervisor.send({ type: 'FAIL' }));
  }

  /** The run could not start (no orchestrator, a failing store): still one run.start and one run.finish. */
  #failToStart(error: WeftError): void {
    this.#emit([], {
      type: 'run.start',
      pipeline: this.#plan.name,
      planId: this.#plan.id,
      orchestrator: this.#orchestrator.name,
      resumed: this.#resumeFrom !== undefined,
    });
    this.#outcome = { status: 'failed', error };
    this.#perform(this.#supervisor.send({ type: 'FAIL' }));
  }

  #perform(effects: RunEffect[]): void {
    for (const effect of effects) {
      switch (effect) {
        case 'runStartup':
          this.#emit([], {
            type: 'run.start',
            pipeline: this.#plan.name,
            planId: this.#plan.id,
            orchestrator: this.#orchestrator.name,
            resumed: this.#resumeFrom !== undefined,
          });
          for (const w of this.#run.warnings ?? [])
            this.#emit([], { type: 'warning', code: w.code, message: w.message });
          if (this.#pendingCancel !== undefined) this.#cancel(this.#pendingCancel);
          // Cancelled before the start, or by an observer of run.start.
          if (this.#supervisor.done) break;
          if (this.#run.timeoutMs !== undefined) {
            const ms = this.#run.timeoutMs;
            this.#timer = this.#o.clock.setTimeout(() => this.#timeout(ms), ms);
          }
          void this.#startup();
          break;
        case 'pump':
          this.#startExecution();
          break;
        case 'holdDispatch':
          break;
        case 'abortInflight':
          if (
            this.#execution &&
            this.#outcome &&
            this.#outcome.status !== 'succeeded' &&
            this.#outcome.status !== 'suspended'
          ) {
            this.#execution.abort(this.#outcome.status, this.#outcome.error);
          }
          break;
        case 'finalize':
          void this.#finalize();
          break;
      }
    }
  }

  async #startup(): Promise<void> {
    const hook = this.#pipeline.options.hooks?.startup;
    if (hook) {
      // Startup runs before every execution, a resumed one included (shutdown ran when it suspended).
      const state = this.#resumeFrom
        ? this.#resumeFrom.snapshot.execs[ROOT]!.state
        : Object.fromEntries(
            Object.entries(this.#plan.state).map(([k, v]) => [k, structuredClone(v.initial)]),
          );
      try {
        await hook({
          runId: this.#runId,
          input: this.#input,
          state,
          resumed: this.#resumeFrom !== undefined,
        });
      } catch (e) {
        this.#outcome = {
          status: 'failed',
          error: new WeftError('HOOK_FAILED', `startup hook failed: ${(e as Error).message}`, { cause: e }),
        };
        this.#perform(this.#supervisor.send({ type: 'FAIL' }));
        return;
      }
    }
    this.#perform(this.#supervisor.send({ type: 'STARTED' }));
  }

  #startExecution(): void {
    const overrides = new Map(Object.entries(this.#run.overrides ?? {}));
    const exec = new RunRuntime({
      runId: this.#runId,
      plan: this.#plan,
      pipeline: this.#pipeline,
      orchestrator: this.#orchestrator,
      hub: this.#hub,
      clock: this.#o.clock,
      random: this.#o.random,
      metrics: this.#metrics,
      options: {
        maxSteps: this.#run.maxSteps ?? this.#o.maxSteps,
        maxConcurrency: this.#run.maxConcurrency ?? this.#o.maxConcurrency,
        chunkSize: this.#run.chunkSize ?? this.#o.chunkSize,
        overrides,
        memo: this.#o.memo,
      },
      emit: (path, body) => this.#emit(path, body),
    });
    this.#execution = exec;
    const done = this.#resumeFrom
      ? exec.resume(this.#resumeFrom.snapshot, this.#resumeFrom.value)
      : exec.start(this.#input);
    void done.then((o) => {
      if (this.#supervisor.done) return;
      this.#outcome = o;
      switch (o.status) {
        case 'succeeded':
          this.#perform(this.#supervisor.send({ type: 'COMPLETE' }));
          break;
        case 'suspended':
          this.#perform(this.#supervisor.send({ type: 'SUSPEND' }));
          this.#perform(this.#supervisor.send({ type: 'DRAINED' }));
          break;
        case 'failed':
          this.#perform(this.#supervisor.send({ type: 'FAIL' }));
          break;
        case 'cancelled':
          this.#perform(this.#supervisor.send({ type: 'CANCEL' }));
          break;
        case 'timedOut':
          this.#perform(this.#supervisor.send({ type: 'TIMEOUT' }));
          break;
      }
    });
  }

  #cancel(reason: string): void {
    if (this.#supervisor.done || this.#outcome) return;
    if (this.#supervisor.state === 'created') {
      // Cancelled before it began: still one start and one finish, and no step runs in between.
      this.#pendingCancel ??= reason;
      return;
    }
    this.#emit([], { type: 'run.cancel', reason });
    this.#outcome = {
      status: 'cancelled',
      error: new WeftError('RUN_CANCELLED', `run cancelled: ${reason}`, { data: { reason } }),
    };
    this.#perform(this.#supervisor.send({ type: 'CANCEL' }));
  }

  #timeout(ms: number): void {
    this.#timer = null;
    if (this.#supervisor.done || this.#outcome) return;
    this.#emit([], { type: 'run.timeout', timeoutMs: ms });
    this.#outcome = {
      status: 'timedOut',
      error: new WeftError('RUN_TIMEOUT', `run exceeded its ${ms} ms timeout`, { data: { timeoutMs: ms } }),
    };
    this.#perform(this.#supervisor.send({ type: 'TIMEOUT' }));
  }

  async #finalize(): Promise<void> {
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    const outcome = this.#outcome ?? {
      status: 'failed' as const,
      error: new WeftError('INTERNAL', 'run ended without an outcome'),
    };
    const status: RunStatus = outcome.status;
    const shutdown = this.#pipeline.options.hooks?.shutdown;
    if (shutdown) {
      try {
        await shutdown({ runId: this.#runId, status });
      } catch (e) {
        this.#emit([], {
          type: 'warning',
          code: 'HOOK_FAILED',
          message: `shutdown hook failed: ${(e as Error).message}`,
        });
      }
    }
    const persisted = await persistOutcome(
      this.#o.store.runs,
      this.#runId,
      outcome,
      this.#resumeFrom !== undefined,
      this.#run.commitOutput,
    );
    if (persisted.suspended) this.#emit([], { type: 'run.suspend', reasons: persisted.suspended });
    const { status: finalStatus, error, output } = persisted;
    const durationMs = this.#o.clock.now() - this.#startedAt;
    const stats = this.#orchestrator.stats(this.#runId);
    // The backend lets go of the run while the journal closes; both are done when the result resolves.
    const released = this.#orchestrator.endRun?.(this.#runId).catch(() => undefined);
    this.#reportObserverErrors();
    // Counted by seq: events emitted while another was being delivered reach the metrics observer later.
    const metrics = {
      ...this.#metrics.snapshot(durationMs, this.#orchestrator.name, stats),
      events: this.#seq - this.#seqBase + 1,
    };
    this.#emit([], {
      type: 'run.finish',
      status: finalStatus,
      durationMs,
      ...(error ? { error: serializeError(error) } : {}),
      metrics,
    });
    this.#hub.close();
    const [fault] = await Promise.all([
      this.#journal.close({
        status: finalStatus,
        ...(output !== undefined ? { output } : {}),
        ...(error ? { error } : {}),
        metrics,
      }),
      released,
    ]);
    // A store fault at the very end (the last batch, the final record) still fails the result: the
    // run is recorded `interrupted` (or is reconciled so) and resumes once the fault is fixed.
    const late = fault !== undefined && fault !== error;
    this.#resolve({
      runId: this.#runId,
      status: late ? 'failed' : finalStatus,
      output: late ? undefined : output,
      state: this.#execution?.state ?? {},
      outputs: this.#execution?.outputs ?? {},
      error: late ? fault : error,
      suspended: persisted.suspended && !late ? persisted.suspended : [],
      durationMs,
      metrics,
    });
  }

  #emit(path: readonly string[], body: EventBody): void {
    if (this.#hub.closed) return;
    // The metrics read the body; the event itself is built only when someone receives it.
    this.#metrics.onEvent(path, body);
    const journal = this.#journal;
    if (!this.#hub.listened && !journal.wants) {
      ++this.#seq;
      return this.#hub.pass();
    }
    const event = {
      runId: this.#runId,
      seq: ++this.#seq,
      time: this.#o.clock.now(),
      path,
      ...body,
    } as RunEvent;
    // Journalled first: the store numbers what observers see, whatever an observer then does.
    journal.onEvent(event);
    this.#hub.emit(event);
    // Nothing follows run.finish: an observer failing on it can no longer be reported.
    if (this.#observerErrors.pending && body.type !== 'run.finish') this.#reportObserverErrors();
  }

  #reportObserverErrors(): void {
    for (const message of this.#observerErrors.take())
      this.#emit([], { type: 'warning', code: 'OBSERVER_FAILED', message });
  }
}

function reasonOf(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r.message;
  return typeof r === 'string' ? r : 'aborted';
}

export type { Observer };
