import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { WeftError, compile, toMermaid, type ExecutionPlan, type Pipeline } from '@weft/core';

/** A pipeline the service may run: registered at start-up, never named by a path in a request. */
export interface RegisteredPipeline {
  readonly name: string;
  readonly pipeline: Pipeline;
  readonly plan: ExecutionPlan;
  /** Where it came from (a file), when it came from one. */
  readonly source: string | null;
  readonly inputSchema: Readonly<Record<string, unknown>> | null;
  /** Schema violations of an input, each with its JSON pointer under `/input`; empty when it fits. */
  checkInput(input: unknown): { pointer: string; message: string }[];
}

/** A pipeline to register, with an optional JSON Schema (2020-12) of its input. */
export interface PipelineRegistration {
  readonly pipeline: Pipeline;
  readonly inputSchema?: Readonly<Record<string, unknown>> | null;
  readonly source?: string | null;
}

/** The graph of a plan as nodes and edges (sub-pipeline nodes qualified `sub/step`, with their parent). */
export interface PlanGraph {
  readonly nodes: readonly { id: string; kind: string; join: string | null; parent: string | null }[];
  readonly edges: readonly { from: string; to: string; kind: 'static' | 'route' | 'case' }[];
  readonly mermaid: string;
}

/**
 * The pipelines registered at start-up, by name. Plans are compiled once here (a pipeline that
 * does not compile fails the start with PIPELINE_INVALID); input schemas are compiled once too.
 */
export class PipelineTable {
  readonly #byName = new Map<string, RegisteredPipeline>();
  readonly #graphs = new Map<string, PlanGraph>();
  readonly #ajv = new Ajv2020({ allErrors: true, strict: false });

  /** Registers a pipeline; CONFIG_INVALID for a second one of the same name or a bad input schema. */
  add(r: PipelineRegistration): RegisteredPipeline {
    const plan = compile(r.pipeline);
    const prior = this.#byName.get(plan.name);
    if (prior) {
      throw new WeftError(
        'CONFIG_INVALID',
        `two pipelines are named "${plan.name}"${prior.source ? ` (${prior.source}` : ''}${r.source ? ` and ${r.source})` : prior.source ? ')' : ''}; pipeline names must be unique in a service`,
        { data: { pipeline: plan.name } },
      );
    }
    let validateInput: ValidateFunction | null = null;
    if (r.inputSchema) {
      try {
        validateInput = this.#ajv.compile(r.inputSchema);
      } catch (e) {
        throw new WeftError(
          'CONFIG_INVALID',
          `the input schema of "${plan.name}" is not a valid JSON Schema: ${(e as Error).message}`,
          {
            data: { pipeline: plan.name },
          },
        );
      }
    }
    const entry: RegisteredPipeline = {
      name: plan.name,
      pipeline: r.pipeline,
      plan,
      source: r.source ?? null,
      inputSchema: r.inputSchema ?? null,
      checkInput: (input) => {
        if (!validateInput || validateInput(input)) return [];
        return (validateInput.errors ?? []).map((e) => ({
          pointer: `/input${e.instancePath}`,
          message: e.message ?? 'is invalid',
        }));
      },
    };
    this.#byName.set(plan.name, entry);
    return entry;
  }

  /** The pipeline named `name`; PIPELINE_NOT_FOUND otherwise. */
  get(name: string): RegisteredPipeline {
    const p = this.#byName.get(name);
    if (!p) {
      throw new WeftError('PIPELINE_NOT_FOUND', `no pipeline "${name}" is registered in this service`, {
        data: { pipeline: name },
      });
    }
    return p;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  list(): readonly RegisteredPipeline[] {
    return [...this.#byName.values()];
  }

  /** The graph of a registered pipeline (computed once). */
  graph(name: string): PlanGraph {
    let g = this.#graphs.get(name);
    if (!g) {
      const p = this.get(name);
      g = { ...graphOf(p.plan, null), mermaid: toMermaid(p.plan) };
      this.#graphs.set(name, g);
    }
    return g;
  }
}

function graphOf(plan: ExecutionPlan, parent: string | null): Omit<PlanGraph, 'mermaid'> {
  const q = (n: string): string => (parent === null ? n : `${parent}/${n}`);
  const nodes: PlanGraph['nodes'][number][] = [];
  const edges: PlanGraph['edges'][number][] = [];
  for (const n of Object.values(plan.nodes).sort((a, b) => a.index - b.index)) {
    nodes.push({ id: q(n.name), kind: n.kind, join: n.join, parent });
    const cases = new Set(
      n.switch ? [...n.switch.cases.map(([, t]) => t), ...(n.switch.default ? [n.switch.default] : [])] : [],
    );
    for (const t of n.to) edges.push({ from: q(n.name), to: q(t), kind: cases.has(t) ? 'case' : 'static' });
    for (const t of n.routes) if (!n.to.includes(t)) edges.push({ from: q(n.name), to: q(t), kind: 'route' });
    if (n.sub) {
      const inner = graphOf(n.sub, q(n.name));
      nodes.push(...inner.nodes);
      edges.push(...inner.edges);
    }
  }
  return { nodes, edges };
}
