// Public surface of @weft/actors: the `workers` orchestrator and an engine that uses it by default.
export { createEngine, createRegistry, createWorkersOrchestrator, workersEntry } from './entry.js';
export { WorkersOrchestrator, WORKERS_CAPABILITIES } from './host/workers-orchestrator.js';
export {
  DEFAULT_CHUNK_SIZE,
  resolveWorkersOptions,
  tunedWorkersOptions,
  type ResolvedWorkersOptions,
  type WorkersOptions,
  type WorkerExitInfo,
} from './options.js';
export { PROTOCOL_VERSION } from './protocol/version.js';
export type {
  HostToWorker,
  JobSpec,
  RunMessage,
  CancelMessage,
  TeardownMessage,
} from './protocol/host-to-worker.js';
export type {
  WorkerToHost,
  ReadyMessage,
  TokensMessage,
  CheckpointMessage,
  ItemsMessage,
  DoneMessage,
  ClosedMessage,
} from './protocol/worker-to-host.js';
