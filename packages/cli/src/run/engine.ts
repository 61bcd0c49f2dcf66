// @weft/actors is a declared dependency of the CLI, imported like any other: when it cannot load,
// `weft` fails at start with DEPENDENCY_MISSING (see bin.ts) instead of quietly running every
// pipeline on the main thread.
import { workersEntry } from '@weft/actors';
import {
  createEngine,
  createRegistry,
  type Engine,
  type EngineOptions,
  type OrchestratorRegistry,
} from '@weft/core';

let cached: OrchestratorRegistry | undefined;

/** The orchestrator registry of the CLI: `direct` and `workers`. Built once per process. */
export function cliRegistry(): Promise<OrchestratorRegistry> {
  cached ??= createRegistry().register(workersEntry);
  return Promise.resolve(cached);
}

/** The default orchestration mode of `weft run`: `workers`. */
export function defaultOrchestrator(): Promise<string> {
  return Promise.resolve('workers');
}

/** Options the CLI sets on an engine. */
export interface CliEngineOptions extends Omit<EngineOptions, 'orchestrator' | 'registry'> {
  readonly orchestrator: string;
  readonly threads?: number;
}

/** Creates an engine on the CLI registry (ORCHESTRATOR_UNKNOWN for a mode nobody registered). */
export async function cliEngine(o: CliEngineOptions): Promise<Engine> {
  const registry = await cliRegistry();
  const { threads, orchestrator, ...rest } = o;
  const orchestratorOptions = {
    ...(o.orchestratorOptions ?? {}),
    ...(threads !== undefined && orchestrator !== 'direct' ? { threads } : {}),
  };
  return createEngine({ ...rest, orchestrator, registry, orchestratorOptions });
}
