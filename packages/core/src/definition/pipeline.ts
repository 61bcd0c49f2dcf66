import type { Control } from './control.js';
import { show } from '../util/show.js';
import type { StateSpec } from './reducers.js';
import type {
  MapOptions,
  NodeDef,
  NodeOptions,
  PipelineOptions,
  StepCode,
  StepRef,
  SwitchOptions,
} from './types.js';

const BRAND = '__weftPipeline';

/** A declared pipeline: nodes in declaration order plus options. Immutable once built. */
export interface Pipeline<I = unknown, S = any> {
  readonly [BRAND]: true;
  readonly name: string;
  readonly module: string | undefined;
  readonly nodes: readonly NodeDef[];
  readonly options: PipelineOptions<S>;
  /** Problems found while declaring (reported by validation, never thrown raw). */
  readonly declarationProblems: readonly { readonly message: string; readonly node?: string }[];
  /** Phantom field carrying the input type. */
  readonly __input?: I;
}

/** True for a built pipeline, including one imported in another thread. */
export function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[BRAND] === true;
}

/** Looks up the code of a node, for orchestrators resolving a StepRef. */
export function nodeCode(p: Pipeline, name: string): StepCode | StepRef | undefined {
  const node = p.nodes.find((n) => n.name === name);
  return node && node.kind !== 'sub' ? node.code : undefined;
}

/** Fluent builder for a pipeline. Each method returns the builder; `build()` returns the pipeline. */
export class PipelineBuilder<I = unknown, S = any> {
  readonly #name: string;
  readonly #options: PipelineOptions<S>;
  readonly #nodes: NodeDef[] = [];
  readonly #problems: { message: string; node?: string }[] = [];

  constructor(name: string, options: PipelineOptions<S>) {
    this.#name = name;
    const o: unknown = options;
    if (o !== undefined && (typeof o !== 'object' || o === null || Array.isArray(o))) {
      this.#problems.push({
        message: `options of pipeline ${typeof name === 'string' ? `"${name}"` : show(name)} must be an object`,
      });
      this.#options = {};
    } else this.#options = options ?? {};
  }

  /** A step: code plus options. */
  step<In = any, Out = unknown>(
    name: string,
    code: StepCode<In, Out, S> | StepRef,
    options: NodeOptions = {},
  ): this {
    return this.#add({ kind: 'step', name, code, options });
  }

  /** Fan out over the input (an array, iterable or async iterable): `code` runs once per item; results keep input order. */
  map<Item = any, Out = unknown>(
    name: string,
    code: StepCode<Item, Out, S> | StepRef,
    options: MapOptions = {},
  ): this {
    return this.#add({ kind: 'map', name, code, options });
  }

  /**
   * Route on a value: `code` returns a key, `cases` maps keys to step names (matched by the key's
   * string form), `default` catches the rest. The code may also return a control result (`skip()`,
   * `next()`, `update()` with the key as output, ...).
   */
  switch(
    name: string,
    code: StepCode<any, string | number | boolean | Control, S> | StepRef,
    options: SwitchOptions,
  ): this {
    return this.#add({ kind: 'switch', name, code, options });
  }

  /** Run another pipeline as a step; its events nest under this step's path. */
  sub(name: string, pipeline: Pipeline, options: NodeOptions = {}): this {
    return this.#add({ kind: 'sub', name, pipeline, options });
  }

  /** Freezes the declaration. Validation happens at compile time and reports every problem at once. */
  build(): Pipeline<I, S> {
    return Object.freeze({
      [BRAND]: true as const,
      name: this.#name,
      module: typeof this.#options.module === 'string' ? this.#options.module : undefined,
      nodes: Object.freeze([...this.#nodes]),
      options: this.#options,
      declarationProblems: Object.freeze([...this.#problems]),
    });
  }

  #add(node: NodeDef): this {
    if (typeof node.name !== 'string' || node.name.length === 0) {
      this.#problems.push({ message: `a ${String(node.kind)} node needs a non-empty string name` });
      return this;
    }
    if (
      node.options !== undefined &&
      (typeof node.options !== 'object' || node.options === null || Array.isArray(node.options))
    ) {
      this.#problems.push({ message: `options of "${node.name}" must be an object`, node: node.name });
      return this;
    }
    this.#nodes.push({ ...node, options: node.options ?? {} } as NodeDef);
    return this;
  }
}

/**
 * Declares a pipeline. Pass `module: import.meta.url` so that worker threads can import the module
 * and find each step by name.
 * @example
 * export const wc = pipeline<string>('wc', { module: import.meta.url })
 *   .step('split', (text: string) => text.split('\n'), { to: 'count' })
 *   .map('count', (line: string) => line.split(/\s+/).length, { to: 'total' })
 *   .step('total', (counts: number[]) => counts.reduce((a, b) => a + b, 0))
 *   .build();
 */
export function pipeline<I = unknown, S extends object = Record<string, never>>(
  name: string,
  options: PipelineOptions<S> & { state?: StateSpec<S> } = {},
): PipelineBuilder<I, S> {
  return new PipelineBuilder<I, S>(name, options);
}
