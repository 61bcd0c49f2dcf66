import { isPipeline, type Pipeline } from '../definition/pipeline.js';
import { WeftError } from '../errors/weft-error.js';
import { show } from './check-options.js';
import { compile } from './compile.js';
import type { ExecutionPlan, PlanNode } from './execution-plan.js';

/**
 * Renders a pipeline (or its compiled plan) as a Mermaid flowchart: steps as boxes, maps as
 * subroutines, switches as rhombi with labelled cases, joins marked ALL/ANY, dynamic routes
 * dashed, and sub-pipelines as nested subgraphs (recursively). Node ids are derived from the
 * qualified step names and are unique and safe (`end` and punctuation cannot break the chart).
 * A pipeline is compiled first, so an invalid one throws PIPELINE_INVALID.
 * @example console.log(toMermaid(myPipeline));
 */
export function toMermaid(source: ExecutionPlan | Pipeline): string {
  const plan = isPipeline(source) ? compile(source) : source;
  if (!isPlan(plan))
    throw new WeftError(
      'PIPELINE_INVALID',
      `toMermaid needs a pipeline or a compiled plan, got ${show(source)}`,
    );
  const lines = ['flowchart TD'];
  render(plan, [], lines, '  ', new Ids());
  return lines.join('\n') + '\n';
}

function isPlan(v: unknown): v is ExecutionPlan {
  const p = v as ExecutionPlan | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    p.planVersion === 1 &&
    Array.isArray(p.order) &&
    typeof p.nodes === 'object' &&
    p.nodes !== null
  );
}

/** Mermaid ids: readable (`outer__step`), unique, and never a keyword. */
class Ids {
  readonly #byPath = new Map<string, string>();
  readonly #used = new Set<string>();

  get(path: readonly string[], name: string): string {
    const key = JSON.stringify([...path, name]);
    let id = this.#byPath.get(key);
    if (id === undefined) {
      const base = [...path, name].map((s) => s.replace(/[^A-Za-z0-9_]/g, '_')).join('__') || '_';
      id = /^(end|graph|subgraph|flowchart|style|class|classDef|click|linkStyle|direction)$/i.test(base)
        ? `${base}_`
        : base;
      for (let i = 2; this.#used.has(id); i++) id = `${base}_${i}`;
      this.#used.add(id);
      this.#byPath.set(key, id);
    }
    return id;
  }
}

/** A label safe inside Mermaid double quotes. */
function label(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/[\r\n]+/g, ' ');
}

function render(plan: ExecutionPlan, path: readonly string[], out: string[], indent: string, ids: Ids): void {
  for (const name of plan.order) {
    const n = plan.nodes[name]!;
    const nid = ids.get(path, name);
    const join = n.join ? ` · join ${n.join.toUpperCase()}` : '';
    switch (n.kind) {
      case 'step':
        out.push(`${indent}${nid}["${label(name + join)}"]`);
        break;
      case 'map':
        out.push(`${indent}${nid}[["${label(`map ${name}${join}`)}"]]`);
        break;
      case 'switch':
        out.push(`${indent}${nid}{"${label(name + join)}"}`);
        break;
      case 'sub':
        out.push(`${indent}subgraph ${nid}["${label(`${name}: ${n.sub?.name ?? '?'}${join}`)}"]`);
        if (n.sub) render(n.sub, [...path, name], out, indent + '  ', ids);
        out.push(`${indent}end`);
        break;
    }
  }
  for (const name of plan.order) edges(plan.nodes[name]!, path, out, indent, ids);
}

function edges(n: PlanNode, path: readonly string[], out: string[], indent: string, ids: Ids): void {
  const from = ids.get(path, n.name);
  if (n.switch) {
    for (const [k, t] of n.switch.cases)
      out.push(`${indent}${from} -- "${label(k)}" --> ${ids.get(path, t)}`);
    if (n.switch.default !== null)
      out.push(`${indent}${from} -- "default" --> ${ids.get(path, n.switch.default)}`);
  } else {
    for (const t of n.to) out.push(`${indent}${from} --> ${ids.get(path, t)}`);
  }
  for (const r of n.routes) out.push(`${indent}${from} -.-> ${ids.get(path, r)}`);
}
