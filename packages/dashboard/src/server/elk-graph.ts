import type { ExecutionPlan } from '@weft/core';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import { nodeId, type LayoutEdge, type LayoutNode, type PlanLayout } from '../shared/plan-layout.js';
import { GROUP_PAD, levelEdges, levelNodes, nodeSize } from './node-size.js';

const ROOT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '48',
  'elk.spacing.nodeNode': '22',
  'elk.spacing.edgeNode': '14',
} as const;

/** Edge ids carry what the drawing needs back: kind and label are kept beside, by id. */
export interface EdgeMeta {
  readonly path: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly kind: LayoutEdge['kind'];
  readonly label: string | null;
}

/** What the drawing needs that ELK does not carry: node kinds and joins, edge kinds and labels, by id. */
export interface GraphMeta {
  readonly nodes: Record<string, { kind: LayoutNode['kind']; join: LayoutNode['join'] }>;
  readonly edges: Record<string, EdgeMeta>;
}

/** The ELK input graph of a plan (sub-pipelines as compound nodes) and what ELK does not carry. */
export function elkGraph(plan: ExecutionPlan): { graph: ElkNode; meta: GraphMeta } {
  const edges: Record<string, EdgeMeta> = {};
  const kinds: GraphMeta['nodes'] = {};
  const build = (
    p: ExecutionPlan,
    path: readonly string[],
  ): { children: ElkNode[]; edges: ElkExtendedEdge[] } => {
    const nodes = levelNodes(p.nodes);
    const children = nodes.map((n): ElkNode => {
      const id = nodeId(path, n.name);
      kinds[id] = { kind: n.kind, join: n.parents.length > 1 ? n.join : null };
      if (!n.sub) return { id, ...nodeSize(n.kind) };
      const inner = build(n.sub, [...path, n.name]);
      const pad = `[top=${GROUP_PAD.top},left=${GROUP_PAD.left},bottom=${GROUP_PAD.bottom},right=${GROUP_PAD.right}]`;
      return { id, layoutOptions: { 'elk.padding': pad }, ...inner };
    });
    const out: ElkExtendedEdge[] = [];
    for (const e of levelEdges(nodes)) {
      if (!(e.to in p.nodes)) continue;
      const id = `${nodeId(path, e.from)}->${nodeId(path, e.to)}`;
      edges[id] = { path, ...e };
      out.push({ id, sources: [nodeId(path, e.from)], targets: [nodeId(path, e.to)] });
    }
    return { children, edges: out };
  };
  const graph: ElkNode = { id: '', layoutOptions: { ...ROOT_OPTIONS }, ...build(plan, []) };
  return { graph, meta: { nodes: kinds, edges } };
}

/** ELK's answer to absolute coordinates (ELK gives them relative to the parent and the edge's container). */
export function fromElk(planId: string, laid: ElkNode, meta: GraphMeta): PlanLayout {
  const nodes: LayoutNode[] = [];
  const edges: LayoutEdge[] = [];
  const offset = new Map<string, readonly [number, number]>([['', [0, 0]]]);
  const walk = (n: ElkNode, ox: number, oy: number, parent: string | null): void => {
    for (const c of n.children ?? []) {
      const x = ox + (c.x ?? 0);
      const y = oy + (c.y ?? 0);
      offset.set(c.id, [x, y]);
      const path = c.id.split('/');
      const name = path.pop()!;
      const k = meta.nodes[c.id] ?? { kind: 'step', join: null };
      nodes.push({ id: c.id, name, path, ...k, x, y, width: c.width ?? 0, height: c.height ?? 0, parent });
      walk(c, x, y, c.id);
    }
  };
  walk(laid, 0, 0, null);
  const collect = (n: ElkNode): void => {
    for (const e of n.edges ?? []) {
      const m = meta.edges[e.id];
      if (!m) continue;
      const [ox, oy] = offset.get(e.container ?? n.id) ?? [0, 0];
      const points: [number, number][] = [];
      for (const s of e.sections ?? []) {
        points.push([s.startPoint.x + ox, s.startPoint.y + oy]);
        for (const b of s.bendPoints ?? []) points.push([b.x + ox, b.y + oy]);
        points.push([s.endPoint.x + ox, s.endPoint.y + oy]);
      }
      edges.push({ id: e.id, ...m, points });
    }
    for (const c of n.children ?? []) collect(c);
  };
  collect(laid);
  return { planId, engine: 'elk', width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges };
}
