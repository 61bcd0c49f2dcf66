import type { TimerHandle } from '../clock/clock.js';
import type { WeftError } from '../errors/weft-error.js';
import type { PlanNode } from '../plan/execution-plan.js';
import type { LazyAbortController } from './lazy-abort.js';
import type { MapRun } from './map-run.js';
import type { ActivationData } from './snapshot.js';

/** One invocation in flight: a step, a chunk of map items, or a sub-pipeline. Plain data. */
export interface Inflight {
  readonly id: number;
  readonly node: PlanNode;
  readonly act: ActivationData;
  readonly controller: LazyAbortController;
  readonly kind: 'step' | 'items' | 'sub';
  readonly stateVersion: number;
  startedAt: number | null;
  /** When the step's code ended, if the orchestrator said so before its outcome arrived (TaskHooks.ended). */
  endedAt?: number;
  timer: TimerHandle | null;
  lastCheckpoint: unknown;
  /** Idempotency key of this invocation (set when a memo hook is installed). */
  memoKey?: string | undefined;
  map?: MapRun;
  abortSub?: (e: WeftError) => void;
}
