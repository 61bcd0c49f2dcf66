import type { RunEvent } from '@weft/core';

/** The first error seen of one code, to show with the group. */
export interface ErrorSample {
  readonly node: string;
  readonly message: string;
  readonly stack: string | null;
  readonly seq: number;
  readonly invocation: number;
  readonly attempt: number;
  readonly index: number | null;
}

/** Every error of one code: how many, how many were retried, on which nodes, the first one. */
export interface ErrorGroup {
  readonly code: string;
  count: number;
  retried: number;
  nodes: string[];
  readonly first: ErrorSample;
}

/**
 * Groups a run's errors by code (`step.error` of steps and of map items, and map items that failed
 * for good), one event at a time.
 * @example
 * const g = new ErrorGroups();
 * for (const e of events) g.apply(e);
 * g.groups; // [{ code: 'STEP_FAILED', count: 3, retried: 2, ... }]
 */
export class ErrorGroups {
  readonly groups: ErrorGroup[];
  readonly #byCode = new Map<string, ErrorGroup>();

  constructor(groups: ErrorGroup[] = []) {
    this.groups = groups;
    for (const g of groups) this.#byCode.set(g.code, g);
  }

  /** Folds one event; returns whether a group changed. */
  apply(e: RunEvent): boolean {
    if (e.type === 'step.error') {
      this.#add(e, e.step, e.error, e.invocation, e.attempt, e.index ?? null, e.willRetry);
      return true;
    }
    if (e.type === 'map.item' && !e.ok && e.error) {
      this.#add(e, e.step, e.error, e.invocation, e.attempt ?? 1, e.index, false);
      return true;
    }
    return false;
  }

  #add(
    e: RunEvent,
    step: string,
    error: { readonly code: string; readonly message: string; readonly stack?: string },
    invocation: number,
    attempt: number,
    index: number | null,
    retried: boolean,
  ): void {
    const node = [...e.path, step].join('/');
    let g = this.#byCode.get(error.code);
    if (!g) {
      g = {
        code: error.code,
        count: 0,
        retried: 0,
        nodes: [],
        first: {
          node,
          message: error.message,
          stack: error.stack ?? null,
          seq: e.seq,
          invocation,
          attempt,
          index,
        },
      };
      this.#byCode.set(error.code, g);
      this.groups.push(g);
    }
    g.count++;
    if (retried) g.retried++;
    if (!g.nodes.includes(node)) g.nodes.push(node);
  }
}
