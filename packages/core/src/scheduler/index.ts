// @weft/core/scheduler: the engine's decisions as a pure transition, for runtimes and tests that
// drive it directly (the engine's own runtime is runtime/run-runtime.ts).
export { Scheduler, ROOT, type Transition } from './schedule.js';
export { planAt, type SchedulerEnv, type MemoPort } from './env.js';
export { readSnapshot } from './snapshot-v1.js';
export { backoffDelay, isRetryable } from './backoff.js';
export type {
  Activation,
  BarrierState,
  Effect,
  EventIo,
  ExecState,
  HandlerCall,
  Invocation,
  MapState,
  SchedulerEvent,
  SchedulerOutcome,
  SchedulerState,
  SuspendedActivation,
  TimerSpec,
} from './types.js';
