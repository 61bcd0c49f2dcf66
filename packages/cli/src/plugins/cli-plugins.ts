import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option } from 'commander';
import { WeftError } from '@weft/core';
import { loadPlugins, type LoadedPlugins, type PluginSpec, type RunOptionSpec } from '@weft/core/plugin';
import { loadProjectConfig } from '../catalogue/config.js';
import { findProjectRoot } from '../util/project.js';

/**
 * First-party plugins the CLI loads by itself when one of their orchestration modes
 * (`--orchestrator bullmq`) or commands (`weft worker`) is named and no plugin registered it. The
 * CLI imports them by name at run time only: it has no static import of any plugin or its SDK.
 */
export const KNOWN_PLUGINS: {
  readonly modes: Readonly<Record<string, string>>;
  readonly commands: Readonly<Record<string, string>>;
} = {
  modes: { bullmq: '@weft/bullmq' },
  commands: { worker: '@weft/bullmq' },
};

/** Values of a flag in argv (`--flag v` and `--flag=v`), in order. */
export function flagValues(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === flag && i + 1 < argv.length) out.push(argv[++i]!);
    else if (a.startsWith(`${flag}=`)) out.push(a.slice(flag.length + 1));
  }
  return out;
}

/**
 * The plugins a command line needs: the project's (`plugins` in `.weft/config.json`), each
 * `--plugin <module>`, and the first-party plugin of a mode or command it names.
 */
export function pluginSpecs(argv: readonly string[], configured: readonly PluginSpec[]): PluginSpec[] {
  const specs: PluginSpec[] = [...configured, ...flagValues(argv, '--plugin')];
  const names = new Set(specs.map((s) => (typeof s === 'string' ? s : s.module)));
  const wanted = [
    ...flagValues(argv, '--orchestrator').map((m) => KNOWN_PLUGINS.modes[m]),
    KNOWN_PLUGINS.commands[argv.find((a) => !a.startsWith('-')) ?? ''],
  ];
  for (const m of wanted) {
    if (m !== undefined && !names.has(m)) {
      names.add(m);
      specs.push(m);
    }
  }
  return specs;
}

/** The plugins named in the project configuration; none when there is no (valid) configuration. */
export function configuredPlugins(cwd: string): readonly PluginSpec[] {
  try {
    return loadProjectConfig(findProjectRoot(cwd)).plugins;
  } catch {
    // An invalid configuration is reported by the commands that read it.
    return [];
  }
}

/**
 * Imports a plugin the way a project expects: from the project (its node_modules, or a path
 * relative to it), else from where the CLI is installed.
 */
export function pluginImporter(cwd: string): (specifier: string) => Promise<unknown> {
  const fromProject = createRequire(join(findProjectRoot(cwd), 'package.json'));
  const fromCli = createRequire(import.meta.url);
  return async (specifier) => {
    if (specifier.startsWith('.') || specifier.startsWith('/'))
      return import(pathToFileURL(fromProject.resolve(specifier)).href);
    for (const req of [fromProject, fromCli]) {
      let resolved: string;
      try {
        resolved = esmResolve(req, specifier);
      } catch {
        continue;
      }
      return import(pathToFileURL(resolved).href);
    }
    return import(specifier);
  };
}

/** Resolves a package's ESM entry with a require-resolver (its `exports` "default" condition). */
function esmResolve(req: NodeJS.Require, specifier: string): string {
  return req.resolve(specifier);
}

/** Loads the plugins of a command line (PLUGIN_INVALID when one cannot be loaded). */
export async function loadCliPlugins(
  argv: readonly string[],
  cwd = process.cwd(),
): Promise<LoadedPlugins | undefined> {
  const specs = pluginSpecs(argv, configuredPlugins(cwd));
  if (specs.length === 0) return undefined;
  return loadPlugins(specs, pluginImporter(cwd));
}

/** The commander option of a plugin's run option. */
export function runOptionOf(spec: RunOptionSpec): Option {
  const o = new Option(spec.flags, `${spec.description} [${spec.orchestrator}]`);
  if (spec.default !== undefined) o.default(spec.default);
  return o;
}

/**
 * The orchestrator options the plugins' run options give for a run on `orchestrator`: a flag that
 * belongs to another mode is a usage error, not silently ignored.
 */
export function pluginOrchestratorOptions(
  given: Readonly<Record<string, unknown>>,
  orchestrator: string,
  specs: readonly RunOptionSpec[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = given[runOptionOf(spec).attributeName()];
    if (value === undefined || value === spec.default) continue;
    if (spec.orchestrator !== orchestrator) {
      throw new WeftError(
        'USAGE_INVALID',
        `${spec.flags.split(/[ ,]/)[0]} applies to the ${spec.orchestrator} orchestration mode, not ${orchestrator}`,
      );
    }
    out[spec.key] = spec.parse ? spec.parse(String(value)) : value;
  }
  return out;
}
