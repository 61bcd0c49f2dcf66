import {
  Engine,
  createRegistry as createCoreRegistry,
  type EngineOptions,
  type OrchestratorRegistry,
} from '@weft/core';
import { type HostServices, type OrchestratorEntry } from '@weft/core/orchestrator';
import { WORKERS_CAPABILITIES, WorkersOrchestrator } from './host/workers-orchestrator.js';
import { tunedWorkersOptions, type WorkersOptions } from './options.js';

/**
 * Creates the `workers` orchestrator directly (an engine usually creates it from the registry).
 * @example
 * const orchestrator = createWorkersOrchestrator({ threads: 2 }, { db });
 * const engine = createEngine({ orchestrator });
 */
export function createWorkersOrchestrator(
  options: WorkersOptions = {},
  services: HostServices = {},
): WorkersOrchestrator {
  return new WorkersOrchestrator(options, services);
}

/** The registry entry of `workers`: options come from `EngineOptions.orchestratorOptions` (see {@link WorkersOptions}), defaulted from `EngineOptions.tuning`. */
export const workersEntry: OrchestratorEntry = {
  name: 'workers',
  description:
    'steps as actors on a piscina pool of worker threads (parallel, cooperative cancellation, token streaming)',
  capabilities: WORKERS_CAPABILITIES,
  create: (ctx) => new WorkersOrchestrator(tunedWorkersOptions(ctx.options, ctx.tuning), ctx.services),
};

/**
 * Core's registry (`direct`) plus `workers`.
 * @example const registry = createRegistry().register(myPluginEntry);
 */
export function createRegistry(): OrchestratorRegistry {
  return createCoreRegistry().register(workersEntry);
}

/**
 * An engine whose default orchestration mode is `workers` (the rest of {@link EngineOptions} as in
 * @weft/core). Close it when done: it owns a thread pool.
 * @example
 * const engine = createEngine({ orchestratorOptions: { threads: 4 } });
 * const result = await engine.execute(myPipeline, input);
 * await engine.close();
 */
export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine({
    ...options,
    orchestrator: options.orchestrator ?? 'workers',
    registry: options.registry ?? createRegistry(),
  });
}
