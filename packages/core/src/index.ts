// Public surface of @weft/core.
export { pipeline, PipelineBuilder, isPipeline, nodeCode, type Pipeline } from './definition/pipeline.js';
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
export {
  reducers,
  applyReducer,
  type ReducerName,
  type StateKey,
  type StateSpec,
} from './definition/reducers.js';
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
export { validate, compile, resolveRetry } from './plan/compile.js';
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
export { EventHub } from './events/event-hub.js';
export {
  RunViewFold,
  foldRunView,
  type RunView,
  type NodeView,
  type NodeState,
  type NodeError,
  type EdgeTaken,
} from './events/run-view.js';
export type {
  StepContext,
  HostServices,
  CancelFlag,
  CancelSource,
  StepContextInit,
} from './runtime/step-context.js';
export { createStepContext } from './runtime/step-context.js';
export {
  invokeStep,
  settleStepResult,
  isAsyncGenerator,
  isGenerator,
  runFunction,
  type TokenSink,
} from './runtime/invoke-step.js';
export { ActorTable } from './runtime/actor-table.js';
export type { RunSnapshot, ActivationData } from './runtime/snapshot.js';
export { backoffDelay, isRetryable } from './scheduler/backoff.js';
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
} from './orchestrator/types.js';
export { OrchestratorRegistry, createRegistry } from './orchestrator/registry.js';
export { DirectOrchestrator, directEntry } from './orchestrator/direct.js';
export { resolveStep, registerPipeline, refKey, StepRegistry } from './orchestrator/step-registry.js';
export { findPipeline } from './orchestrator/find-pipeline.js';
export type { Store, RunStore, RunRecord, StoredRunStatus, SessionRecord } from './store/ports.js';
export { ephemeralStore } from './store/ephemeral-store.js';
export type { StepMemo, MemoCall } from './runtime/memo.js';
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
export { RunSupervisor, runMachine, type RunState } from './supervisor/run-machine.js';
export { Barrier, barrierMachine } from './supervisor/barrier-machine.js';
export * from './catalogue/index.js';
export { LazyAbortController } from './runtime/lazy-abort.js';
export { isObject, show } from './util/index.js';
export { copyValue } from './util/copy-value.js';
export { freezeValue } from './util/freeze-value.js';
