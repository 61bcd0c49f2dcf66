import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WeftError, isPipeline, pipelineFromSpec, type Pipeline } from '@weft/core';

/** Loads the pipeline named by a configuration entry (`file.json`, or `module.js[#export]`, absolute). */
export type PipelineLoader = (target: string) => Promise<Pipeline>;

/**
 * The default loader of `weft serve`: a JSON pipeline (sub-pipeline files read beside it) or a JS
 * module exporting one (`#name` picks an export or a pipeline name). The CLI passes its own loader,
 * which also resolves catalogue processors.
 */
export const loadPipelineFile: PipelineLoader = async (target) => {
  const hash = target.lastIndexOf('#');
  const file = hash > 0 && !target.slice(hash + 1).includes('/') ? target.slice(0, hash) : target;
  const name = file === target ? null : target.slice(hash + 1);
  const url = pathToFileURL(file).href;
  if (extname(file).toLowerCase() === '.json') {
    const doc = parse(await read(file), file);
    const r = pipelineFromSpec(doc, {
      url,
      load: (u) => parse(readFileSync(fileURLToPath(u), 'utf8'), fileURLToPath(u)),
    });
    if (!r.ok) {
      throw new WeftError(
        'SPEC_INVALID',
        `${file} is not a valid pipeline:\n${r.problems.map((p) => `  ${p.path || '/'}: [${p.code}] ${p.message}`).join('\n')}`,
        { data: { file, problems: r.problems } },
      );
    }
    return r.pipeline;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new WeftError('MODULE_NOT_FOUND', `cannot load pipeline module ${file}: ${(e as Error).message}`, {
      cause: e,
      data: { file },
    });
  }
  const found = Object.entries(mod).filter((kv): kv is [string, Pipeline] => isPipeline(kv[1]));
  const chosen =
    name === null
      ? found.length === 1
        ? found[0]
        : undefined
      : found.find(([k, p]) => k === name || p.name === name);
  if (!chosen) {
    throw new WeftError(
      'EXPORT_NOT_FOUND',
      name === null && found.length > 1
        ? `${file} exports several pipelines (${found.map(([k]) => k).join(', ')}); pick one with ${file}#name`
        : `${file} exports no pipeline${name === null ? '' : ` "${name}"`}`,
      { data: { file, exports: found.map(([k]) => k) } },
    );
  }
  return chosen[1];
};

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new WeftError('INPUT_INVALID', `cannot read pipeline file ${file}: ${(e as Error).message}`, {
      data: { file },
    });
  }
}

function parse(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new WeftError('SPEC_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, {
      data: { file },
    });
  }
}
