import type { Problem } from './execution-plan.js';

/** Adjacency lists over node names. */
export type Graph = ReadonlyMap<string, readonly string[]>;

/** Nodes reachable from `start` along `edges`. */
export function reachable(start: string, edges: Graph): Set<string> {
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const m of edges.get(n) ?? []) {
      if (!seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  return seen;
}

/** Every elementary cycle found by a DFS (one per back edge), as node lists, in declaration order. */
export function findCycles(order: readonly string[], edges: Graph): string[][] {
  const color = new Map<string, 0 | 1 | 2>();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (n: string): void => {
    color.set(n, 1);
    path.push(n);
    for (const m of edges.get(n) ?? []) {
      const c = color.get(m) ?? 0;
      if (c === 1) cycles.push([...path.slice(path.indexOf(m)), m]);
      else if (c === 0) visit(m);
    }
    path.pop();
    color.set(n, 2);
  };
  for (const n of order) if ((color.get(n) ?? 0) === 0) visit(n);
  return cycles;
}

/** Graph-level checks: roots, cycles, reachability and barrier reachability. */
export function checkGraph(
  order: readonly string[],
  staticEdges: Graph,
  allEdges: Graph,
  joins: ReadonlyMap<string, { kind: 'all' | 'any'; parents: readonly string[] }>,
  qualify: (n: string) => string,
  push: (p: Problem) => void,
): string | undefined {
  const incoming = new Set<string>();
  for (const targets of allEdges.values()) for (const t of targets) incoming.add(t);
  const roots = order.filter((n) => !incoming.has(n));
  for (const cycle of findCycles(order, staticEdges)) {
    push({
      code: 'STATIC_CYCLE',
      node: qualify(cycle[0]!),
      message: `static cycle: ${cycle.map(qualify).join(' -> ')}`,
      hint: 'loops are made with next() at run time; declare the loop target in "routes"',
    });
  }
  if (roots.length === 0) {
    push({ code: 'NO_ROOT', message: 'no step without parents: the pipeline has nowhere to start' });
    return undefined;
  }
  if (roots.length > 1) {
    push({
      code: 'MULTIPLE_ROOTS',
      node: qualify(roots[1]!),
      message: `several steps have no parent (${roots.map(qualify).join(', ')}); a pipeline has one start`,
      hint: `connect them from "${roots[0]!}" or add a first step that fans out to them`,
    });
  }
  const root = roots[0]!;
  const fromRoot = reachable(root, allEdges);
  const staticFromRoot = reachable(root, staticEdges);
  for (const n of order) {
    if (!fromRoot.has(n) && !roots.includes(n)) {
      push({ code: 'UNREACHABLE_STEP', node: qualify(n), message: `step "${qualify(n)}" cannot be reached from "${qualify(root)}"` });
    }
  }
  for (const [node, join] of joins) {
    if (join.kind !== 'all') continue;
    for (const parent of join.parents) {
      if (!fromRoot.has(parent)) {
        push({
          code: 'JOIN_UNREACHABLE',
          node: qualify(node),
          message: `ALL join "${qualify(node)}" waits for "${qualify(parent)}", which cannot be reached from "${qualify(root)}"`,
        });
      } else if (!staticFromRoot.has(parent)) {
        push({
          code: 'JOIN_UNREACHABLE',
          node: qualify(node),
          message: `ALL join "${qualify(node)}" waits for "${qualify(parent)}", which is reached only by dynamic routing and may never arrive`,
          hint: 'use join: "any", or give the parent a static edge',
        });
      }
    }
  }
  return root;
}
