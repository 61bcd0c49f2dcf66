import { WeftError } from '@weft/core';
import type { FrameWriter } from '../codec/frame.js';
import { notSerializable } from '../codec/serializable.js';
import type { WorkerToHost } from '../protocol/worker-to-host.js';
import type { Slab } from '../shared/slab.js';

/** Settings of a token stream. */
export interface TokenStreamOptions {
  readonly id: number;
  readonly slot: number;
  readonly step: string;
  readonly slab: Slab;
  readonly writer: FrameWriter<WorkerToHost>;
  readonly batch: number;
  readonly flushMs: number;
}

/**
 * The tokens of one invocation. Tokens are batched and posted at once when a batch is full, on the
 * next turn of the event loop, or after `flushMs` for a producer that never yields; so batching adds
 * no latency to a slow stream and costs nothing per token to a fast one. Credit lives in the slab:
 * the producer reads it synchronously and waits (Atomics.waitAsync) only when the host's consumer is
 * behind, so memory stays bounded by the credit window.
 */
export class TokenStream {
  readonly #o: TokenStreamOptions;
  #buf: unknown[] = [];
  #sent = 0;
  #firstAt = 0;
  #fast = false;
  #immediate: NodeJS.Immediate | undefined;
  #starved = false;
  #error: WeftError | undefined;

  constructor(o: TokenStreamOptions) {
    this.#o = o;
  }

  /** The token sink handed to the step runner. */
  readonly push = (tokens: unknown[]): void | Promise<void> => {
    const buf = this.#buf;
    for (let i = 0; i < tokens.length; i++) buf.push(tokens[i]);
    const n = buf.length;
    if (n >= this.#o.batch) {
      this.#fast = performance.now() - this.#firstAt < this.#o.flushMs;
      this.flush();
    } else if (n === 1) {
      this.#firstAt = performance.now();
      this.#immediate ??= setImmediate(this.#onImmediate);
    } else if ((!this.#fast || (n & 63) === 0) && performance.now() - this.#firstAt >= this.#o.flushMs) {
      this.#fast = false;
      this.flush();
    }
    if (this.#error) throw this.#error;
    // Credit only shrinks when a batch is posted, so it is read only then.
    if (this.#starved) return this.#waitCredit();
  };

  /** Posts the partial batch now. */
  flush(): void {
    const tokens = this.#buf;
    if (tokens.length === 0) return;
    this.#buf = [];
    try {
      this.#o.writer.add({ type: 'tokens', id: this.#o.id, tokens });
    } catch (cause) {
      this.#error = notSerializable(`a token of step "${this.#o.step}"`, tokens, cause, 'tokens');
      return;
    }
    this.#sent = (this.#sent + tokens.length) | 0;
    this.#o.writer.flush();
    this.#starved = ((this.#o.slab.granted(this.#o.slot) - this.#sent) | 0) <= 0;
  }

  /** Flushes what is left; throws a token encoding error so the invocation fails with it. */
  end(): void {
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.flush();
    if (this.#error) throw this.#error;
  }

  readonly #onImmediate = (): void => {
    this.#immediate = undefined;
    this.flush();
  };

  async #waitCredit(): Promise<void> {
    this.flush();
    const { slab, slot } = this.#o;
    for (;;) {
      const granted = slab.granted(slot);
      if (((granted - this.#sent) | 0) > 0 || slab.cancelled(slot)) {
        this.#starved = false;
        return;
      }
      await slab.waitGrant(slot, granted);
    }
  }
}
