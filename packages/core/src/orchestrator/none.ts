import { WeftError, serializeError } from '../errors/weft-error.js';
import type { Orchestrator } from './types.js';

/** The orchestrator of a run that could not start (no store, no orchestrator): it runs nothing. */
export const noOrchestrator: Orchestrator = {
  name: 'none',
  capabilities: { blocking: false, detached: false, durable: false, parallel: false },
  parallelism: 1,
  defaultChunkSize: 1,
  run: async () => ({ ok: false, error: serializeError(new WeftError('INTERNAL', 'no orchestrator')) }),
  stats: () => ({ workerRestarts: 0, bytesMoved: 0 }),
  close: async () => {},
};
