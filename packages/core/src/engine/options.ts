import { systemClock, type Clock } from '../clock/clock.js';
import type { StepCode } from '../definition/types.js';
import { WeftError } from '../errors/weft-error.js';
import type { EventType, Observer, RunEvent } from '../events/types.js';
import { createRegistry, type OrchestratorRegistry } from '../orchestrator/registry.js';
import type { Orchestrator } from '../orchestrator/types.js';
import type { HostServices } from '../runtime/step-context.js';
import { ephemeralStore } from '../store/ephemeral-store.js';
import type { Store } from '../store/ports.js';
import type { StepMemo } from '../runtime/memo.js';
import { checkTuningValues, type EngineTuning } from '../tuning/machine-tuning.js';

/** Options of an engine. */
export interface EngineOptions {
  /** Orchestration mode: `direct`, `workers` (with @weft/actors), or a plugin's token. Default `direct`. */
  readonly orchestrator?: string | Orchestrator;
  readonly orchestratorOptions?: Readonly<Record<string, unknown>>;
  readonly registry?: OrchestratorRegistry;
  /**
   * Where runs, sessions, snapshots and events go (a `Store` of `@weft/core/store`: `openStore(dir)`
   * or `memoryStore()` of @weft/store). Default: `ephemeralStore()`, in memory for the life of the
   * process, keeping no event history.
   */
  readonly store?: Store;
  readonly clock?: Clock;
  /** Random source for retry jitter (inject for determinism). */
  readonly random?: () => number;
  /** Services steps may call through `ctx.host`. */
  readonly services?: HostServices;
  readonly observers?: readonly Observer[];
  /** Undelivered events a subscriber may hold before the run slows down (default 1024). */
  readonly eventBuffer?: number;
  /** Step activations per run before it fails with STEP_LIMIT (default 10,000; map items not counted). */
  readonly maxSteps?: number;
  /** Tasks in flight per run (default 256). */
  readonly maxConcurrency?: number;
  /** Map items per task, overriding the orchestrator's default. */
  readonly chunkSize?: number;
  /** Idempotency hook: completed invocations are not run again (see StepMemo). Default none. */
  readonly memo?: StepMemo;
  /**
   * A machine tuning profile (from `weft bench tune`; read it with `loadTuningProfile` of
   * @weft/bench). Its values become the orchestrator's defaults (explicit `orchestratorOptions`
   * win), and every run reports it in `metrics.extra.tuning`. Default none.
   */
  readonly tuning?: EngineTuning;
}

/** Options of one run. */
export interface RunOptions {
  readonly runId?: string;
  readonly signal?: AbortSignal;
  /** Run timeout in ms, counted from the start. */
  readonly timeoutMs?: number;
  readonly observers?: readonly Observer[];
  /** Event hooks by event type. */
  readonly on?: { readonly [T in EventType]?: (event: Extract<RunEvent, { type: T }>) => void };
  readonly eventBuffer?: number;
  readonly maxSteps?: number;
  readonly maxConcurrency?: number;
  readonly chunkSize?: number;
  /** Replace steps by qualified name (`step` or `sub/step`) with in-process code (test harness). */
  readonly overrides?: Readonly<Record<string, StepCode>>;
  /** Warnings known before the run starts (a stale catalogue, say): emitted as `warning` events right after `run.start`. */
  readonly warnings?: readonly { readonly code: string; readonly message: string }[];
  /**
   * Called with the output of a run that succeeded, before the run is recorded as succeeded (before
   * `run.finish` and the store): write the output where it belongs here. When it throws, the run
   * fails with its error (a WeftError keeps its code; anything else is INTERNAL), so a run is never
   * recorded as succeeded with outputs that were not written.
   */
  readonly commitOutput?: (output: unknown) => void | Promise<void>;
  /** The tenant the run belongs to (kept in its record; `RunStore.query` filters on it). */
  readonly tenant?: string;
  /** Labels kept in the run's record (`RunStore.query` filters on one). */
  readonly tags?: readonly string[];
  /** Opaque data of the entry point, kept in the run's record (the CLI: how to start it again). */
  readonly source?: unknown;
}

