import {
  Engine,
  WeftError,
  type Clock,
  type OrchestratorRegistry,
  type RunHandle,
  type RunResult,
} from '@weft/core';
import { type HostServices } from '@weft/core/orchestrator';
import type { Store } from '@weft/core/store';
import type { Principal } from '../auth/bearer-auth.js';
import type { RegisteredPipeline } from '../pipelines/pipeline-table.js';
import { TERMINAL } from './run-body.js';

/** A run this service is driving now. */
export interface ActiveRun {
  readonly runId: string;
  readonly pipeline: RegisteredPipeline;
  readonly mode: string;
  readonly tenant: string | null;
  readonly handle: RunHandle;
  /** Settles when the run ends (whatever its status). */
  readonly result: Promise<RunResult>;
}

/** A new run as a request asks for it (checked already: mode, pipeline, quotas). */
export interface StartRequest {
  readonly pipeline: RegisteredPipeline;
  readonly input: unknown;
  readonly mode: string;
  readonly principal: Principal;
  readonly runId?: string;
  readonly timeoutMs?: number;
  readonly tags?: readonly string[];
}

/** What the run service needs. */
export interface RunServiceDeps {
  readonly store: Store;
  readonly registry: OrchestratorRegistry;
  readonly orchestratorOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly clock: Clock;
  readonly services?: HostServices;
}

/**
 * Drives runs for the HTTP routes: one engine per orchestration mode (created on first use; the
 * default mode's at start-up), the table of active runs, cancel and resume with their audit
 * records, and the drain at shutdown.
 */
export class RunService {
  readonly #d: RunServiceDeps;
  readonly #engines = new Map<string, Engine>();
  readonly #active = new Map<string, ActiveRun>();
  readonly #claimed = new Set<string>();
  #accepting = true;

  constructor(deps: RunServiceDeps) {
    this.#d = deps;
  }

  /** The engine of a mode (created once). */
  engine(mode: string): Engine {
    let e = this.#engines.get(mode);
    if (!e) {
      e = new Engine({
        orchestrator: mode,
        registry: this.#d.registry,
        orchestratorOptions: this.#d.orchestratorOptions[mode] ?? {},
        // The engine writes the record, the sessions and the numbered events (continuous across
        // sessions) to the store; the routes read them back from there.
        store: this.#d.store,
        ...(this.#d.services ? { services: this.#d.services } : {}),
      });
      this.#engines.set(mode, e);
    }
    return e;
  }

  /** Creates the backend of a mode now (its pool warms up before the first request). */
  async warm(mode: string): Promise<void> {
    await this.engine(mode).orchestrator();
  }

  /** True until shutdown begins. */
  get accepting(): boolean {
    return this.#accepting;
  }

  /** The run, when this service is driving it. */
  active(runId: string): ActiveRun | undefined {
    return this.#active.get(runId);
  }

  /** Every run this service drives now. */
  activeRuns(): readonly ActiveRun[] {
    return [...this.#active.values()];
  }

  /** Starts a run; RUN_EXISTS when its id is taken, SHUTTING_DOWN once shutdown began. */
  async start(req: StartRequest): Promise<ActiveRun> {
    this.#assertAccepting();
    if (req.runId !== undefined) await this.#claim(req.runId);
    // An id of its own (a random UUID) is taken by no run: no store read on the execute path.
    const runId = req.runId ?? globalThis.crypto.randomUUID();
    const tenant = req.principal.tenant;
    const handle = this.engine(req.mode).start(req.pipeline.pipeline, req.input, {
      runId,
      tags: req.tags ?? [],
      ...(tenant !== null ? { tenant } : {}),
      ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
    });
    return this.#track(runId, req.pipeline, req.mode, req.principal.tenant, handle);
  }

  /**
   * Resumes a suspended run with `value`, or recovers an interrupted one (its owner died: it runs
   * again under its id, its events numbered after the last one logged); RUN_NOT_SUSPENDED (409)
   * otherwise.
   */
  async resume(
    runId: string,
    pipeline: RegisteredPipeline,
    value: unknown,
    mode: string,
    principal: Principal,
  ): Promise<ActiveRun> {
    this.#assertAccepting();
    if (this.#active.has(runId)) throw notSuspended(runId, 'running');
    const rec = await this.#d.store.runs.get(runId);
    if (!rec) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}"`, { data: { runId } });
    if (!RESUMABLE.has(rec.status)) throw notSuspended(runId, rec.status);
    const handle = await this.engine(mode).resume(pipeline.pipeline, runId, value);
    this.#audit(runId, principal, 'resume', { orchestrationMode: mode });
    return this.#track(runId, pipeline, mode, rec.tenant ?? null, handle);
  }

  /**
   * Cancels a run cooperatively (the backend terminates what does not stop within its grace).
   * A run this service does not drive: RUN_FINISHED when it has ended, RUN_BUSY when another
   * process runs it.
   */
  async cancel(runId: string, reason: string, principal: Principal): Promise<ActiveRun> {
    const run = this.#active.get(runId);
    if (!run) {
      const rec = await this.#d.store.runs.get(runId);
      if (!rec) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}"`, { data: { runId } });
      if (TERMINAL.has(rec.status) || rec.status === 'suspended' || rec.status === 'interrupted') {
        throw new WeftError('RUN_FINISHED', `run "${runId}" is ${rec.status}: there is nothing to cancel`, {
          data: { runId, status: rec.status },
        });
      }
      throw new WeftError('RUN_BUSY', `run "${runId}" is run by another process; cancel it there`, {
        data: { runId, status: rec.status },
      });
    }
    this.#audit(runId, principal, 'cancel', { reason });
    run.handle.cancel(reason);
    return run;
  }

  /** Forgets a run that is not active: record, events, snapshot. */
  async delete(runId: string): Promise<void> {
    if (this.#active.has(runId)) {
      throw new WeftError('RUN_BUSY', `run "${runId}" is running; cancel it before deleting it`, {
        data: { runId },
      });
    }
    const rec = await this.#d.store.runs.get(runId);
    if (!rec) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}"`, { data: { runId } });
    if (rec.status === 'running') {
      throw new WeftError('RUN_BUSY', `run "${runId}" is run by another process`, { data: { runId } });
    }
    await this.#d.store.runs.delete(runId);
  }

