import { WeftError } from '../errors/weft-error.js';
import { isPipeline, type Pipeline } from '../definition/pipeline.js';
import type { ReducerName, StateKey } from '../definition/reducers.js';
import type { NodeDef, RetryOptions, StepRef } from '../definition/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import { hashString, stableStringify } from '../util/hash.js';
import { clonePlain } from '../util/plain-data.js';
import { checkNodeOptions, checkRetry, isStringArray, show } from './check-options.js';
import { checkShape, type CheckedPipeline } from './check-shape.js';
import type { ExecutionPlan, PlanNode, Problem, ResolvedRetry, ValidationReport } from './execution-plan.js';
import { checkGraph, type JoinInfo } from './graph-checks.js';

const DEFAULT_RETRY: ResolvedRetry = Object.freeze({
  attempts: 1,
  initialDelayMs: 100,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: 1,
  retryOn: 'retryable',
});

/** Marks problems made from an unexpected exception while reading a definition (a bug, or an exotic object). */
export const UNREADABLE = 'the definition could not be read';

/**
 * Validates a pipeline without running anything. Returns every problem at once, as data; never
 * throws, whatever it is given.
 * @example
 * const report = validate(myPipeline);
 * if (!report.valid) for (const p of report.problems) console.error(p.code, p.message);
 */
export function validate(p: unknown): ValidationReport {
  const problems: Problem[] = [];
  const name = guarded(problems, () => {
    if (!isPipeline(p)) return notAPipeline(p, problems);
    analyse(p, [], [], problems);
    return nameOf(p);
  });
  return { valid: problems.length === 0, pipeline: name ?? '?', problems };
}

/**
 * Compiles a pipeline into its immutable ExecutionPlan. Throws one `PIPELINE_INVALID` error whose
 * `data.problems` lists every problem (the same list `validate` returns).
 * @example const plan = compile(myPipeline);
 */
export function compile(p: Pipeline): ExecutionPlan {
  const problems: Problem[] = [];
  let plan: ExecutionPlan | undefined;
  const name = guarded(problems, () => {
    if (!isPipeline(p)) return notAPipeline(p, problems);
    plan = analyse(p, [], [], problems);
    return nameOf(p);
  });
  if (problems.length > 0 || plan === undefined) return fail(problems, name ?? '?');
  return plan;
}

/** Runs `fn`; an unexpected exception becomes a DEFINITION_INVALID problem instead of escaping. */
function guarded(problems: Problem[], fn: () => string | undefined): string | undefined {
  try {
    return fn();
  } catch (e) {
    let why: string;
    try {
      why = e instanceof Error ? e.message : show(e);
    } catch {
      why = 'an unprintable error';
    }
    problems.push({ code: 'DEFINITION_INVALID', message: `${UNREADABLE}: ${why}` });
    return undefined;
  }
}

function notAPipeline(p: unknown, problems: Problem[]): undefined {
  problems.push({
    code: 'PIPELINE_INVALID',
    message: `expected a pipeline built with pipeline(...).build(), got ${show(p)}`,
  });
  return undefined;
}

function nameOf(p: Pipeline): string | undefined {
  return typeof p.name === 'string' && p.name.length > 0 ? p.name : undefined;
}

function fail(problems: readonly Problem[], name: string): never {
  const lines = problems.map((q) => `  - [${q.code}] ${q.message}`).join('\n');
  throw new WeftError('PIPELINE_INVALID', `pipeline "${name}" is invalid:\n${lines}`, {
    data: { problems: [...problems] },
  });
}

