import { isPipeline, type Pipeline } from '../definition/pipeline.js';
import { WeftError } from '../errors/weft-error.js';
import type { Orchestrator, OrchestratorCapabilities } from '../orchestrator/types.js';
import { StepRegistry } from '../orchestrator/step-registry.js';
import { compile, validate } from '../plan/compile.js';
import type { ExecutionPlan, ValidationReport } from '../plan/execution-plan.js';
import type { RunEvent } from '../events/types.js';
import {
  checkRunOptions,
  resolveEngineOptions,
  type EngineOptions,
  type ResolvedEngineOptions,
  type RunOptions,
} from './options.js';
import { RunController } from './run-controller.js';
import { readSnapshot } from '../scheduler/snapshot-v1.js';
import { assertNotInWeftWorker } from './worker-guard.js';
import type { RunHandle, RunResult } from './run-result.js';

/**
 * The entry points. `execute` blocks until the run ends; `start` returns a handle at once;
 * `validate` returns a verdict as data; `resume` continues a suspended run from its snapshot.
 * @example
 * const engine = createEngine();
 * const result = await engine.execute(myPipeline, input);
 * if (result.status !== 'succeeded') console.error(result.error);
 */
export class Engine {
  readonly options: ResolvedEngineOptions;
  /** Where this engine's runs find step code; emptied by `close()`. */
  readonly steps = new StepRegistry();
  readonly #plans = new WeakMap<Pipeline, ExecutionPlan>();
  #orchestrator: Promise<Orchestrator> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #resuming = new Set<string>();
  /** Runs started and not ended: close() cancels them and waits for their end. */
  readonly #live = new Set<RunHandle>();

  constructor(options: EngineOptions = {}) {
    assertNotInWeftWorker('createEngine()');
    this.options = resolveEngineOptions(options);
    if (typeof this.options.orchestrator === 'string') this.options.registry.get(this.options.orchestrator);
  }

  /** The orchestrator, created on first use. */
  orchestrator(): Promise<Orchestrator> {
    if (!this.#orchestrator) {
      const o = this.options.orchestrator;
      this.#orchestrator =
        typeof o === 'string'
          ? Promise.resolve().then(() => {
              const { services, orchestratorOptions: options, tuning } = this.options;
              return this.options.registry.create(o, {
                services,
                options,
                ...(tuning ? { tuning: tuning.values } : {}),
              });
            })
          : Promise.resolve(o);
    }
    return this.#orchestrator;
  }

  /** Validates without running. */
  validate(p: unknown): ValidationReport {
    return validate(p);
  }

  /** Compiles (and caches) the plan; throws PIPELINE_INVALID listing every problem. */
  plan(p: Pipeline): ExecutionPlan {
    if (!isPipeline(p)) compile(p);
    let plan = this.#plans.get(p);
    if (!plan) {
      plan = compile(p);
      this.#plans.set(p, plan);
      this.steps.register(p, plan);
    }
    return plan;
  }

  /** Starts a run and returns its handle at once (the backend must declare `detached`). */
  start<O = unknown>(p: Pipeline, input?: unknown, options: RunOptions = {}): RunHandle<O> {
    return this.#start<O>(p, input, options, 'detached');
  }

  /** Runs to the end and returns the result (a failed run resolves with status `failed`; the backend must declare `blocking`). */
  execute<O = unknown>(p: Pipeline, input?: unknown, options: RunOptions = {}): Promise<RunResult<O>> {
    return this.#start<O>(p, input, options, 'blocking').result;
  }

