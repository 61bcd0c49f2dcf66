/**
 * The graph layout of a plan, as the page draws it: absolute coordinates for every node (sub-pipelines
 * as groups holding their nodes) and every edge. Computed once per plan on the server.
 */

/** One node of the drawing. `id` is the node's qualified name: sub-pipeline names, then its own. */
export interface LayoutNode {
  readonly id: string;
  readonly name: string;
  readonly path: readonly string[];
  readonly kind: 'step' | 'map' | 'switch' | 'sub';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The enclosing sub node's id, or null at top level. */
  readonly parent: string | null;
  /** Barrier kind when the node joins several parents. */
  readonly join: 'all' | 'any' | null;
}

/** One edge: `static` (`to`), `case` (a switch case, labelled), `route` (a dynamic route, dashed). */
export interface LayoutEdge {
  readonly id: string;
  readonly path: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly kind: 'static' | 'case' | 'route';
  readonly label: string | null;
  /** The polyline, absolute, first point on `from`, last on `to`. */
  readonly points: readonly (readonly [number, number])[];
}

/** A plan's drawing: `engine` says whether ELK made it or the simple fallback did. */
export interface PlanLayout {
  readonly planId: string;
  readonly engine: 'elk' | 'fallback';
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
}

/** The qualified id of node `name` inside sub-pipeline `path`. */
export const nodeId = (path: readonly string[], name: string): string => [...path, name].join('/');
