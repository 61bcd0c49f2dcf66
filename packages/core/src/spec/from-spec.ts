import { pipeline as declare, type Pipeline } from '../definition/pipeline.js';
import type { StateKey } from '../definition/reducers.js';
import type { MapOptions, StepRef, SwitchOptions } from '../definition/types.js';
import { isWeftError } from '../errors/weft-error.js';
import { validate } from '../plan/compile.js';
import type { Problem } from '../plan/execution-plan.js';
import { checkSpec, pointer, type SpecProblem } from './check-spec.js';
import { isObject } from '../util/is-object.js';

/** Run-wide limits a JSON pipeline declares (`quotas`); the CLI turns them into run options. */
export interface SpecQuotas {
  readonly maxConcurrency?: number;
  readonly maxSteps?: number;
  readonly chunkSize?: number;
  readonly timeoutMs?: number;
}

/** How to read a JSON pipeline. */
export interface FromSpecOptions {
  /** URL of the pipeline file (`file:///…/pipeline.json`): relative modules and sub files resolve against it. */
  readonly url: string;
  /** Reads and parses another pipeline file named by a `sub` step (throw a WeftError when it cannot). */
  readonly load?: (url: string) => unknown;
}

/** The outcome of reading a JSON pipeline: a pipeline ready to compile, or every problem with its path. */
export type SpecResult =
  | {
      readonly ok: true;
      readonly pipeline: Pipeline;
      readonly quotas: SpecQuotas;
      /** Every step module referenced (absolute URLs or bare specifiers), for hashing and offline checks. */
      readonly modules: readonly string[];
      /** Every pipeline file read (the top one first). */
      readonly files: readonly string[];
    }
  | { readonly ok: false; readonly problems: readonly SpecProblem[] };

interface Where {
  readonly file: string;
  readonly path: string;
  readonly step: Record<string, unknown>;
}

interface Ctx {
  readonly opts: FromSpecOptions;
  readonly top: string;
  readonly problems: SpecProblem[];
  readonly modules: Set<string>;
  readonly files: string[];
  /** Qualified node name (`outer/inner`) to its place in a file. */
  readonly where: Map<string, Where>;
}

/**
 * Reads a parsed JSON pipeline declaration into the same Pipeline the TypeScript builder makes:
 * checks it against the schema, resolves each step's code to a `{ module, export }` reference
 * (relative to the pipeline file), reads `sub` files through `load`, then validates the graph.
 * Every problem carries the JSON Pointer of the value at fault (and the file, for a sub file).
 * @example
 * const r = pipelineFromSpec(JSON.parse(text), { url: pathToFileURL(file).href, load });
 * if (!r.ok) for (const p of r.problems) console.error(`${p.path}: ${p.message}`);
 */
export function pipelineFromSpec(doc: unknown, options: FromSpecOptions): SpecResult {
  const ctx: Ctx = {
    opts: options,
    top: options.url,
    problems: [],
    modules: new Set(),
    files: [options.url],
    where: new Map(),
  };
  const p = build(doc, options.url, '', [], [options.url], ctx);
  if (ctx.problems.length > 0 || p === undefined) return { ok: false, problems: ctx.problems };
  const report = validate(p);
  if (!report.valid) return { ok: false, problems: report.problems.map((q) => locate(q, ctx)) };
  const quotas = isObject(doc) && isObject(doc['quotas']) ? (doc['quotas'] as SpecQuotas) : {};
  return { ok: true, pipeline: p, quotas, modules: [...ctx.modules], files: ctx.files };
}

function build(
  doc: unknown,
  url: string,
  at: string,
  prefix: readonly string[],
  stack: readonly string[],
  ctx: Ctx,
): Pipeline | undefined {
  const found = checkSpec(doc, at);
  for (const f of found) ctx.problems.push(url === ctx.top ? f : { ...f, file: url });
  if (found.length > 0 || !isObject(doc)) return undefined;
  const steps = doc['steps'] as Record<string, Record<string, unknown>>;
  const extraTo = new Map<string, string[]>();
  for (const [i, e] of ((doc['edges'] ?? []) as { from: string; to: string | string[] }[]).entries()) {
    if (!(e.from in steps)) {
      push(
        ctx,
        url,
        `${at}/edges/${i}/from`,
        'UNKNOWN_TARGET',
        `edge ${i} starts at "${e.from}", which is not a step`,
      );
      continue;
    }
    const list = extraTo.get(e.from) ?? [];
    list.push(...(Array.isArray(e.to) ? e.to : [e.to]));
    extraTo.set(e.from, list);
  }
  const state: Record<string, StateKey> = {};
  for (const [k, v] of Object.entries(
    (doc['state'] ?? {}) as Record<string, { reducer: StateKey['reducer']; initial?: unknown }>,
  )) {
    state[k] = { reducer: v.reducer, initial: v.initial ?? defaultInitial(v.reducer) };
  }
  const b = declare(doc['name'] as string, {
    ...(typeof doc['description'] === 'string' ? { description: doc['description'] } : {}),
    ...(typeof doc['version'] === 'string' ? { version: doc['version'] } : {}),
    state: state as never,
  });
  const defaults = (doc['params'] ?? {}) as Record<string, unknown>;
  for (const [name, s] of Object.entries(steps)) {
    const here = `${at}/steps${pointer(name)}`;
    ctx.where.set([...prefix, name].join('/'), { file: url, path: here, step: s });
    const to = [...toList(s['to']), ...(extraTo.get(name) ?? [])];
    const common: Record<string, unknown> = {};
    for (const k of [
      'routes',
      'timeoutMs',
      'concurrency',
      'placement',
      'join',
      'barrierTimeoutMs',
      'version',
      'io',
      'cache',
      'writes',
    ])
      if (s[k] !== undefined) common[k] = s[k];
    if (s['retry'] !== undefined) common['retry'] = s['retry'];
    if (to.length > 0) common['to'] = [...new Set(to)];
    if (s['params'] !== undefined || Object.keys(defaults).length > 0)
      common['params'] = { ...defaults, ...(s['params'] ?? {}) };
    if (s['sub'] !== undefined) {
      const inner = readSub(s['sub'], url, `${here}/sub`, [...prefix, name], stack, ctx);
      if (inner) b.sub(name, inner, common);
    } else if (s['map'] !== undefined) {
      b.map(name, ref(s['map'], url, ctx), {
        ...common,
        ...(s['chunkSize'] !== undefined ? { chunkSize: s['chunkSize'] } : {}),
      } as MapOptions);
    } else if (s['switch'] !== undefined) {
      const { to: _to, ...rest } = common;
      b.switch(name, ref(s['switch'], url, ctx), {
        ...rest,
        cases: s['cases'],
        ...(s['default'] !== undefined ? { default: s['default'] } : {}),
      } as SwitchOptions);
    } else {
      b.step(name, ref(s['run'], url, ctx), common);
    }
  }
  return b.build();
}