  /** From now on, new runs and resumes are refused with SHUTTING_DOWN (503). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /**
   * Shutdown: take no new run; wait up to `graceMs` for the active runs; cancel what is left and
   * wait for it to settle; close the engines (worker threads end here).
   */
  async drain(graceMs: number): Promise<void> {
    this.stopAccepting();
    const pending = () => [...this.#active.values()].map((r) => r.result);
    if (this.#active.size > 0)
      await Promise.race([Promise.allSettled(pending()), delay(this.#d.clock, graceMs)]);
    for (const r of this.#active.values()) r.handle.cancel('the service is shutting down');
    // A run's result settles once its last events and final record are in the store.
    await Promise.allSettled(pending());
    await this.close();
  }

  /** Closes every engine (and so every backend). Never rejects; returns the failures. */
  async close(): Promise<string[]> {
    const failures: string[] = [];
    for (const [mode, e] of [...this.#engines].reverse()) {
      try {
        await e.close();
      } catch (err) {
        failures.push(`orchestrator ${mode}: ${(err as Error).message}`);
      }
    }
    this.#engines.clear();
    return failures;
  }

  /** Checks that a client's run id is free (RUN_EXISTS otherwise), then that shutdown has not begun. */
  async #claim(runId: string): Promise<void> {
    // Claimed before the first await: two requests for one id never both start it.
    if (this.#active.has(runId) || this.#claimed.has(runId)) throw exists(runId);
    this.#claimed.add(runId);
    try {
      if (await this.#d.store.runs.get(runId)) throw exists(runId);
    } finally {
      this.#claimed.delete(runId);
    }
    this.#assertAccepting();
  }

  #track(
    runId: string,
    pipeline: RegisteredPipeline,
    mode: string,
    tenant: string | null,
    handle: RunHandle,
  ): ActiveRun {
    const run: ActiveRun = { runId, pipeline, mode, tenant, handle, result: handle.result };
    this.#active.set(runId, run);
    void handle.result.finally(() => {
      if (this.#active.get(runId) === run) this.#active.delete(runId);
    });
    return run;
  }

  #audit(runId: string, p: Principal, action: string, extra: Record<string, unknown>): void {
    this.#d.store.audit.append([
      { runId, kind: 'action', body: { action, principal: p.name, tenant: p.tenant, ...extra } },
    ]);
    this.#d.store.audit.flush();
  }

  #assertAccepting(): void {
    if (!this.#accepting)
      throw new WeftError('SHUTTING_DOWN', 'the service is shutting down and takes no new runs', {
        data: { retryAfter: 5 },
      });
  }
}

/** What POST /v1/runs/{id}/resume accepts: suspended runs, and interrupted ones (owner gone). */
export const RESUMABLE: ReadonlySet<string> = new Set(['suspended', 'interrupted']);

function exists(runId: string): WeftError {
  return new WeftError('RUN_EXISTS', `a run "${runId}" exists already; choose another runId`, {
    data: { runId },
  });
}

function notSuspended(runId: string, status: string): WeftError {
  return new WeftError(
    'RUN_NOT_SUSPENDED',
    `run "${runId}" is ${status}; only a suspended or interrupted run can be resumed`,
    {
      data: { runId, status },
    },
  );
}

function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