function analyse(
  raw: Pipeline,
  prefix: readonly string[],
  stack: readonly Pipeline[],
  problems: Problem[],
): ExecutionPlan | undefined {
  const qualify = (n: string): string => [...prefix, n].join('/');
  const push = (q: Problem): void =>
    void problems.push(prefix.length > 0 && q.node === undefined ? { ...q, node: prefix.join('/') } : q);
  const before = problems.length;
  const p = checkShape(raw as unknown as Record<string, unknown>, push);
  if (!p) return undefined;
  for (const d of p.declarationProblems)
    push({ code: 'DEFINITION_INVALID', message: d.message, ...(d.node ? { node: qualify(d.node) } : {}) });
  if (p.nodes.length === 0) {
    push({ code: 'DEFINITION_INVALID', message: `pipeline "${p.name}" has no steps` });
    return undefined;
  }

  const names = new Set<string>();
  const order: string[] = [];
  for (const n of p.nodes) {
    if (names.has(n.name))
      push({
        code: 'DUPLICATE_STEP',
        node: qualify(n.name),
        message: `step "${qualify(n.name)}" is declared twice`,
      });
    else {
      names.add(n.name);
      order.push(n.name);
      if (n.name.includes('/') || n.name === '__proto__') {
        push({
          code: 'DEFINITION_INVALID',
          node: qualify(n.name),
          message: `step name "${n.name}" is not allowed: "/" separates sub-pipeline paths and "__proto__" is reserved`,
        });
      }
    }
  }
  const byName = new Map<string, NodeDef>();
  for (const n of p.nodes) if (!byName.has(n.name)) byName.set(n.name, n);

  const staticEdges = new Map<string, string[]>();
  const routeEdges = new Map<string, string[]>();
  const subs = new Map<string, ExecutionPlan>();
  for (const name of order) {
    const node = byName.get(name)!;
    const q = qualify(name);
    checkNodeOptions(node, q, push);
    checkCode(node, q, push);
    const targets = staticTargets(node);
    const routes = node.kind === 'switch' ? [] : routeTargets(node);
    for (const t of new Set([...targets, ...routes])) {
      if (names.has(t)) continue;
      const guess = didYouMean(t, names);
      push({
        code: 'UNKNOWN_TARGET',
        node: q,
        target: t,
        message: `"${q}" routes to "${t}", which is not a step of "${p.name}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        ...(guess ? { hint: `did you mean "${guess}"?` } : {}),
      });
    }
    staticEdges.set(
      name,
      targets.filter((t) => names.has(t)),
    );
    routeEdges.set(
      name,
      routes.filter((t) => names.has(t)),
    );
    if (node.kind === 'sub') {
      const inner = node.pipeline;
      if (!isPipeline(inner)) {
        push({
          code: 'SUB_INVALID',
          node: q,
          message: `"${q}": sub needs a built pipeline, got ${show(inner)}`,
        });
      } else if (inner === raw || stack.includes(inner)) {
        push({
          code: 'SUB_INVALID',
          node: q,
          message: `"${q}": pipeline "${nameOf(inner) ?? '?'}" includes itself`,
        });
      } else {
        const innerBefore = problems.length;
        const sub = analyse(inner, [...prefix, name], [...stack, raw], problems);
        if (sub) subs.set(name, sub);
        else if (problems.length === innerBefore)
          push({
            code: 'SUB_INVALID',
            node: q,
            message: `"${q}": pipeline "${nameOf(inner) ?? '?'}" cannot be compiled`,
          });
      }
    }
  }

  const parents = new Map<string, string[]>(order.map((n) => [n, []]));
  for (const n of order) for (const t of staticEdges.get(n)!) parents.get(t)!.push(n);
  const joins = new Map<string, JoinInfo>();
  for (const n of order) {
    const ps = parents.get(n)!;
    const o = byName.get(n)!.options;
    if (ps.length > 1) joins.set(n, { kind: o.join === 'any' ? 'any' : 'all', parents: ps });
    else {
      for (const option of ['join', 'barrierTimeoutMs'] as const) {
        if (o[option] === undefined) continue;
        push({
          code: 'OPTION_INVALID',
          node: qualify(n),
          option,
          message: `"${qualify(n)}" declares ${option} but has ${ps.length} static parent(s); only a join (two or more static parents) waits for its parents`,
        });
      }
    }
  }

  const root = checkGraph(order, staticEdges, routeEdges, joins, qualify, push);
  if (problems.length > before || root === undefined) return undefined;

  const nodes: Record<string, PlanNode> = Object.create(null) as Record<string, PlanNode>;
  for (const [index, name] of order.entries()) {
    nodes[name] = planNode(
      p,
      byName.get(name)!,
      index,
      staticEdges.get(name)!,
      routeEdges.get(name)!,
      parents.get(name)!,
      joins.get(name),
      subs.get(name),
    );
  }
  const state: Record<string, { reducer: ReducerName; initial: unknown }> = Object.create(null) as Record<
    string,
    { reducer: ReducerName; initial: unknown }
  >;
  for (const [k, v] of Object.entries((p.options['state'] ?? {}) as Record<string, StateKey>)) {
    state[k] = { reducer: v.reducer, initial: clonePlain(v.initial) };
  }
  const body = {
    planVersion: 1 as const,
    name: p.name,
    module: p.module ?? null,
    version: (p.options['version'] as string | undefined) ?? null,
    root,
    order,
    nodes,
    state,
    leaves: order.filter((n) => staticEdges.get(n)!.length === 0),
  };
  return deepFreeze({ ...body, id: hashString(stableStringify(body)) });
}

function staticTargets(node: NodeDef): string[] {
  if (node.kind === 'switch') {
    const cases: unknown = node.options.cases;
    const out =
      typeof cases === 'object' && cases !== null && !Array.isArray(cases)
        ? Object.values(cases).filter((v): v is string => typeof v === 'string')
        : [];
    if (typeof node.options.default === 'string') out.push(node.options.default);
    return [...new Set(out)];
  }
  const to: unknown = node.options.to;
  if (typeof to === 'string') return [to];
  return Array.isArray(to) ? [...new Set(to.filter((t): t is string => typeof t === 'string'))] : [];
}

function routeTargets(node: NodeDef): string[] {
  const routes: unknown = (node.options as { routes?: unknown }).routes;
  return Array.isArray(routes) ? [...new Set(routes.filter((t): t is string => typeof t === 'string'))] : [];
}

function checkCode(node: NodeDef, q: string, push: (p: Problem) => void): void {
  if (node.kind === 'sub') return;
  const code = node.code as unknown;
  const ok =
    typeof code === 'function' ||
    (typeof code === 'object' &&
      code !== null &&
      (typeof (code as { run?: unknown }).run === 'function' || isRef(code)));
  if (!ok) {
    const kind =
      node.kind === 'map' ? 'MAP_INVALID' : node.kind === 'switch' ? 'SWITCH_INVALID' : 'DEFINITION_INVALID';
    push({
      code: kind,
      node: q,
      message: `"${q}": code must be a function, an actor ({ run }) or a { module, export } reference, got ${show(code)}`,
    });
  }
}

function isRef(v: unknown): v is StepRef {
  const r = v as Record<string, unknown>;
  return (
    typeof r['module'] === 'string' &&
    typeof r['export'] === 'string' &&
    (r['pipeline'] === undefined || typeof r['pipeline'] === 'string')
  );
}

function planNode(
  p: CheckedPipeline,
  node: NodeDef,
  index: number,
  to: readonly string[],
  routes: readonly string[],
  parents: readonly string[],
  join: JoinInfo | undefined,
  sub: ExecutionPlan | undefined,
): PlanNode {
  const o = node.options;
  const ref: StepRef | null =
    node.kind === 'sub'
      ? null
      : isRef(node.code)
        ? {
            module: node.code.module,
            export: node.code.export,
            ...(typeof node.code.pipeline === 'string' ? { pipeline: node.code.pipeline } : {}),
          }
        : { module: p.module ?? '', pipeline: p.name, export: node.name };
  return {
    kind: node.kind,
    name: node.name,
    index,
    ref,
    to: [...to],
    routes: [...routes],
    parents: [...parents],
    join: join?.kind ?? null,
    barrierTimeoutMs: o.barrierTimeoutMs ?? null,
    retry: resolveRetry(o.retry),
    timeoutMs: o.timeoutMs ?? null,
    concurrency: o.concurrency ?? null,
    placement: o.placement ?? null,
    version: o.version ?? null,
    params: clonePlain({ ...(o.params ?? {}) }),
    io: o.io === true,
    hasErrorHandler: typeof o.onError === 'function',
    map: node.kind === 'map' ? { chunkSize: node.options.chunkSize ?? null } : null,
    switch:
      node.kind === 'switch'
        ? { cases: Object.entries(node.options.cases), default: node.options.default ?? null }
        : null,
    sub: sub ?? null,
    ...(o.cache === false ? { cache: false as const } : {}),
    ...(o.writes !== undefined && o.writes.length > 0 ? { writes: [...o.writes] } : {}),
  };
}

/**
 * Resolves a retry option into a complete policy (defaults: 1 attempt, 100 ms initial delay, factor
 * 2, 30 s cap, full jitter, retry errors marked retryable). Pure; throws OPTION_INVALID for a bad
 * option.
 * @example resolveRetry(3) // { attempts: 3, initialDelayMs: 100, factor: 2, maxDelayMs: 30000, jitter: 1, retryOn: 'retryable' }
 */
export function resolveRetry(r: number | RetryOptions | undefined): ResolvedRetry {
  const problems: string[] = [];
  checkRetry(r, (option, expected, value) =>
    problems.push(`${option} must be ${expected}, got ${show(value)}`),
  );
  if (problems.length > 0)
    throw new WeftError('OPTION_INVALID', `invalid retry option: ${problems.join('; ')}`, {
      data: { problems },
    });
  if (r === undefined) return DEFAULT_RETRY;
  if (typeof r === 'number') return { ...DEFAULT_RETRY, attempts: r };
  return {
    attempts: r.attempts,
    initialDelayMs: r.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs,
    factor: r.factor ?? DEFAULT_RETRY.factor,
    maxDelayMs: r.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    jitter: r.jitter ?? DEFAULT_RETRY.jitter,
    retryOn:
      r.retryOn === undefined
        ? 'retryable'
        : r.retryOn === 'all'
          ? 'all'
          : isStringArray(r.retryOn)
            ? [...r.retryOn]
            : 'retryable',
  };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
