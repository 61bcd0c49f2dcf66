import type { Clock } from '../clock/clock.js';
import type { Pipeline } from '../definition/pipeline.js';
import type { StepCode } from '../definition/types.js';
import type { EventHub } from '../events/event-hub.js';
import type { MetricsCollector } from '../events/metrics.js';
import type { EventBody } from '../events/types.js';
import type { Orchestrator } from '../orchestrator/types.js';
import type { ExecutionPlan } from '../plan/execution-plan.js';
import type { StepMemo } from './memo.js';

/** Run-wide settings an execution reads (resolved once per run). */
export interface ExecutionOptions {
  readonly maxSteps: number;
  readonly maxConcurrency: number;
  readonly chunkSize: number | null;
  readonly overrides: ReadonlyMap<string, StepCode>;
  /** Idempotency hook (absent: every invocation runs). */
  readonly memo?: StepMemo | null;
}

/** The narrow ports the runtime of one run depends on: no engine, no store. */
export interface ExecutionDeps {
  readonly runId: string;
  readonly plan: ExecutionPlan;
  readonly pipeline: Pipeline;
  readonly orchestrator: Orchestrator;
  readonly hub: EventHub;
  readonly clock: Clock;
  readonly random: () => number;
  readonly metrics: MetricsCollector;
  readonly options: ExecutionOptions;
  emit(path: readonly string[], body: EventBody): void;
}
