import { WeftError, type OrchestratorCapabilities } from '@weft/core';

/** The deployment's orchestration-mode policy. */
export interface ModePolicy {
  /** The default mode (registered: checked at start-up). */
  readonly default: string;
  /** Whether a request may name another registered mode. */
  readonly allowOverride: boolean;
  /** What `/v1/start` (and `/v1/stream`, resume) needs of the backend. */
  readonly startRequires: 'detached' | 'durable';
}

/** What the policy needs to know of the registry. */
export interface ModeLookup {
  has(name: string): boolean;
  capabilities(name: string): OrchestratorCapabilities;
  names(): readonly string[];
}

/**
 * Resolves the mode a request asks for, before anything else about the run is looked at:
 * - absent, or equal to the default: the default;
 * - another token while overrides are off: 403 ORCHESTRATION_MODE_OVERRIDE_FORBIDDEN (even when the
 *   token is unknown: the policy is the answer, not the registry);
 * - an unknown token while overrides are on: 400 ORCHESTRATION_MODE_UNKNOWN;
 * - else the requested mode.
 * @example resolveMode(body.orchestrationMode, policy, lookup) // 'workers'
 */
export function resolveMode(requested: string | undefined, policy: ModePolicy, lookup: ModeLookup): string {
  if (requested === undefined || requested === policy.default) return policy.default;
  if (!policy.allowOverride) {
    throw new WeftError(
      'ORCHESTRATION_MODE_OVERRIDE_FORBIDDEN',
      `this deployment runs every request on "${policy.default}"; a request may not ask for "${requested}" (allowRequestOrchestrationModeOverride is false)`,
      { data: { requested, default: policy.default } },
    );
  }
  if (!lookup.has(requested)) {
    throw new WeftError(
      'ORCHESTRATION_MODE_UNKNOWN',
      `unknown orchestration mode "${requested}"; known: ${lookup.names().join(', ')}`,
      { data: { requested, known: [...lookup.names()] } },
    );
  }
  return requested;
}

/**
 * Checks that a resolved mode can serve a detached run (`/v1/start`, `/v1/stream`, resume): it must
 * declare `detached`, and `durable` too when the deployment's `start.requires` is `durable`. Else 400
 * START_REQUIRES_ASYNC_ORCHESTRATION. Runs before any pipeline is looked up.
 */
export function assertCanStart(mode: string, policy: ModePolicy, lookup: ModeLookup, entry: string): void {
  const caps = lookup.capabilities(mode);
  const missing = !caps.detached
    ? 'detached'
    : policy.startRequires === 'durable' && !caps.durable
      ? 'durable'
      : null;
  if (missing === null) return;
  throw new WeftError(
    'START_REQUIRES_ASYNC_ORCHESTRATION',
    `${entry} needs a backend that runs ${missing === 'detached' ? 'detached from the request' : 'durably (start.requires is "durable")'}; "${mode}" does not declare "${missing}". Use /v1/execute, or a backend that does`,
    { data: { orchestrationMode: mode, capability: missing } },
  );
}

/** Checks that a resolved mode can serve a blocking run (`/v1/execute`): 400 ORCHESTRATOR_CAPABILITY otherwise. */
export function assertCanExecute(mode: string, lookup: ModeLookup): void {
  if (lookup.capabilities(mode).blocking) return;
  throw new WeftError(
    'ORCHESTRATOR_CAPABILITY',
    `/v1/execute needs a backend that blocks until the run ends; "${mode}" does not declare "blocking". Use /v1/start`,
    { data: { orchestrator: mode, capability: 'blocking', entry: 'execute' } },
  );
}
