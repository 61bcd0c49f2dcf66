import { WeftError } from '../errors/weft-error.js';
import type { OrchestratorEntry } from '../orchestrator/types.js';
import type {
  CliCommandSpec,
  HttpErrorMapper,
  ReadinessResult,
  RunOptionSpec,
  WeftPlugin,
  WorkerSource,
} from './types.js';

/** A plugin named in configuration: a module specifier, with options for its `register`. */
export type PluginSpec =
  string | { readonly module: string; readonly options?: Readonly<Record<string, unknown>> };

/** What the plugins registered, in order, and how to close them. */
export interface LoadedPlugins {
  readonly plugins: readonly WeftPlugin[];
  readonly orchestrators: readonly OrchestratorEntry[];
  readonly httpErrorMappers: readonly HttpErrorMapper[];
  readonly readinessChecks: readonly {
    readonly name: string;
    readonly check: () => Promise<ReadinessResult>;
  }[];
  readonly cliCommands: readonly CliCommandSpec[];
  /** Options plugins add to `weft run` and `weft resume`. */
  readonly runOptions: readonly RunOptionSpec[];
  /** Lists of workers of distributed modes (`GET /v1/workers`). */
  readonly workerSources: readonly WorkerSource[];
  /** Closes every plugin, in reverse order of registration; never rejects (failures are returned). */
  close(): Promise<readonly string[]>;
}

/**
 * Imports and registers plugins, in order. A module that cannot be imported, or whose export is not a
 * plugin, or whose `register` throws, fails with PLUGIN_INVALID naming it, after closing the plugins
 * already registered (a failed start leaves nothing open). `importer` resolves specifiers (pass one
 * bound to the configuration file's directory); the default is a plain dynamic import.
 * @example
 * const loaded = await loadPlugins(['@weft/bullmq']);
 * for (const entry of loaded.orchestrators) registry.register(entry);
 */
export async function loadPlugins(
  specs: readonly PluginSpec[],
  importer: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<LoadedPlugins> {
  const plugins: WeftPlugin[] = [];
  const orchestrators: OrchestratorEntry[] = [];
  const httpErrorMappers: HttpErrorMapper[] = [];
  const readinessChecks: { name: string; check: () => Promise<ReadinessResult> }[] = [];
  const cliCommands: CliCommandSpec[] = [];
  const runOptions: RunOptionSpec[] = [];
  const workerSources: WorkerSource[] = [];
  const close = async (): Promise<string[]> => {
    const failures: string[] = [];
    for (const p of [...plugins].reverse()) {
      try {
        await p.close?.();
      } catch (e) {
        failures.push(`plugin ${p.name}: ${(e as Error).message}`);
      }
    }
    return failures;
  };
  for (const spec of specs) {
    const specifier = typeof spec === 'string' ? spec : spec.module;
    const options = typeof spec === 'string' ? {} : (spec.options ?? {});
    try {
      const plugin = pluginOf(await importer(specifier), specifier);
      plugins.push(plugin);
      await plugin.register(
        {
          orchestrator: (e) => orchestrators.push(e),
          workerSource: (w) => workerSources.push(w),
          httpErrorMapper: (m) => httpErrorMappers.push(m),
          readinessCheck: (name, check) => readinessChecks.push({ name, check }),
          cliCommand: (c) => cliCommands.push(c),
          runOption: (o) => runOptions.push(o),
        },
        options,
      );
    } catch (e) {
      await close();
      if (e instanceof WeftError && e.code === 'PLUGIN_INVALID') throw e;
      throw new WeftError(
        'PLUGIN_INVALID',
        `plugin "${specifier}" could not be loaded: ${(e as Error).message}`,
        {
          cause: e,
          data: { plugin: specifier },
        },
      );
    }
  }
  return {
    plugins,
    orchestrators,
    httpErrorMappers,
    readinessChecks,
    cliCommands,
    runOptions,
    workerSources,
    close,
  };
}

function pluginOf(mod: unknown, specifier: string): WeftPlugin {
  const m = mod as { default?: unknown; plugin?: unknown } | null;
  const candidate = m?.plugin ?? m?.default;
  const p = candidate as Partial<WeftPlugin> | undefined;
  if (!p || typeof p !== 'object' || typeof p.name !== 'string' || typeof p.register !== 'function') {
    throw new WeftError(
      'PLUGIN_INVALID',
      `"${specifier}" is not a Weft plugin: its default export (or export "plugin") must be { name, register(r, options) }`,
      { data: { plugin: specifier } },
    );
  }
  return p as WeftPlugin;
}
