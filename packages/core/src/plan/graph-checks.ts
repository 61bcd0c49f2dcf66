import type { Problem } from './execution-plan.js';

/** Adjacency lists over node names. */
export type Graph = ReadonlyMap<string, readonly string[]>;

/** Nodes reachable from any of `starts` (included) along the edges of every graph given. */
export function reachable(starts: string | readonly string[], ...graphs: Graph[]): Set<string> {
  const list = typeof starts === 'string' ? [starts] : starts;
  const seen = new Set<string>(list);
  const stack = [...list];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const g of graphs) {
      for (const m of g.get(n) ?? []) {
        if (!seen.has(m)) {
          seen.add(m);
          stack.push(m);
        }
      }
    }
  }
  return seen;
}

/** One cycle per back edge of a depth-first search in declaration order, each closed (`[a, b, a]`). Iterative: deep graphs do not overflow the stack. */
export function findCycles(order: readonly string[], edges: Graph): string[][] {
  const color = new Map<string, 1 | 2>();
  const cycles: string[][] = [];
  for (const start of order) {
    if (color.has(start)) continue;
    const path: string[] = [start];
    const next: number[] = [0];
    color.set(start, 1);
    while (path.length > 0) {
      const n = path[path.length - 1]!;
      const out = edges.get(n) ?? [];
      const i = next[next.length - 1]!;
      if (i >= out.length) {
        color.set(n, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const m = out[i]!;
      const c = color.get(m);
      if (c === 1) cycles.push([...path.slice(path.indexOf(m)), m]);
      else if (c === undefined) {
        color.set(m, 1);
        path.push(m);
        next.push(0);
      }
    }
  }
  return cycles;
}

/** A join as the graph checks see it. */
export interface JoinInfo {
  readonly kind: 'all' | 'any';
  readonly parents: readonly string[];
}

/**
 * Graph-level checks. The rules (the README's "Validation" section says the same):
 * - Candidates are the steps without a static parent. A candidate reached (by static edges or
 *   declared `routes`) from another candidate is entered by `next()`, not a start; among
 *   candidates that reach each other, the first declared is the start. NO_ROOT when there is no
 *   candidate; MULTIPLE_ROOTS when more than one start remains. The first start is the plan's root.
 * - The rest is judged as if one start fanned out to every root: a step not reachable from the
 *   roots (static edges and routes) is UNREACHABLE_STEP; every static cycle is STATIC_CYCLE.
 * - An ALL join must get an arrival (output or skip) from every parent once any parent arrives.
 *   Steps reached by static edges from the start always arrive, and so do the static descendants
 *   of a step entered by `next()`. So for the start and for every route target, the parents it
 *   reaches by static edges must be none or all of the join's parents: else JOIN_UNREACHABLE.
 */
export function checkGraph(
  order: readonly string[],
  staticEdges: Graph,
  routeEdges: Graph,
  joins: ReadonlyMap<string, JoinInfo>,
  qualify: (n: string) => string,
  push: (p: Problem) => void,
): string | undefined {
  for (const cycle of findCycles(order, staticEdges)) {
    push({
      code: 'STATIC_CYCLE',
      node: qualify(cycle[0]!),
      cycle,
      message: `static cycle: ${cycle.map(qualify).join(' -> ')}`,
      hint: 'loops are made with next() at run time; declare the loop target in "routes"',
    });
  }
  const roots = findRoots(order, staticEdges, routeEdges);
  if (roots.length === 0) {
    push({
      code: 'NO_ROOT',
      message: 'every step has a static parent: the pipeline has nowhere to start',
      hint: 'a loop back to the start is made with next() and declared in "routes", not with "to"',
    });
    return undefined;
  }
  if (roots.length > 1) {
    push({
      code: 'MULTIPLE_ROOTS',
      node: qualify(roots[1]!),
      roots,
      message: `several steps could start the run (${roots.map(qualify).join(', ')}); a pipeline has one start`,
      hint: `connect them from "${roots[0]!}" or add a first step that fans out to them`,
    });
  }
  const fromStart = reachable(roots, staticEdges, routeEdges);
  for (const n of order) {
    if (!fromStart.has(n))
      push({
        code: 'UNREACHABLE_STEP',
        node: qualify(n),
        message: `step "${qualify(n)}" cannot be reached from "${qualify(roots[0]!)}"`,
      });
  }
  checkJoins(order, staticEdges, routeEdges, joins, roots, fromStart, qualify, push);
  return roots[0];
}

/** The steps that could start the run, in declaration order (see `checkGraph`). */
export function findRoots(order: readonly string[], staticEdges: Graph, routeEdges: Graph): string[] {
  const hasParent = new Set<string>();
  for (const targets of staticEdges.values()) for (const t of targets) hasParent.add(t);
  const candidates = order.filter((n) => !hasParent.has(n));
  const reach = new Map(candidates.map((c) => [c, reachable(c, staticEdges, routeEdges)] as const));
  return candidates.filter((c, i) =>
    candidates.every((d, j) => d === c || !reach.get(d)!.has(c) || (reach.get(c)!.has(d) && i < j)),
  );
}

function checkJoins(
  order: readonly string[],
  staticEdges: Graph,
  routeEdges: Graph,
  joins: ReadonlyMap<string, JoinInfo>,
  roots: readonly string[],
  fromStart: ReadonlySet<string>,
  qualify: (n: string) => string,
  push: (p: Problem) => void,
): void {
  const allJoins = order.filter((n) => joins.get(n)?.kind === 'all' && fromStart.has(n));
  if (allJoins.length === 0) return;
  const entries: { name: string | null; reach: Set<string> }[] = [
    { name: null, reach: reachable(roots, staticEdges) },
  ];
  const seen = new Set<string>();
  for (const n of order) {
    if (!fromStart.has(n)) continue;
    for (const t of routeEdges.get(n) ?? []) {
      if (seen.has(t)) continue;
      seen.add(t);
      entries.push({ name: t, reach: reachable(t, staticEdges) });
    }
  }
  for (const j of allJoins) {
    const parents = joins.get(j)!.parents;
    for (const e of entries) {
      const hit = parents.filter((p) => e.reach.has(p));
      if (hit.length === 0 || hit.length === parents.length) continue;
      const missing = parents.find((p) => !e.reach.has(p))!;
      const waits = `ALL join "${qualify(j)}" waits for "${qualify(missing)}"`;
      const message = !fromStart.has(missing)
        ? `${waits}, which cannot be reached from "${qualify(roots[0]!)}"`
        : e.name === null
          ? `${waits}, which is reached only by dynamic routing (next()) and may never arrive`
          : `${waits}, which may never arrive when "${qualify(e.name)}" is entered by next() (it reaches only ${hit.map((h) => `"${qualify(h)}"`).join(', ')})`;
      push({
        code: 'JOIN_UNREACHABLE',
        node: qualify(j),
        target: missing,
        message,
        hint: 'use join: "any", or give every parent a static path from the same step',
      });
      break;
    }
  }
}