/** Engine options with every default filled in. */
export interface ResolvedEngineOptions {
  readonly orchestrator: string | Orchestrator;
  readonly orchestratorOptions: Readonly<Record<string, unknown>>;
  readonly registry: OrchestratorRegistry;
  readonly store: Store;
  readonly clock: Clock;
  readonly random: () => number;
  readonly services: HostServices;
  readonly observers: readonly Observer[];
  readonly eventBuffer: number;
  readonly maxSteps: number;
  readonly maxConcurrency: number;
  readonly chunkSize: number | null;
  readonly memo: StepMemo | null;
  readonly tuning: EngineTuning | null;
}

/** Resolves engine options once, failing fast with OPTION_INVALID. */
export function resolveEngineOptions(o: EngineOptions = {}): ResolvedEngineOptions {
  checkPositive('eventBuffer', o.eventBuffer);
  checkPositive('maxSteps', o.maxSteps);
  checkPositive('maxConcurrency', o.maxConcurrency);
  checkPositive('chunkSize', o.chunkSize);
  checkTuning(o.tuning);
  return {
    orchestrator: o.orchestrator ?? 'direct',
    orchestratorOptions: o.orchestratorOptions ?? {},
    registry: o.registry ?? createRegistry(),
    store: o.store ?? ephemeralStore(),
    clock: o.clock ?? systemClock,
    random: o.random ?? Math.random,
    services: o.services ?? {},
    observers: o.observers ?? [],
    eventBuffer: o.eventBuffer ?? 1024,
    maxSteps: o.maxSteps ?? 10_000,
    maxConcurrency: o.maxConcurrency ?? 256,
    chunkSize: o.chunkSize ?? null,
    memo: o.memo ?? null,
    tuning: o.tuning ?? null,
  };
}

/** Checks run options (fail fast with OPTION_INVALID). */
export function checkRunOptions(o: RunOptions): void {
  checkPositive('timeoutMs', o.timeoutMs);
  checkPositive('eventBuffer', o.eventBuffer);
  checkPositive('maxSteps', o.maxSteps);
  checkPositive('maxConcurrency', o.maxConcurrency);
  checkPositive('chunkSize', o.chunkSize);
  if (o.commitOutput !== undefined && typeof o.commitOutput !== 'function')
    throw new WeftError(
      'OPTION_INVALID',
      `option commitOutput must be a function, got ${typeof o.commitOutput}`,
    );
  if (o.runId !== undefined && (typeof o.runId !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(o.runId))) {
    throw new WeftError(
      'OPTION_INVALID',
      `runId must be 1–128 characters of letters, digits, ".", "_" or "-", got ${JSON.stringify(o.runId)}`,
    );
  }
  if (o.tenant !== undefined && typeof o.tenant !== 'string')
    throw new WeftError('OPTION_INVALID', `tenant must be a string, got ${JSON.stringify(o.tenant)}`);
  if (o.tags !== undefined && !(Array.isArray(o.tags) && o.tags.every((t) => typeof t === 'string')))
    throw new WeftError('OPTION_INVALID', `tags must be an array of strings, got ${JSON.stringify(o.tags)}`);
}

function checkTuning(t: EngineTuning | undefined): void {
  if (t === undefined) return;
  const problems =
    typeof t === 'object' && t !== null
      ? checkTuningValues(t.values, 'tuning.values')
      : ['tuning must be an object { profile, values }'];
  if (typeof t === 'object' && t !== null && typeof t.profile !== 'string')
    problems.push('tuning.profile must be a string (where the profile was read)');
  if (problems.length > 0)
    throw new WeftError('OPTION_INVALID', `option tuning is invalid: ${problems.join('; ')}`, {
      data: { problems },
    });
}

function checkPositive(name: string, v: unknown): void {
  if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
    throw new WeftError(
      'OPTION_INVALID',
      `option ${name} must be a positive number, got ${JSON.stringify(v)}`,
    );
  }
}
