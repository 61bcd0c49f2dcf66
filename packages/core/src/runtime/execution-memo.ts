import { isControl } from '../definition/control.js';
import { WeftError, serializeError } from '../errors/weft-error.js';
import type { TaskOutcome } from '../orchestrator/types.js';
import type { PlanNode } from '../plan/execution-plan.js';
import type { ExecutionDeps } from './execution-deps.js';
import type { MapDeps } from './map-run.js';
import type { ActivationData } from './snapshot.js';

/**
 * One execution's side of the idempotency hook (EngineOptions.memo): which invocations are
 * memoised, their keys, and storing their raw values.
 */
export class ExecutionMemo {
  readonly #d: ExecutionDeps;
  readonly #state: () => unknown;

  constructor(deps: ExecutionDeps, state: () => unknown) {
    this.#d = deps;
    this.#state = state;
  }

  /** The invocation's memo key, or undefined when it is not memoised. */
  key(
    node: PlanNode,
    act: ActivationData,
    kind: 'step' | 'map' | 'item' = node.kind === 'map' ? 'map' : 'step',
    input: unknown = act.input,
    index?: number,
    state = this.#state(),
  ): string | undefined {
    if (!this.eligible(node, act)) return undefined;
    return this.#d.options.memo!.key({
      kind,
      pipeline: this.#d.plan.name,
      path: this.#d.path,
      node: node.name,
      ref: node.ref!,
      version: node.version,
      params: node.params,
      state,
      input,
      ...(index !== undefined ? { index } : {}),
      runId: this.#d.runId,
      ...(node.writes !== undefined ? { writes: node.writes } : {}),
    });
  }

  eligible(node: PlanNode, act: ActivationData): boolean {
    if (!this.#d.options.memo || node.ref === null || node.cache === false || act.resume !== undefined)
      return false;
    return !this.#d.options.overrides.has([...this.#d.path, node.name].join('/'));
  }

  /** The stored raw value of a key. */
  get(key: string): { readonly value: unknown } | undefined {
    return this.#d.options.memo!.get(key);
  }

  /** The last persisted checkpoint of a key. */
  lastCheckpoint(key: string): { readonly value: unknown } | undefined {
    return this.#d.options.memo!.lastCheckpoint?.(key);
  }

  /** Persists a checkpoint under a key; may throw (the caller warns). */
  checkpoint(key: string, value: unknown): void {
    this.#d.options.memo?.checkpoint?.(key, value);
  }

  /** Stores a completed invocation's raw value; a value the store refuses becomes the step's error. */
  put(key: string, value: unknown): TaskOutcome {
    if (isControl(value) && value.$weft !== 'update' && value.$weft !== 'next' && value.$weft !== 'stop')
      return { ok: true, value };
    try {
      this.#d.options.memo!.put(key, value);
      return { ok: true, value };
    } catch (e) {
      return {
        ok: false,
        error: serializeError(
          e instanceof Error && 'code' in e
            ? e
            : new WeftError('NOT_SERIALIZABLE', `the result cannot be stored: ${(e as Error).message}`, {
                cause: e,
              }),
        ),
      };
    }
  }

  /** Per-item memo ports for a map. */
  itemPorts(node: PlanNode, act: ActivationData): { memo: NonNullable<MapDeps['memo']> } | undefined {
    if (!this.eligible(node, act)) return undefined;
    // Items are keyed with the state as of the map's start: the patches items apply while the map
    // runs (in an order that timing decides) do not change the keys of the items after them.
    const state = this.#state();
    return {
      memo: {
        key: (index, item) => this.key(node, act, 'item', item, index, state),
        get: (key) => this.get(key),
        put: (key, value) => this.put(key, value),
      },
    };
  }
}
