import type { RunEvent } from './types.js';

/**
 * Observers that throw do not stop a run: each failure is kept (at most 100) and reported as an
 * `OBSERVER_FAILED` warning by the run. A failure on that warning itself is not kept (no loop).
 */
export class ObserverErrors {
  #messages: string[] = [];

  /** Whether failures wait to be reported. */
  get pending(): boolean {
    return this.#messages.length > 0;
  }

  /** `fn`, with its failures kept instead of thrown. */
  guard(fn: (e: RunEvent) => void): (e: RunEvent) => void {
    return (e) => {
      try {
        fn(e);
      } catch (err) {
        if (e.type === 'warning' && e.code === 'OBSERVER_FAILED') return;
        if (this.#messages.length < 100)
          this.#messages.push(`observer failed on ${e.type}: ${(err as Error).message}`);
      }
    };
  }

  /** The failures kept since the last call, forgotten here. */
  take(): string[] {
    const messages = this.#messages;
    this.#messages = [];
    return messages;
  }
}
