import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  WeftError,
  isPipeline,
  pipelineFromSpec,
  type Pipeline,
  type SpecProblem,
  type SpecQuotas,
} from '@weft/core';
import {
  prepareProcessors,
  type CatalogueSource,
  type PipelineCatalogue,
} from '../catalogue/pipeline-processors.js';
import { offlineProcess, projectCatalogue } from '../catalogue/project-catalogue.js';
import { findProjectRoot } from '../util/project.js';

/** A pipeline read from a file, ready to run. */
export interface LoadedPipeline {
  readonly pipeline: Pipeline;
  /** Absolute path of the file named on the command line. */
  readonly file: string;
  readonly kind: 'json' | 'module';
  /** The export chosen with `file#name` (modules). */
  readonly exportName: string | null;
  readonly quotas: SpecQuotas;
  /** Step module URLs (JSON pipelines: every `run`/`map`/`switch` module; modules: the module itself). */
  readonly modules: readonly string[];
  /** Set when a JSON pipeline names processors: the catalogue's provenance, its warnings, and what was resolved. */
  readonly catalogue?: PipelineCatalogue;
}

/** Options of `loadPipeline`. */
export interface LoadPipelineOptions {
  /** The catalogue for processor references (default: the project's, from `.weft/config.json`; offline in a `--offline` process). Consulted only when the pipeline names a processor. */
  readonly catalogue?: CatalogueSource;
  /** Called with each catalogue warning (a stale copy used, say) as soon as the catalogue is loaded, so that it is reported even when loading then fails. */
  readonly onWarning?: (warning: { readonly code: string; readonly message: string }) => void;
}

/** Splits `file#name`. */
export function splitTarget(target: string): { path: string; name: string | null } {
  const i = target.lastIndexOf('#');
  if (i > 0 && !target.slice(i + 1).includes('/'))
    return { path: target.slice(0, i), name: target.slice(i + 1) || null };
  return { path: target, name: null };
}

/** Reads a JSON file, failing with SPEC_INVALID (with line and column) when it does not parse. */
export function readJson(file: string, code: 'SPEC_INVALID' | 'INPUT_INVALID' = 'SPEC_INVALID'): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WeftError(
      'INPUT_INVALID',
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      { data: { file } },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const pos = m ? Number(m[1]) : -1;
    const before = pos >= 0 ? text.slice(0, pos) : '';
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    throw new WeftError(
      code,
      `${file} is not valid JSON${pos >= 0 ? ` (line ${line}, column ${column})` : ''}: ${(e as Error).message}`,
      {
        data: { file, ...(pos >= 0 ? { line, column } : {}) },
      },
    );
  }
}

/**
 * Loads a pipeline from a JSON declaration (`.json`) or from a JS module that exports one
 * (`file.js#name` picks an export or a pipeline name; without it the module must export one).
 */
export async function loadPipeline(
  target: string,
  cwd = process.cwd(),
  options: LoadPipelineOptions = {},
): Promise<LoadedPipeline> {
  const { path, name } = splitTarget(target);
  const file = resolve(cwd, path);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new WeftError('INPUT_INVALID', `pipeline file not found: ${file}`, { data: { file } });
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.json')
    return loadJson(
      file,
      options.catalogue ?? (() => projectCatalogue(findProjectRoot(cwd), { offline: offlineProcess() })),
      options.onWarning,
    );
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') {
    throw new WeftError(
      'USAGE_INVALID',
      `${path} is TypeScript source: compile it (tsc) and pass the emitted .js module`,
      { data: { file } },
    );
  }
  return loadModule(file, name);
}

async function loadJson(
  file: string,
  catalogue: CatalogueSource,
  onWarning?: LoadPipelineOptions['onWarning'],
): Promise<LoadedPipeline> {
  const url = pathToFileURL(file).href;
  const doc = readJson(file);
  const read = (u: string): unknown => readJson(fileURLToPath(u));
  // Processor references are resolved through the catalogue, which is consulted only when there are some.
  const pass = await prepareProcessors(doc, url, read, catalogue);
  for (const w of pass?.info.warnings ?? []) onWarning?.(w);
  const r = pass
    ? pipelineFromSpec(pass.transform(doc, url), { url, load: (u) => pass.transform(read(u), u) })
    : pipelineFromSpec(doc, { url, load: read });
  pass?.check(file);
  if (!r.ok) throw specError(file, r.problems);
  return {
    pipeline: r.pipeline,
    file,
    kind: 'json',
    exportName: null,
    quotas: r.quotas,
    modules: r.modules,
    ...(pass ? { catalogue: pass.info } : {}),
  };
}

/** One SPEC_INVALID error listing every problem with its JSON path. */
export function specError(file: string, problems: readonly SpecProblem[]): WeftError {
  const lines = problems.map(
    (p) => `  ${p.file ? `${fileURLToPath(p.file)} ` : ''}${p.path || '/'}: [${p.code}] ${p.message}`,
  );
  return new WeftError('SPEC_INVALID', `${file} is not a valid pipeline:\n${lines.join('\n')}`, {
    data: {
      file,
      problems: problems.map((p) => ({ ...p, ...(p.file ? { file: fileURLToPath(p.file) } : {}) })),
    },
  });
}

async function loadModule(file: string, name: string | null): Promise<LoadedPipeline> {
  const url = pathToFileURL(file).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new WeftError('MODULE_NOT_FOUND', `cannot load pipeline module ${file}: ${(e as Error).message}`, {
      cause: e,
      data: { file },
    });
  }
  const found = Object.entries(mod).filter((entry): entry is [string, Pipeline] => isPipeline(entry[1]));
  let chosen: [string, Pipeline] | undefined;
  if (name !== null) {
    chosen = found.find(([k]) => k === name) ?? found.find(([, p]) => p.name === name);
    if (!chosen) {
      throw new WeftError(
        'EXPORT_NOT_FOUND',
        `${file} exports no pipeline "${name}"; it exports ${found.length ? found.map(([k]) => `"${k}"`).join(', ') : 'none'}`,
        {
          data: { file, name, exports: found.map(([k]) => k) },
        },
      );
    }
  } else if (found.length === 1) {
    chosen = found[0];
  } else if (found.length === 0) {
    throw new WeftError(
      'EXPORT_NOT_FOUND',
      `${file} exports no pipeline (export one built with pipeline(...).build())`,
      { data: { file } },
    );
  } else {
    throw new WeftError(
      'USAGE_INVALID',
      `${file} exports several pipelines (${found.map(([k]) => k).join(', ')}); pick one with ${file}#name`,
      {
        data: { file, exports: found.map(([k]) => k) },
      },
    );
  }
  const [exportName, pipeline] = chosen!;
  return { pipeline, file, kind: 'module', exportName, quotas: {}, modules: [pipeline.module ?? url] };
}