  #start<O>(
    p: Pipeline,
    input: unknown,
    options: RunOptions,
    needs: keyof OrchestratorCapabilities,
  ): RunHandle<O> {
    this.#assertOpen();
    this.#assertCapability(needs, needs === 'detached' ? 'start' : 'execute');
    checkRunOptions(options);
    const plan = this.plan(p);
    const runId = options.runId ?? globalThis.crypto.randomUUID();
    return this.#track(
      new RunController(this.options, p, plan, input, options, runId, () => this.orchestrator()).handle,
    ) as RunHandle<O>;
  }

  /** Keeps a run's handle until it ends; a run that begins after close() is cancelled at once. */
  #track(handle: RunHandle): RunHandle {
    this.#live.add(handle);
    void handle.result.finally(() => this.#live.delete(handle));
    if (this.#closed) handle.cancel(CLOSED);
    return handle;
  }

  /** Throws ORCHESTRATOR_CAPABILITY when the backend does not declare what an entry point needs. */
  #assertCapability(needs: keyof OrchestratorCapabilities, entry: string): void {
    const o = this.options.orchestrator;
    const { name, capabilities } = typeof o === 'string' ? this.options.registry.get(o) : o;
    if (capabilities[needs]) return;
    throw new WeftError(
      'ORCHESTRATOR_CAPABILITY',
      `orchestrator "${name}" does not declare the "${needs}" capability that ${entry}() needs`,
      {
        data: { orchestrator: name, capability: needs, entry },
      },
    );
  }

  /**
   * Resumes a suspended run with `value` (seen by the suspended steps as `ctx.resume`), or an
   * interrupted one (its owner died: it starts again, its completed invocations answered by the memo).
   */
  async resume<O = unknown>(
    p: Pipeline,
    runId: string,
    value?: unknown,
    options: Omit<RunOptions, 'runId'> = {},
  ): Promise<RunHandle<O>> {
    this.#assertOpen();
    this.#assertCapability('detached', 'resume');
    checkRunOptions(options);
    const plan = this.plan(p);
    // Claimed before the first await, so two resumes of one run in this engine never both start.
    if (this.#resuming.has(runId))
      throw new WeftError('RUN_NOT_RESUMABLE', `run "${runId}" is already being resumed`);
    this.#resuming.add(runId);
    try {
      const handle = await this.#resumeClaimed<O>(p, plan, runId, value, options);
      void handle.result.finally(() => this.#resuming.delete(runId));
      return handle;
    } catch (e) {
      this.#resuming.delete(runId);
      throw e;
    }
  }

  async #resumeClaimed<O>(
    p: Pipeline,
    plan: ExecutionPlan,
    runId: string,
    value: unknown,
    options: Omit<RunOptions, 'runId'>,
  ): Promise<RunHandle<O>> {
    const runs = this.options.store.runs;
    const record = await runs.get(runId);
    if (!record) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in the run store`);
    if (record.status === 'interrupted') {
      // Its owner died mid-run: it starts again under the same id, its event numbers continuing;
      // a memo (EngineOptions.memo) answers the invocations it had completed.
      return this.#track(
        new RunController(
          this.options,
          p,
          plan,
          record.input,
          options,
          runId,
          () => this.orchestrator(),
          undefined,
          true,
        ).handle,
      ) as RunHandle<O>;
    }
    const stored = await runs.loadSnapshot(runId);
    if (record.status !== 'suspended' || !stored) {
      throw new WeftError(
        'RUN_NOT_RESUMABLE',
        `run "${runId}" is ${record.status}; only a suspended or interrupted run can be resumed`,
      );
    }
    const snapshot = readSnapshot(stored);
    if (snapshot.planId !== plan.id) {
      throw new WeftError(
        'RUN_NOT_RESUMABLE',
        `run "${runId}" was suspended under plan ${snapshot.planId} of "${snapshot.pipeline.name}", but this pipeline compiles to ${plan.id}`,
        {
          data: { expected: snapshot.planId, got: plan.id },
        },
      );
    }
    return this.#track(
      new RunController(this.options, p, plan, snapshot.input, options, runId, () => this.orchestrator(), {
        snapshot,
        value,
      }).handle,
    ) as RunHandle<O>;
  }

  /**
   * The events of a run with `seq > after`, from the store's event log, then live as they are
   * appended (across sessions: a resumed run continues the numbering), until `signal` aborts.
   * The default (ephemeral) store keeps no history: only live events come.
   * @example for await (const e of engine.events(runId, { after: 0, signal })) console.log(e.seq, e.type);
   */
  events(
    runId: string,
    o: { readonly after?: number; readonly signal?: AbortSignal } = {},
  ): AsyncIterable<RunEvent> {
    return this.options.store.events.tail(runId, o.after ?? 0, o.signal);
  }

  /**
   * Closes the engine: no run starts any more; the runs still in flight are cancelled (each ends
   * `cancelled` with RUN_CANCELLED, "the engine was closed") and awaited; then the orchestrator
   * closes, where every step actor's teardown runs once, after its last invocation, and the step
   * registry is emptied. The same on every orchestrator. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    // A resume that was loading its snapshot may add a run meanwhile: it is cancelled as it starts.
    while (this.#live.size > 0) {
      const runs = [...this.#live];
      for (const h of runs) h.cancel(CLOSED);
      await Promise.all(runs.map((h) => h.result.then(() => this.#live.delete(h))));
    }
    // An orchestrator that failed to start (bad options) has nothing to close; its runs reported why.
    const orchestrator = await this.#orchestrator?.catch(() => undefined);
    if (orchestrator) await orchestrator.close();
    this.steps.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new WeftError('OPTION_INVALID', 'the engine is closed');
  }
}

/** Why close() cancels the runs still in flight. */
const CLOSED = 'the engine was closed';

/** Creates an engine. In @weft/core the default mode is `direct`; @weft/actors makes `workers` the default. */
export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}
