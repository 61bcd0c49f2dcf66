// Public surface of @weft/bullmq: the `bullmq` orchestrator (the coordinator side), the worker
// process behind `weft worker`, and the plugin that brings both to the CLI and `weft serve`.
import { plugin } from './plugin.js';

export { bullmqEntry, type BullmqOptions } from './entry.js';
export { BullmqOrchestrator, BULLMQ_CAPABILITIES } from './coordinator/bullmq-orchestrator.js';
export {
  BULLMQ_CHUNK_SIZE,
  resolveBullmqOptions,
  type ResolvedBullmqOptions,
} from './coordinator/options.js';
export { WorkerHost } from './worker/worker-host.js';
export {
  resolveWorkerOptions,
  type WeftWorkerOptions,
  type ResolvedWorkerOptions,
} from './worker/options.js';
export { workerCommand } from './worker/worker-command.js';
export { listWorkers, type WorkerInfo } from './shared/worker-registry.js';
export { Keys } from './shared/keys.js';
export { VERSION } from './shared/version.js';
export { plugin };
export default plugin;
