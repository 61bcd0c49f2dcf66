// Public surface of @weft/core: what a pipeline author and an embedder use. Pieces for orchestrator
// authors are in `@weft/core/orchestrator`, the processor catalogue in `@weft/core/catalogue`, the
// store ports in `@weft/core/store`, shared helpers in `@weft/core/util`. test/exports.test.ts pins
// every list (update it on purpose when a symbol is added or moved).
export { pipeline, PipelineBuilder, isPipeline, type Pipeline } from './definition/pipeline.js';
export {
  next,
  stop,
  skip,
  retry,
  suspend,
  update,
  isControl,
  type Control,
  type StatePatch,
} from './definition/control.js';
export { reducers, type ReducerName, type StateKey, type StateSpec } from './definition/reducers.js';
export type {
  StepFn,
  StepActor,
  StepCode,
  StepRef,
  NodeOptions,
  MapOptions,
  SwitchOptions,
  RetryOptions,
  ErrorHandler,
  Middleware,
  PipelineHooks,
  PipelineOptions,
  Placement,
  JoinKind,
  NodeDef,
} from './definition/types.js';
export * from './errors/index.js';
export { validate, compile } from './plan/compile.js';
export type {
  ExecutionPlan,
  PlanNode,
  Problem,
  ValidationReport,
  ResolvedRetry,
} from './plan/execution-plan.js';
export { toMermaid } from './plan/mermaid.js';
export { systemClock, SimulatedClock, type Clock, type TimerHandle } from './clock/clock.js';
export type {
  RunEvent,
  EventBody,
  EventType,
  EventOf,
  RunStatus,
  Observer,
  EventBase,
} from './events/types.js';
export type { RunMetrics, StepLatency } from './events/metrics.js';
export {
  RunViewFold,
  foldRunView,
  type RunView,
  type NodeView,
  type NodeState,
  type NodeError,
  type EdgeTaken,
} from './events/run-view.js';
export type { StepContext } from './runtime/step-context.js';
export { OrchestratorRegistry, createRegistry } from './orchestrator/registry.js';
export type { Store } from './store/ports.js';
export { ephemeralStore } from './store/ephemeral-store.js';
export * from './spec/index.js';
export { Engine, createEngine } from './engine/engine.js';
export { isMainModule, isWeftWorker } from './engine/worker-guard.js';
export type { EngineOptions, RunOptions, ResolvedEngineOptions } from './engine/options.js';
export {
  MACHINE_TUNING_FILE,
  MACHINE_TUNING_SCHEMA,
  checkMachineTuning,
  checkTuningValues,
  encodeMachineTuning,
  parseMachineTuning,
  type EngineTuning,
  type MachineTuning,
  type TunedMachine,
  type TuningValues,
} from './tuning/machine-tuning.js';
export type { RunHandle, RunResult } from './engine/run-result.js';
