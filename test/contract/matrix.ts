// The orchestrators every contract suite runs against. A semantic test of the engine is written once,
// as `describe.each(ORCHESTRATORS)`, and must pass unchanged on each backend.
import { createEngine, createRegistry, type Engine, type EngineOptions, type OrchestratorRegistry } from '@weft/core';

export const ORCHESTRATORS = ['direct'] as const;
export type OrchestratorName = (typeof ORCHESTRATORS)[number];

/** A registry holding every backend of the matrix. */
export function contractRegistry(): OrchestratorRegistry {
  return createRegistry();
}

/** An engine on the given backend; close it in `afterEach`/`finally`. */
export function engineFor(name: OrchestratorName, options: Omit<EngineOptions, 'orchestrator' | 'registry'> = {}): Engine {
  return createEngine({ ...options, orchestrator: name, registry: contractRegistry() });
}
