import type { MessagePort } from 'node:worker_threads';

/**
 * The one piscina task each worker runs for its whole life: it hands the worker its message port
 * (the hot path), its control port (comlink, host services) and its slab, and resolves when the
 * worker is told to close. Everything else travels over the port.
 */
export interface AttachRequest {
  readonly protocol: number;
  /** Pool position of the worker (stable across replacements). */
  readonly worker: number;
  readonly port: MessagePort;
  readonly control: MessagePort;
  /** Shared slab of per-task cells (see shared/slab.ts). */
  readonly slab: SharedArrayBuffer;
  /** Names of the host services a step may call through `ctx.host`. */
  readonly services: readonly string[];
  /** `ctx.host` is `services[runId]` on the host (see WorkersOptions.servicesPerRun). */
  readonly servicesPerRun?: boolean;
  readonly tokenBatch: number;
  readonly tokenFlushMs: number;
  readonly transferThreshold: number;
}
