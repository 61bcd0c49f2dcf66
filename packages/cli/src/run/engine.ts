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
import { type OrchestratorEntry } from '@weft/core/orchestrator';

let cached: OrchestratorRegistry | undefined;
let pluginEntries: readonly OrchestratorEntry[] = [];

/** Orchestrators registered by the plugins of this command line (see plugins/cli-plugins.ts). */
export function usePluginOrchestrators(entries: readonly OrchestratorEntry[]): void {
  pluginEntries = entries;
  cached = undefined;
}

/**
 * The orchestrator registry of the CLI: `direct`, `workers` (@weft/actors, imported statically: a
 * missing or broken @weft/actors fails loudly at load, never a silent fall-back), plus the
 * plugins' orchestrators. Built once per process (again after the plugins change).
 */
export function cliRegistry(): Promise<OrchestratorRegistry> {
  if (!cached) {
    const registry = createRegistry().register(workersEntry);
    for (const entry of pluginEntries) registry.register(entry);
    cached = registry;
  }
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
