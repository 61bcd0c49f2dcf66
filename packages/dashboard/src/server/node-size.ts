import type { PlanNode } from '@weft/core';

/** The box of a node in the drawing (a sub's box is its children's, laid out). */
export function nodeSize(kind: PlanNode['kind']): { width: number; height: number } {
  switch (kind) {
    case 'map':
      return { width: 190, height: 56 };
    case 'switch':
      return { width: 160, height: 44 };
    case 'step':
    case 'sub':
      return { width: 170, height: 44 };
  }
}

/** Room around the children of a sub (the top holds its name). */
export const GROUP_PAD = { top: 30, left: 14, bottom: 14, right: 14 } as const;

/** The edges of one plan level: static successors, switch cases (labelled), dynamic routes. */
export function levelEdges(
  nodes: readonly PlanNode[],
): { from: string; to: string; kind: 'static' | 'case' | 'route'; label: string | null }[] {
  const out: { from: string; to: string; kind: 'static' | 'case' | 'route'; label: string | null }[] = [];
  for (const n of nodes) {
    if (n.switch) {
      const labels = new Map<string, string[]>();
      for (const [k, target] of n.switch.cases) labels.set(target, [...(labels.get(target) ?? []), k]);
      if (n.switch.default !== null)
        labels.set(n.switch.default, [...(labels.get(n.switch.default) ?? []), 'default']);
      for (const [to, keys] of labels) out.push({ from: n.name, to, kind: 'case', label: keys.join(' | ') });
    } else for (const to of n.to) out.push({ from: n.name, to, kind: 'static', label: null });
    for (const to of n.routes)
      if (!n.to.includes(to)) out.push({ from: n.name, to, kind: 'route', label: null });
  }
  return out;
}

/** A plan level's nodes in declaration order. */
export const levelNodes = (nodes: Readonly<Record<string, PlanNode>>): PlanNode[] =>
  Object.values(nodes).sort((a, b) => a.index - b.index);
