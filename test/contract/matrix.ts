// The orchestrators every contract suite runs against. A semantic test of the engine is written once,
// as `describe.each(ORCHESTRATORS)`, and must pass unchanged on each backend: `direct` runs steps on
// the main thread, `workers` (@weft/actors) in a pool of worker threads.
import {
  createEngine,
  createRegistry,
  type Engine,
  type EngineOptions,
  type OrchestratorRegistry,
} from '@weft/core';
import { workersEntry } from '@weft/actors';

export const ORCHESTRATORS = ['direct', 'workers'] as const;
export type OrchestratorName = (typeof ORCHESTRATORS)[number];

/** A registry holding every backend of the matrix. */
export function contractRegistry(): OrchestratorRegistry {
  return createRegistry().register(workersEntry);
}

/** Options each backend gets in the contract suites (a small pool; a short grace before a hard kill). */
const BACKEND_OPTIONS: Record<OrchestratorName, Readonly<Record<string, unknown>>> = {
  direct: {},
  workers: { threads: 2, cancelGraceMs: 250 },
};

/** An engine on the given backend; close it in `afterEach`/`finally`. */
export function engineFor(
  name: OrchestratorName,
  options: Omit<EngineOptions, 'orchestrator' | 'registry'> = {},
): Engine {
  return createEngine({
    orchestratorOptions: BACKEND_OPTIONS[name],
    ...options,
    orchestrator: name,
    registry: contractRegistry(),
  });
}
