import { WeftError, isWeftError } from '../errors/weft-error.js';
import { isPipeline, nodeCode, type Pipeline } from '../definition/pipeline.js';
import type { StepCode, StepRef } from '../definition/types.js';
import type { ExecutionPlan } from '../plan/execution-plan.js';
import { didYouMean } from '../util/did-you-mean.js';

const known = new Map<string, Pipeline>();
const cache = new Map<string, Promise<StepCode>>();
/** The pipeline object each compiled plan's refs belong to: resolved by identity, never by name. */
const owners = new WeakMap<StepRef, Pipeline>();
const byOwner = new WeakMap<Pipeline, Map<string, Promise<StepCode>>>();

/**
 * Registers an in-memory pipeline so refs to it resolve without importing (main thread). A
 * different pipeline object under the same module and name replaces the earlier one (and its
 * cached code). With its compiled `plan`, the plan's refs resolve to this very object's steps, so
 * two pipelines that share a name never share code.
 */
export function registerPipeline(p: Pipeline, plan?: ExecutionPlan): void {
  const key = `${p.module ?? ''}#${p.name}`;
  if (known.get(key) !== p) {
    known.set(key, p);
    for (const k of [...cache.keys()]) if (k.startsWith(`${key}#`)) cache.delete(k);
  }
  for (const n of p.nodes) {
    if (n.kind !== 'sub' || !isPipeline(n.pipeline)) continue;
    const sub = plan?.nodes[n.name]?.sub;
    registerPipeline(n.pipeline, sub ?? undefined);
  }
  if (!plan) return;
  for (const node of Object.values(plan.nodes)) {
    const ref = node.ref;
    if (ref && ref.pipeline === p.name && ref.module === (p.module ?? '')) owners.set(ref, p);
  }
}

/** A cache key for a StepRef. */
export function refKey(ref: StepRef): string {
  return `${ref.module}#${ref.pipeline ?? ''}#${ref.export}`;
}

/**
 * Finds step code by module and name: imports the module once, then looks up the export (or the
 * node of an exported pipeline). Works the same in any thread.
 */
export function resolveStep(ref: StepRef): Promise<StepCode> {
  const owner = owners.get(ref);
  if (owner) return resolveOwned(owner, ref);
  const key = refKey(ref);
  let p = cache.get(key);
  if (!p) {
    p = load(ref);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** A step of a registered pipeline object, cached per object. */
function resolveOwned(owner: Pipeline, ref: StepRef): Promise<StepCode> {
  let steps = byOwner.get(owner);
  if (!steps) byOwner.set(owner, (steps = new Map()));
  let p = steps.get(ref.export);
  if (!p) {
    p = codeOf(owner, ref);
    steps.set(ref.export, p);
    p.catch(() => steps.delete(ref.export));
  }
  return p;
}

async function load(ref: StepRef): Promise<StepCode> {
  if (ref.pipeline !== undefined) {
    const local = known.get(`${ref.module}#${ref.pipeline}`);
    return codeOf(local ?? (await findPipeline(ref.module, ref.pipeline)), ref);
  }
  const mod = await importModule(ref.module);
  const value = mod[ref.export];
  if (
    typeof value === 'function' ||
    (typeof value === 'object' && value !== null && typeof (value as { run?: unknown }).run === 'function')
  ) {
    return value as StepCode;
  }
  const guess = didYouMean(ref.export, Object.keys(mod));
  if (value === undefined) {
    throw new WeftError(
      'EXPORT_NOT_FOUND',
      `module ${ref.module} has no export "${ref.export}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
      { data: { ref } },
    );
  }
  throw new WeftError(
    'EXPORT_NOT_FOUND',
    `export "${ref.export}" of ${ref.module} is not a step function or actor`,
    { data: { ref } },
  );
}

/** The code of the step `ref.export` of `pipe` (following a `{ module, export }` reference). */
async function codeOf(pipe: Pipeline, ref: StepRef): Promise<StepCode> {
  const code = nodeCode(pipe, ref.export);
  if (code && typeof code === 'object' && 'module' in code) return resolveStep(code);
  if (code === undefined) {
    const guess = didYouMean(
      ref.export,
      pipe.nodes.map((n) => n.name),
    );
    throw new WeftError(
      'STEP_NOT_FOUND',
      `pipeline "${ref.pipeline}" has no step "${ref.export}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
      { data: { ref } },
    );
  }
  return code;
}

/** Imports a module and returns the exported pipeline with that name. */
export async function findPipeline(module: string, name: string): Promise<Pipeline> {
  if (module === '') {
    throw new WeftError(
      'STEP_NOT_FOUND',
      `pipeline "${name}" declares no module, so its steps cannot be found in another thread; pass { module: import.meta.url } to pipeline()`,
    );
  }
  const mod = await importModule(module);
  for (const v of Object.values(mod)) if (isPipeline(v) && v.name === name) return v;
  throw new WeftError('EXPORT_NOT_FOUND', `module ${module} exports no pipeline named "${name}"`, {
    data: { module, name },
  });
}

async function importModule(module: string): Promise<Record<string, unknown>> {
  try {
    return (await import(module)) as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (
      code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'ERR_UNSUPPORTED_ESM_URL_SCHEME' ||
      code === 'ERR_INVALID_URL'
    ) {
      throw new WeftError('MODULE_NOT_FOUND', `cannot import step module ${module}: ${ownMessage(cause)}`, {
        cause,
        data: { module },
      });
    }
    // A coded error thrown while the module loads (ENGINE_IN_WORKER, say) keeps its code.
    throw new WeftError(
      isWeftError(cause) ? cause.code : 'MODULE_NOT_FOUND',
      `step module ${module} failed to load: ${(cause as Error).message}`,
      { cause, data: { ...(isWeftError(cause) ? cause.data : {}), module } },
    );
  }
}

/** This file, as Node names an importer in its messages. */
const SELF = decodeURIComponent(new URL(import.meta.url).pathname);

/**
 * Node's message without " imported from <this file>": the importer it names is the engine, which
 * tells the user nothing (the module was named by their pipeline); an importer of their own is kept.
 */
function ownMessage(cause: unknown): string {
  const message = (cause as Error).message;
  return message.endsWith(` imported from ${SELF}`)
    ? message.slice(0, -` imported from ${SELF}`.length)
    : message;
}