function readSub(
  sub: unknown,
  url: string,
  at: string,
  prefix: readonly string[],
  stack: readonly string[],
  ctx: Ctx,
): Pipeline | undefined {
  if (typeof sub !== 'string') return build(sub, url, at, prefix, stack, ctx);
  const target = new URL(sub, url).href;
  if (stack.includes(target)) {
    push(
      ctx,
      url,
      at,
      'SUB_INVALID',
      `sub pipeline ${sub} includes itself (${[...stack, target].map(baseName).join(' -> ')})`,
    );
    return undefined;
  }
  if (!ctx.opts.load) {
    push(ctx, url, at, 'SUB_INVALID', `sub pipeline file ${sub} cannot be read here (no loader given)`);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = ctx.opts.load(target);
  } catch (e) {
    push(
      ctx,
      url,
      at,
      isWeftError(e) ? e.code : 'SPEC_INVALID',
      `cannot read sub pipeline ${sub}: ${(e as Error).message}`,
    );
    return undefined;
  }
  ctx.files.push(target);
  return build(doc, target, '', prefix, [...stack, target], ctx);
}

/** Resolves a code reference against the pipeline file. */
function ref(code: unknown, url: string, ctx: Ctx): StepRef {
  const [mod, exp] =
    typeof code === 'string'
      ? [code.slice(0, code.lastIndexOf('#')), code.slice(code.lastIndexOf('#') + 1)]
      : [(code as StepRef).module, (code as StepRef).export];
  const module = resolveModule(mod, url);
  ctx.modules.add(module);
  return { module, export: exp };
}

/** A relative or absolute path becomes a `file:` URL; a URL or a bare package specifier is kept. */
export function resolveModule(specifier: string, base: string): string {
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/'))
    return new URL(specifier, base).href;
  return specifier;
}

function toList(v: unknown): string[] {
  return typeof v === 'string' ? [v] : Array.isArray(v) ? (v as string[]) : [];
}

function defaultInitial(reducer: StateKey['reducer']): unknown {
  switch (reducer) {
    case 'sum':
      return 0;
    case 'append':
    case 'union':
      return [];
    case 'merge':
      return {};
    case 'max':
      return Number.NEGATIVE_INFINITY;
    case 'min':
      return Number.POSITIVE_INFINITY;
    case 'replace':
    case 'custom':
      return null;
  }
}

function push(ctx: Ctx, file: string, path: string, code: SpecProblem['code'], message: string): void {
  ctx.problems.push({ code, path, message, ...(file === ctx.top ? {} : { file }) });
}

/** Maps a compiler problem (qualified node + option) back to a JSON Pointer. */
function locate(q: Problem, ctx: Ctx): SpecProblem {
  const w = q.node !== undefined ? ctx.where.get(q.node) : undefined;
  let path = w?.path ?? '';
  if (w && q.option !== undefined) path += pointer(...q.option.split('.'));
  else if (w && q.code === 'UNKNOWN_TARGET') path += targetPath(w.step, q.target);
  else if (w && (q.code === 'SWITCH_INVALID' || q.code === 'SWITCH_NO_ROUTE')) path += '/cases';
  else if (!w && (q.code === 'NO_ROOT' || q.code === 'MULTIPLE_ROOTS' || q.code === 'STATIC_CYCLE'))
    path = '/steps';
  const file = w?.file ?? ctx.top;
  return {
    code: q.code,
    path,
    message: q.message,
    ...(file === ctx.top ? {} : { file }),
    ...(q.hint ? { hint: q.hint } : {}),
  };
}

/** Where a step names an unknown target: `/to`, `/to/1`, `/routes/0`, `/cases/x` or `/default`. */
function targetPath(step: Record<string, unknown>, target: string | undefined): string {
  const to = step['to'];
  if (to === target) return '/to';
  if (Array.isArray(to) && to.includes(target)) return `/to/${to.indexOf(target)}`;
  const routes = step['routes'];
  if (Array.isArray(routes) && routes.includes(target)) return `/routes/${routes.indexOf(target)}`;
  if (isObject(step['cases']))
    for (const [k, v] of Object.entries(step['cases'])) if (v === target) return `/cases${pointer(k)}`;
  if (step['default'] === target) return '/default';
  return '';
}

function baseName(u: string): string {
  return u.slice(u.lastIndexOf('/') + 1);
}
