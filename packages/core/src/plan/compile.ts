import { WeftError } from '../errors/weft-error.js';
import { isPipeline, type Pipeline } from '../definition/pipeline.js';
import type { NodeDef, RetryOptions, StepRef } from '../definition/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import { hashString, stableStringify } from '../util/hash.js';
import { checkNodeOptions, show } from './check-options.js';
import type { ExecutionPlan, PlanNode, Problem, ResolvedRetry, ValidationReport } from './execution-plan.js';
import { checkGraph } from './graph-checks.js';

const DEFAULT_RETRY: ResolvedRetry = {
  attempts: 1,
  initialDelayMs: 100,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: 1,
  retryOn: 'retryable',
};

/**
 * Validates a pipeline without running anything. Returns every problem at once, as data.
 * @example
 * const report = validate(myPipeline);
 * if (!report.valid) for (const p of report.problems) console.error(p.code, p.message);
 */
export function validate(p: unknown): ValidationReport {
  const problems: Problem[] = [];
  if (!isPipeline(p)) {
    return {
      valid: false,
      pipeline: '?',
      problems: [{ code: 'PIPELINE_INVALID', message: `expected a pipeline built with pipeline(...).build(), got ${show(p)}` }],
    };
  }
  analyse(p, [], [], problems);
  return { valid: problems.length === 0, pipeline: p.name, problems };
}

/**
 * Compiles a pipeline into its immutable ExecutionPlan. Throws one `PIPELINE_INVALID` error whose
 * `data.problems` lists every problem.
 * @example const plan = compile(myPipeline);
 */
export function compile(p: Pipeline): ExecutionPlan {
  const problems: Problem[] = [];
  if (!isPipeline(p)) return fail(validate(p).problems, '?');
  const plan = analyse(p, [], [], problems);
  if (problems.length > 0 || plan === undefined) return fail(problems, p.name);
  return plan;
}

function fail(problems: readonly Problem[], name: string): never {
  const lines = problems.map((q) => `  - [${q.code}] ${q.message}`).join('\n');
  throw new WeftError('PIPELINE_INVALID', `pipeline "${name}" is invalid:\n${lines}`, { data: { problems: [...problems] } });
}

