import type { Clock, OrchestratorRegistry } from '@weft/core';
import type { Store } from '@weft/core/store';
import type { HttpErrorMapper, ReadinessResult, WorkerSource } from '@weft/core/plugin';
import type { BearerAuth } from './auth/bearer-auth.js';
import type { ResolvedServeConfig } from './config/resolve-config.js';
import type { IdempotencyCache } from './http/idempotency.js';
import type { ModeLookup, ModePolicy } from './modes/resolve-mode.js';
import type { PipelineTable } from './pipelines/pipeline-table.js';
import type { TenantQuotas } from './quotas/tenant-quotas.js';
import type { RunService } from './runs/run-service.js';
import type { RunViews } from './runs/run-views.js';
import type { StreamRegistry } from './sse/stream-registry.js';

/** Where the service is in its life: `/ready` answers 200 only when `ready`. */
export type Phase = 'starting' | 'ready' | 'draining' | 'closed';

/** A minimal logger (pino-compatible shape); the default writes nothing. */
export interface ServeLogger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/** Everything the routes use, built once at start-up. */
export interface ServiceContext {
  readonly config: ResolvedServeConfig;
  readonly policy: ModePolicy;
  readonly modes: ModeLookup;
  readonly registry: OrchestratorRegistry;
  readonly pipelines: PipelineTable;
  readonly store: Store;
  readonly runs: RunService;
  readonly views: RunViews;
  readonly auth: BearerAuth | null;
  readonly quotas: TenantQuotas;
  readonly idempotency: IdempotencyCache;
  readonly streams: StreamRegistry;
  readonly mappers: readonly HttpErrorMapper[];
  readonly readiness: readonly { readonly name: string; readonly check: () => Promise<ReadinessResult> }[];
  /** Lists of workers of distributed modes, from the plugins (`GET /v1/workers`). */
  readonly workerSources: readonly WorkerSource[];
  readonly clock: Clock;
  readonly log: ServeLogger;
  phase: Phase;
}

/** A logger that writes nothing. */
export const silentLogger: ServeLogger = { info: () => {}, warn: () => {}, error: () => {} };
