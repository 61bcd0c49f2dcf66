import type { ExecutionPlan } from '@weft/core';
import { nodeId, type LayoutEdge, type LayoutNode, type PlanLayout } from '../shared/plan-layout.js';
import { GROUP_PAD, levelEdges, levelNodes, nodeSize } from './node-size.js';

const GAP_X = 60;
const GAP_Y = 24;

interface Box {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  width: number;
  height: number;
}

/**
 * The simple layout used when ELK misses its deadline or fails: columns by longest path over the
 * static edges (dynamic routes may loop, so they do not rank), nodes stacked in declaration order,
 * straight edges. Linear in the plan's size.
 * @example const layout = fallbackLayout(plan); layout.engine; // 'fallback'
 */
export function fallbackLayout(plan: ExecutionPlan): PlanLayout {
  const box = level(plan, [], 0, 0, null);
  return { planId: plan.id, engine: 'fallback', ...box };
}

function level(plan: ExecutionPlan, path: string[], ox: number, oy: number, parent: string | null): Box {
  const nodes = levelNodes(plan.nodes);
  const rank = new Map<string, number>();
  const indeg = new Map(nodes.map((n) => [n.name, 0]));
  const statics = levelEdges(nodes).filter((e) => e.kind !== 'route');
  for (const e of statics) indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  const queue = nodes.filter((n) => indeg.get(n.name) === 0).map((n) => n.name);
  for (const q of queue) rank.set(q, 0);
  while (queue.length > 0) {
    const name = queue.shift()!;
    for (const e of statics) {
      if (e.from !== name) continue;
      rank.set(e.to, Math.max(rank.get(e.to) ?? 0, rank.get(name)! + 1));
      const d = indeg.get(e.to)! - 1;
      indeg.set(e.to, d);
      if (d === 0) queue.push(e.to);
    }
  }
  // Sizes first (a sub's size is its children's), then columns.
  const inner = new Map<string, Box>();
  const size = new Map<string, { width: number; height: number }>();
  for (const n of nodes) {
    if (n.sub) {
      const b = level(n.sub, [...path, n.name], 0, 0, nodeId(path, n.name));
      inner.set(n.name, b);
      size.set(n.name, {
        width: b.width + GROUP_PAD.left + GROUP_PAD.right,
        height: b.height + GROUP_PAD.top + GROUP_PAD.bottom,
      });
    } else size.set(n.name, nodeSize(n.kind));
  }
  const columns: string[][] = [];
  for (const n of nodes) (columns[rank.get(n.name) ?? 0] ??= []).push(n.name);
  const out: Box = { nodes: [], edges: [], width: 0, height: 0 };
  const pos = new Map<string, { x: number; y: number; width: number; height: number }>();
  let x = ox;
  for (const col of columns) {
    if (!col) continue;
    let y = oy;
    let w = 0;
    for (const name of col) {
      const s = size.get(name)!;
      pos.set(name, { x, y, ...s });
      y += s.height + GAP_Y;
      w = Math.max(w, s.width);
    }
    out.height = Math.max(out.height, y - GAP_Y - oy);
    x += w + GAP_X;
  }
  out.width = Math.max(0, x - GAP_X - ox);
  for (const n of nodes) {
    const p = pos.get(n.name)!;
    const id = nodeId(path, n.name);
    out.nodes.push({
      id,
      name: n.name,
      path,
      kind: n.kind,
      ...p,
      parent,
      join: n.parents.length > 1 ? n.join : null,
    });
    const b = inner.get(n.name);
    if (b) {
      const dx = p.x + GROUP_PAD.left;
      const dy = p.y + GROUP_PAD.top;
      for (const c of b.nodes) out.nodes.push({ ...c, x: c.x + dx, y: c.y + dy });
      for (const e of b.edges)
        out.edges.push({ ...e, points: e.points.map(([px, py]) => [px + dx, py + dy] as const) });
    }
  }
  for (const e of levelEdges(nodes)) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    out.edges.push({
      id: `${nodeId(path, e.from)}->${nodeId(path, e.to)}`,
      path,
      ...e,
      points: [
        [a.x + a.width, a.y + a.height / 2],
        [b.x, b.y + b.height / 2],
      ],
    });
  }
  return out;
}