function analyse(p: Pipeline, prefix: readonly string[], stack: readonly Pipeline[], problems: Problem[]): ExecutionPlan | undefined {
  const qualify = (n: string): string => [...prefix, n].join('/');
  const push = (q: Problem): void => void problems.push(q);
  const before = problems.length;
  for (const d of p.declarationProblems) push({ code: 'DEFINITION_INVALID', message: d.message, ...(d.node ? { node: qualify(d.node) } : {}) });
  if (typeof p.name !== 'string' || p.name.length === 0) push({ code: 'DEFINITION_INVALID', message: 'a pipeline needs a non-empty name' });
  if (p.nodes.length === 0) {
    push({ code: 'DEFINITION_INVALID', message: `pipeline "${p.name}" has no steps` });
    return undefined;
  }

  const names = new Set<string>();
  const order: string[] = [];
  for (const n of p.nodes) {
    if (names.has(n.name)) push({ code: 'DUPLICATE_STEP', node: qualify(n.name), message: `step "${qualify(n.name)}" is declared twice` });
    else {
      names.add(n.name);
      order.push(n.name);
    }
  }
  const byName = new Map(p.nodes.map((n) => [n.name, n] as const));

  const staticEdges = new Map<string, string[]>();
  const allEdges = new Map<string, string[]>();
  const subs = new Map<string, ExecutionPlan>();
  for (const name of order) {
    const node = byName.get(name)!;
    const q = qualify(name);
    checkNodeOptions(node, q, push);
    checkCode(node, q, push);
    const targets = staticTargets(node);
    const declaredRoutes = (node.options as { routes?: unknown }).routes;
    const routes = Array.isArray(declaredRoutes) ? (declaredRoutes as string[]) : [];
    for (const t of [...targets, ...routes]) {
      if (typeof t === 'string' && !names.has(t)) {
        const guess = didYouMean(t, names);
        push({
          code: 'UNKNOWN_TARGET',
          node: q,
          message: `"${q}" routes to "${t}", which is not a step of "${p.name}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
          ...(guess ? { hint: `did you mean "${guess}"?` } : {}),
        });
      }
    }
    staticEdges.set(name, targets.filter((t) => names.has(t)));
    allEdges.set(name, [...targets, ...routes].filter((t) => names.has(t)));
    if (node.kind === 'sub') {
      const inner = node.pipeline;
      if (!isPipeline(inner)) {
        push({ code: 'SUB_INVALID', node: q, message: `"${q}": sub needs a built pipeline, got ${show(inner)}` });
      } else if (inner === p || stack.includes(inner)) {
        push({ code: 'SUB_INVALID', node: q, message: `"${q}": pipeline "${inner.name}" includes itself` });
      } else {
        const sub = analyse(inner, [...prefix, name], [...stack, p], problems);
        if (sub) subs.set(name, sub);
      }
    }
  }

  const parents = new Map<string, string[]>(order.map((n) => [n, []]));
  for (const n of order) for (const t of new Set(staticEdges.get(n))) parents.get(t)?.push(n);
  const joins = new Map<string, { kind: 'all' | 'any'; parents: readonly string[] }>();
  for (const n of order) {
    const ps = parents.get(n)!;
    const declared = byName.get(n)!.options.join;
    if (ps.length > 1) joins.set(n, { kind: declared === 'any' ? 'any' : 'all', parents: ps });
    else if (declared !== undefined && ps.length <= 1) {
      push({ code: 'OPTION_INVALID', node: qualify(n), message: `"${qualify(n)}" declares join "${String(declared)}" but has ${ps.length} static parent(s); a join needs at least two` });
    }
  }

  const root = checkGraph(order, staticEdges, allEdges, joins, qualify, push);
  for (const [key] of Object.entries(p.options.state ?? {})) {
    const spec = (p.options.state as Record<string, { reducer?: unknown }>)[key];
    if (typeof spec !== 'object' || spec === null || typeof spec.reducer !== 'string') {
      push({ code: 'DEFINITION_INVALID', message: `state key "${key}" needs a reducer (use reducers.sum(), reducers.replace(x), …)` });
    }
  }
  if (problems.length > before || root === undefined) return undefined;

  const nodes: Record<string, PlanNode> = {};
  for (const name of order) {
    const node = byName.get(name)!;
    nodes[name] = planNode(p, node, order.indexOf(name), staticEdges.get(name)!, parents.get(name)!, joins.get(name), subs.get(name));
  }
  const state: Record<string, { reducer: ExecutionPlan['state'][string]['reducer']; initial: unknown }> = {};
  for (const [k, v] of Object.entries(p.options.state ?? {})) {
    const key = v as { reducer: ExecutionPlan['state'][string]['reducer']; initial: unknown };
    state[k] = { reducer: key.reducer, initial: key.initial };
  }
  const body = {
    planVersion: 1 as const,
    name: p.name,
    module: p.module ?? null,
    version: p.options.version ?? null,
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
    const cases = node.options.cases;
    const out = typeof cases === 'object' && cases !== null ? Object.values(cases).filter((v): v is string => typeof v === 'string') : [];
    if (typeof node.options.default === 'string') out.push(node.options.default);
    return [...new Set(out)];
  }
  const to = node.options.to;
  if (typeof to === 'string') return [to];
  return Array.isArray(to) ? [...new Set(to.filter((t): t is string => typeof t === 'string'))] : [];
}

function checkCode(node: NodeDef, q: string, push: (p: Problem) => void): void {
  if (node.kind === 'sub') return;
  const code = node.code as unknown;
  const ok =
    typeof code === 'function' ||
    (typeof code === 'object' && code !== null && (typeof (code as { run?: unknown }).run === 'function' || isRef(code)));
  if (!ok) {
    const kind = node.kind === 'map' ? 'MAP_INVALID' : node.kind === 'switch' ? 'SWITCH_INVALID' : 'DEFINITION_INVALID';
    push({ code: kind, node: q, message: `"${q}": code must be a function, an actor ({ run }) or a { module, export } reference, got ${show(code)}` });
  }
}

function isRef(v: unknown): v is StepRef {
  return typeof (v as StepRef).module === 'string' && typeof (v as StepRef).export === 'string';
}

function planNode(
  p: Pipeline,
  node: NodeDef,
  index: number,
  to: readonly string[],
  parents: readonly string[],
  join: { kind: 'all' | 'any' } | undefined,
  sub: ExecutionPlan | undefined,
): PlanNode {
  const o = node.options;
  const ref: StepRef | null =
    node.kind === 'sub' ? null : isRef(node.code) ? { module: node.code.module, export: node.code.export, ...(node.code.pipeline ? { pipeline: node.code.pipeline } : {}) } : { module: p.module ?? '', pipeline: p.name, export: node.name };
  return {
    kind: node.kind,
    name: node.name,
    index,
    ref,
    to: [...to],
    routes: [...((o as { routes?: readonly string[] }).routes ?? [])],
    parents: [...parents],
    join: join?.kind ?? null,
    barrierTimeoutMs: o.barrierTimeoutMs ?? null,
    retry: resolveRetry(o.retry),
    timeoutMs: o.timeoutMs ?? null,
    concurrency: o.concurrency ?? null,
    placement: o.placement ?? null,
    version: o.version ?? null,
    params: { ...(o.params ?? {}) },
    io: o.io === true,
    hasErrorHandler: typeof o.onError === 'function',
    map: node.kind === 'map' ? { chunkSize: node.options.chunkSize ?? null } : null,
    switch:
      node.kind === 'switch'
        ? { cases: Object.entries(node.options.cases), default: node.options.default ?? null }
        : null,
    sub: sub ?? null,
  };
}

/** Resolves a retry option into a complete policy. Pure. */
export function resolveRetry(r: number | RetryOptions | undefined): ResolvedRetry {
  if (r === undefined) return DEFAULT_RETRY;
  if (typeof r === 'number') return { ...DEFAULT_RETRY, attempts: r };
  return {
    attempts: r.attempts,
    initialDelayMs: r.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs,
    factor: r.factor ?? DEFAULT_RETRY.factor,
    maxDelayMs: r.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    jitter: r.jitter ?? DEFAULT_RETRY.jitter,
    retryOn: r.retryOn === undefined ? 'retryable' : r.retryOn === 'all' ? 'all' : [...r.retryOn],
  };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
