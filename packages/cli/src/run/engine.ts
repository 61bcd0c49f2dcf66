import {
  createEngine,
  createRegistry,
  type Engine,
  type EngineOptions,
  type OrchestratorEntry,
  type OrchestratorRegistry,
} from '@weft/core';

let cached: Promise<OrchestratorRegistry> | undefined;
let pluginEntries: readonly OrchestratorEntry[] = [];

/** Orchestrators registered by the plugins of this command line (see plugins/cli-plugins.ts). */
export function usePluginOrchestrators(entries: readonly OrchestratorEntry[]): void {
  pluginEntries = entries;
  cached = undefined;
}

/**
 * The orchestrator registry of the CLI: `direct`, plus `workers` when @weft/actors provides it,
 * plus the plugins' orchestrators. Resolved once per process.
 */
export function cliRegistry(): Promise<OrchestratorRegistry> {
  cached ??= (async () => {
    const registry = createRegistry();
    try {
      const actors = (await import('@weft/actors')) as Record<string, unknown>;
      const entry = actors['workersEntry'] as OrchestratorEntry | undefined;
      if (entry && typeof entry.create === 'function') registry.register(entry);
    } catch {
      // @weft/actors not built: only `direct` is available
    }
    for (const entry of pluginEntries) registry.register(entry);
    return registry;
  })();
  return cached;
}

/** The default orchestration mode: `workers` when available, else `direct`. */
export async function defaultOrchestrator(): Promise<string> {
  return (await cliRegistry()).has('workers') ? 'workers' : 'direct';
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
