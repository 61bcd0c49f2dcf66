import type { CancelSource } from './step-context.js';

/**
 * An AbortController whose signal is created on first use. Node 20 spends ~2.7 µs creating an
 * AbortSignal (plus GC work later), which used to be the largest cost of a main-thread step or map
 * item (packages/bench, `chain` and `map`); most invocations never look at their signal. `aborted`
 * and `cancelled` answer without creating it; a signal created after `abort()` starts aborted with
 * the same reason, so observers cannot tell the difference.
 */
export class LazyAbortController implements CancelSource {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #listeners: ((reason: unknown) => void)[] | undefined;

  /** The signal, created now if nobody asked for it before. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** True once `abort()` was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The reason given to `abort()` (undefined before). */
  get reason(): unknown {
    return this.#reason;
  }

  /** Same as `aborted`: lets the controller serve as a step's synchronous cancellation flag. */
  get cancelled(): boolean {
    return this.#aborted;
  }

  /** Calls `listener` once with the reason when aborted (at once if it already is); no signal is created. */
  onCancel(listener: (reason: unknown) => void): void {
    if (this.#aborted) listener(this.#reason);
    else (this.#listeners ??= []).push(listener);
  }

  /** Aborts once; later calls are ignored, like AbortController.abort(). */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const l of listeners) l(reason);
  }
}

/** The prototype of a task whose `signal` is created on first read (from its `cancel` controller). */
class LazySignalTask {
  declare readonly cancel: LazyAbortController;

  get signal(): AbortSignal {
    return this.cancel.signal;
  }
}

/**
 * Copies a task's fields onto an object whose `signal` getter creates the signal on first read.
 * `signal` lives on the prototype: an object literal with a getter costs ~0.6 µs to create, this
 * ~0.2 µs. A copy of the task made by spreading it (`{ ...task }`) has no `signal`: pass it along
 * explicitly.
 */
export function withLazySignal<T extends { readonly cancel: LazyAbortController }>(
  fields: T,
): T & { readonly signal: AbortSignal } {
  return Object.assign(new LazySignalTask(), fields);
}
