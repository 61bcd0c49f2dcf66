// @weft/core/orchestrator: the pieces an orchestrator implementation needs (the seam's types, the
// in-process `direct` orchestrator to fall back on, step resolution, step invocation and context,
// actor tables, the value rule, the run and barrier machines). Pipeline authors and embedders need
// none of this: they use the root `@weft/core`.
export type {
  Orchestrator,
  OrchestratorCapabilities,
  OrchestratorContext,
  OrchestratorEntry,
  OrchestratorStats,
  Task,
  TaskHooks,
  TaskOutcome,
  ItemOutcome,
  ChainLink,
} from './types.js';
export { DirectOrchestrator, directEntry } from './direct.js';
export { resolveStep, registerPipeline, refKey, StepRegistry } from './step-registry.js';
export { findPipeline } from './find-pipeline.js';
export { nodeCode } from '../definition/pipeline.js';
export { applyReducer } from '../definition/reducers.js';
export { resolveRetry } from '../plan/compile.js';
export { EventHub } from '../events/event-hub.js';
export type { HostServices, CancelFlag, CancelSource, StepContextInit } from '../runtime/step-context.js';
export { createStepContext } from '../runtime/step-context.js';
export {
  invokeStep,
  settleStepResult,
  isAsyncGenerator,
  isGenerator,
  runFunction,
  type TokenSink,
} from '../runtime/invoke-step.js';
export { ActorTable } from '../runtime/actor-table.js';
export { LazyAbortController } from '../runtime/lazy-abort.js';
export { copyValue } from '../util/copy-value.js';
export { freezeValue } from '../util/freeze-value.js';
export { RunSupervisor, runMachine, type RunState } from '../supervisor/run-machine.js';
export { Barrier, barrierMachine } from '../supervisor/barrier-machine.js';
