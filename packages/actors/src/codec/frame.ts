// Frames: several messages, each packed by msgpackr (record structures on), copied into ONE
// exact-length buffer that is transferred. Never post msgpackr's own output: it is a view on the
// Packr's internal buffer, and posting it clones that whole buffer (measured 18× slower for small
// messages). The first byte of a frame is the protocol version.
import { Packr, RESET_BUFFER_MODE, Unpackr } from 'msgpackr';
import { WeftError } from '@weft/core';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { restoreBinary, type BinRef } from './binary.js';

class FunctionValue extends Error {}

function identity<T>(x: T): T {
  return x;
}

/** A Packr configured for Weft messages (records, typed arrays, functions refused). */
export function createPackr(): Packr {
  return new Packr({
    useRecords: true,
    moreTypes: true,
    writeFunction: () => {
      throw new FunctionValue('a function cannot cross threads');
    },
  });
}

/** An Unpackr matching {@link createPackr}. */
export function createUnpackr(): Unpackr {
  return new Unpackr({ useRecords: true, moreTypes: true });
}

/** What a frame is posted as: the bytes, or the bytes plus transferred binaries. */
export type FrameData = Uint8Array | { readonly f: Uint8Array; readonly a: readonly ArrayBuffer[] };

/** Posts a frame (the port's postMessage). */
export type PostFrame = (data: FrameData, transfer: ArrayBuffer[]) => void;

/** An accumulator larger than this is dropped after its frame went out, not kept for reuse. */
const KEEP_BYTES = 4 << 20;

/**
 * Collects messages into frames. `add` encodes at once (so an unserialisable value is reported to
 * the caller, never to the whole frame) into a reused accumulator; frames go out on the next
 * microtask, or at once with `flush`, as one exact-length copy. msgpackr packs in its reset mode, so
 * its internal buffer is reused too: no allocation per message but the frame itself.
 */
export class FrameWriter<M> {
  readonly #packr = createPackr();
  readonly #post: PostFrame;
  readonly #encode: (message: M) => unknown;
  #buf = new Uint8Array(16 << 10);
  #size = 1;
  #attachments: ArrayBuffer[] = [];
  #scheduled = false;
  #holdUntil = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bytes posted so far (frames and transferred binaries). */
  bytes = 0;

  /** `encode` turns a message into its wire form (see protocol/wire.ts); by default it is sent as is. */
  constructor(post: PostFrame, encode: (message: M) => unknown = identity) {
    this.#post = post;
    this.#encode = encode;
  }

  /** Encodes a message into the pending frame and returns its size in bytes. Throws what the encoder throws (nothing is added then). */
  add(message: M): number {
    const view = this.#packr.pack(this.#encode(message), RESET_BUFFER_MODE);
    const end = this.#size + view.length;
    if (end > this.#buf.length) {
      const grown = new Uint8Array(Math.max(end, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#size));
      this.#buf = grown;
    }
    this.#buf.set(view, this.#size);
    this.#size = end;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#due);
    }
    return view.length;
  }

  /**
   * Lets the pending frame wait up to `ms` for more messages (a chain of steps reporting one after
   * the other: one frame per millisecond instead of one per step). `flush()` still posts at once.
   */
  coalesce(ms: number): void {
    this.#holdUntil = performance.now() + ms;
  }

  readonly #due = (): void => {
    if (!this.#scheduled) return;
    const wait = this.#holdUntil - performance.now();
    if (wait <= 0) return this.flush();
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#holdUntil = 0;
      this.flush();
    }, wait);
  };

  /** Registers a buffer to transfer with the pending frame; returns its attachment index. */
  attach(buffer: ArrayBuffer): number {
    return this.#attachments.push(buffer) - 1;
  }

  /** Drops attachments registered after `count` (a message that failed to encode). */
  dropAttachments(count: number): void {
    this.#attachments.length = count;
  }

  /** True while messages wait in the pending frame. */
  get pending(): boolean {
    return this.#size > 1;
  }

  get attachmentCount(): number {
    return this.#attachments.length;
  }

  /** Posts the pending frame now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#size === 1) return;
    this.#buf[0] = PROTOCOL_VERSION;
    const frame = this.#buf.slice(0, this.#size);
    const attachments = this.#attachments;
    this.#size = 1;
    if (this.#buf.length > KEEP_BYTES) this.#buf = new Uint8Array(16 << 10);
    let moved = frame.length;
    if (attachments.length === 0) {
      this.#post(frame, [frame.buffer]);
    } else {
      this.#attachments = [];
      for (const a of attachments) moved += a.byteLength;
      this.#post({ f: frame, a: attachments }, [frame.buffer, ...attachments]);
    }
    this.bytes += moved;
  }
}

/** Reads frames: checks the protocol version, decodes each message, restores transferred binaries. */
export class FrameReader<M> {
  readonly #unpackr = createUnpackr();
  readonly #decode: (wire: unknown) => M;
  /** Bytes received so far. */
  bytes = 0;

  /** `decode` turns a wire message back into its object form (see protocol/wire.ts); by default it is taken as is. */
  constructor(decode: (wire: unknown) => M = identity as (wire: unknown) => M) {
    this.#decode = decode;
  }

  /** Decodes one posted frame and calls `onMessage` for each message in order, with its size in bytes. */
  read(data: unknown, onMessage: (message: M, bytes: number) => void): void {
    let frame: Uint8Array;
    let attachments: readonly ArrayBuffer[] | undefined;
    if (data instanceof Uint8Array) frame = data;
    else if (typeof data === 'object' && data !== null && (data as { f?: unknown }).f instanceof Uint8Array) {
      frame = (data as { f: Uint8Array }).f;
      attachments = (data as { a: readonly ArrayBuffer[] }).a;
    } else {
      throw new WeftError('PROTOCOL_ERROR', `unexpected message on a Weft port: ${typeof data}`);
    }
    if (frame[0] !== PROTOCOL_VERSION) {
      throw new WeftError(
        'PROTOCOL_ERROR',
        `protocol version ${frame[0]} received, ${PROTOCOL_VERSION} expected: the worker and the host come from different builds`,
        {
          data: { got: frame[0], expected: PROTOCOL_VERSION },
        },
      );
    }
    this.bytes += frame.length;
    if (attachments) for (const a of attachments) this.bytes += a.byteLength;
    this.#unpackr.unpackMultiple(frame.subarray(1), (wire: unknown, start?: number, end?: number) => {
      const m = this.#decode(wire);
      let bytes = (end ?? 0) - (start ?? 0);
      const bin = (m as { bin?: readonly BinRef[] }).bin;
      if (bin && attachments) {
        restoreBinary(m as Record<string, unknown>, bin, attachments);
        for (const ref of bin) bytes += attachments[ref[1]]?.byteLength ?? 0;
      }
      onMessage(m, bytes);
    });
  }
}
