import type { ExecutionPlan, PlanNode } from './execution-plan.js';

/**
 * Renders a plan as a Mermaid flowchart: steps as boxes, maps as subroutines, switches as
 * rhombi with labelled cases, joins marked ALL/ANY, dynamic routes dashed, and sub-pipelines as
 * nested subgraphs (recursively).
 * @example console.log(toMermaid(compile(myPipeline)));
 */
export function toMermaid(plan: ExecutionPlan): string {
  const lines = ['flowchart TD'];
  render(plan, [], lines, '  ');
  return lines.join('\n') + '\n';
}

function id(path: readonly string[], name: string): string {
  return [...path, name].map((s) => s.replace(/[^A-Za-z0-9_]/g, '_')).join('__');
}

function label(text: string): string {
  return text.replace(/"/g, '#quot;');
}

function render(plan: ExecutionPlan, path: readonly string[], out: string[], indent: string): void {
  for (const name of plan.order) {
    const n = plan.nodes[name]!;
    const nid = id(path, name);
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
        if (n.sub) render(n.sub, [...path, name], out, indent + '  ');
        out.push(`${indent}end`);
        break;
    }
  }
  for (const name of plan.order) edges(plan.nodes[name]!, path, out, indent);
}

function edges(n: PlanNode, path: readonly string[], out: string[], indent: string): void {
  const from = id(path, n.name);
  if (n.switch) {
    for (const [k, t] of n.switch.cases) out.push(`${indent}${from} -- "${label(k)}" --> ${id(path, t)}`);
    if (n.switch.default !== null) out.push(`${indent}${from} -- "default" --> ${id(path, n.switch.default)}`);
  } else {
    for (const t of n.to) out.push(`${indent}${from} --> ${id(path, t)}`);
  }
  for (const r of n.routes) out.push(`${indent}${from} -.-> ${id(path, r)}`);
}
