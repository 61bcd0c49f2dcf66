import { isPipeline, nodeCode, type Pipeline } from '../definition/pipeline.js';
import type { StepCode, StepRef } from '../definition/types.js';
import { WeftError } from '../errors/weft-error.js';
import type { ExecutionPlan } from '../plan/execution-plan.js';
import { didYouMean } from '../util/did-you-mean.js';
import { findPipeline, importModule } from './find-pipeline.js';

/** The registry and pipeline object a compiled plan's ref belongs to: resolved by identity, never by name. */
interface Owner {
  readonly registry: StepRegistry;
  /** The pipeline whose node the ref names (absent for a `{ module, export }` step). */
  readonly pipeline?: Pipeline;
}

/** Every registered plan's refs: weak, so an entry lives exactly as long as its plan. */
const owners = new WeakMap<StepRef, Owner>();

/**
 * Where one engine finds step code: the in-memory pipelines it compiled (by object, and by module and
 * name for refs that name them) and the code it resolved, cached. Each engine has its own, so two
 * engines with pipelines of the same name never see each other's steps, and `close()` (called by
 * `engine.close()`) drops everything it holds. A worker thread uses its own {@link threadSteps}: it
 * finds code by importing the module and looking the step up by name.
 * @example
 * const steps = new StepRegistry();
 * steps.register(myPipeline, compile(myPipeline));
 * const code = await steps.resolve(plan.nodes['parse']!.ref!);
 */
export class StepRegistry {
  /** `module#name` to the in-memory pipeline registered last under it. */
  readonly #byName = new Map<string, Pipeline>();
  /** Resolved code: per owner pipeline (by step name), and by ref key for refs resolved by name. */
  readonly #byOwner = new Map<Pipeline, Map<string, Promise<StepCode>>>();
  readonly #byKey = new Map<string, Promise<StepCode>>();
  #closed = false;

  /** How many entries the registry holds (names, owners, cached code): for leak checks. */
  get size(): number {
    let n = this.#byName.size + this.#byKey.size;
    for (const steps of this.#byOwner.values()) n += 1 + steps.size;
    return n;
  }

  /**
   * Registers an in-memory pipeline so refs to it resolve without importing. A different pipeline
   * object under the same module and name replaces the earlier one (and its cached code). With its
   * compiled `plan`, the plan's refs resolve to this very object's steps, in this registry.
   */
  register(p: Pipeline, plan?: ExecutionPlan): void {
    if (this.#closed) return;
    const key = `${p.module ?? ''}#${p.name}`;
    const before = this.#byName.get(key);
    if (before !== p) {
      this.#byName.set(key, p);
      if (before) this.#byOwner.delete(before);
      for (const k of [...this.#byKey.keys()]) if (k.startsWith(`${key}#`)) this.#byKey.delete(k);
    }
    for (const n of p.nodes) {
      if (n.kind !== 'sub' || !isPipeline(n.pipeline)) continue;
      this.register(n.pipeline, plan?.nodes[n.name]?.sub ?? undefined);
    }
    if (!plan) return;
    for (const node of Object.values(plan.nodes)) {
      const ref = node.ref;
      if (!ref) continue;
      const mine = ref.pipeline === p.name && ref.module === (p.module ?? '');
      owners.set(ref, mine ? { registry: this, pipeline: p } : { registry: this });
    }
  }

  /**
   * Finds step code by module and name: a registered pipeline's step, or the export (or the node of
   * an exported pipeline) of an imported module, each resolved once and cached until `close()`.
   */
  resolve(ref: StepRef): Promise<StepCode> {
    const owner = owners.get(ref);
    if (owner?.pipeline) return this.#owned(owner.pipeline, ref);
    const key = refKey(ref);
    return this.#cached(this.#byKey, key, () => this.#load(ref));
  }

  /** Drops every pipeline and every resolved step; later look-ups still work but are not kept. */
  close(): void {
    this.#closed = true;
    this.#byName.clear();
    this.#byOwner.clear();
    this.#byKey.clear();
  }

  #owned(owner: Pipeline, ref: StepRef): Promise<StepCode> {
    let steps = this.#byOwner.get(owner);
    if (!steps && !this.#closed) this.#byOwner.set(owner, (steps = new Map()));
    return this.#cached(steps, ref.export, () => this.#codeOf(owner, ref));
  }

  #cached(
    map: Map<string, Promise<StepCode>> | undefined,
    key: string,
    make: () => Promise<StepCode>,
  ): Promise<StepCode> {
    let p = map?.get(key);
    if (p) return p;
    p = make();
    if (map && !this.#closed) {
      map.set(key, p);
      p.catch(() => map.delete(key));
    }
    return p;
  }

  async #load(ref: StepRef): Promise<StepCode> {
    if (ref.pipeline !== undefined) {
      const local = this.#byName.get(`${ref.module}#${ref.pipeline}`);
      return this.#codeOf(local ?? (await findPipeline(ref.module, ref.pipeline)), ref);
    }
    const mod = await importModule(ref.module);
    const value = mod[ref.export];
    if (
      typeof value === 'function' ||
      (typeof value === 'object' && value !== null && typeof (value as { run?: unknown }).run === 'function')
    ) {
      return value as StepCode;
    }
    const guess = didYouMean(ref.export, Object.keys(mod));
    if (value === undefined) {
      throw new WeftError(
        'EXPORT_NOT_FOUND',
        `module ${ref.module} has no export "${ref.export}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        { data: { ref } },
      );
    }
    throw new WeftError(
      'EXPORT_NOT_FOUND',
      `export "${ref.export}" of ${ref.module} is not a step function or actor`,
      { data: { ref } },
    );
  }

  /** The code of the step `ref.export` of `pipe` (following a `{ module, export }` reference). */
  async #codeOf(pipe: Pipeline, ref: StepRef): Promise<StepCode> {
    const code = nodeCode(pipe, ref.export);
    if (code && typeof code === 'object' && 'module' in code) return this.resolve(code);
    if (code === undefined) {
      const guess = didYouMean(
        ref.export,
        pipe.nodes.map((n) => n.name),
      );
      throw new WeftError(
        'STEP_NOT_FOUND',
        `pipeline "${ref.pipeline}" has no step "${ref.export}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        { data: { ref } },
      );
    }
    return code;
  }
}

/** A cache key for a StepRef. */
export function refKey(ref: StepRef): string {
  return `${ref.module}#${ref.pipeline ?? ''}#${ref.export}`;
}

/**
 * This thread's registry for refs no engine registered: a worker thread resolves every step here
 * (by module and name; the pool's workers end with their engine), the main thread only code found
 * outside any engine (e.g. `weft validate` checking that exports exist).
 */
export const threadSteps = new StepRegistry();

/**
 * Finds step code by module and name, in the registry of the engine that compiled the ref's plan
 * (or in {@link threadSteps} for a ref no engine registered). Works the same in any thread.
 */
export function resolveStep(ref: StepRef): Promise<StepCode> {
  return (owners.get(ref)?.registry ?? threadSteps).resolve(ref);
}

/**
 * Registers an in-memory pipeline in {@link threadSteps} (outside any engine; engines register the
 * pipelines they compile in their own registry).
 */
export function registerPipeline(p: Pipeline, plan?: ExecutionPlan): void {
  threadSteps.register(p, plan);
}
