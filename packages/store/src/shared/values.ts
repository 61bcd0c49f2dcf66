import { WeftError } from '@weft/core';
import type { ValueRef, ValueStore } from '@weft/core/store';
import type { WarningSink } from './store-warning.js';
import { decodeValue, encodeValue, hashOf, joinEncoded, type Encoded } from './value-codec.js';

/** Where encoded values live, by hash (memory: a Map; SQLite: a table and, for large ones, files). */
export interface ValueBackend {
  has(hash: string): boolean;
  /** Stores an encoded value under its hash, unless it holds it already. */
  write(e: Encoded): void;
  /** The joined encoding (tag byte first), or undefined. */
  read(hash: string): Uint8Array | undefined;
  /** Forgets a value (one found damaged: the next put stores it again). */
  remove(hash: string): void;
}

/** The hash a ref names (`sha256:<hex>`); OPTION_INVALID for anything else. */
export function refHash(ref: ValueRef | string): string {
  const h = typeof ref === 'string' ? ref : ref?.$weftValue;
  if (typeof h !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(h))
    throw new WeftError('OPTION_INVALID', `not a value reference: ${JSON.stringify(ref)}`);
  return h;
}

/** True for a stored value reference. */
export function isValueRef(v: unknown): v is ValueRef {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ValueRef).$weftValue === 'string' &&
    typeof (v as ValueRef).bytes === 'number'
  );
}

/**
 * Values stored once by content hash over a backend; reading checks the hash. Putting the same
 * object again within one turn of the event loop (an output logged and audited in one batch)
 * encodes and hashes it once; the cache is dropped at the end of the turn, so an object changed
 * later is stored as it then is.
 */
export class Values implements ValueStore {
  readonly #backend: ValueBackend;
  readonly #warn: WarningSink;
  #recent = new WeakMap<object, ValueRef>();
  #clearing = false;

  constructor(backend: ValueBackend, warn: WarningSink = () => {}) {
    this.#backend = backend;
    this.#warn = warn;
  }

  put(value: unknown): ValueRef {
    return this.recent(value) ?? this.putEncoded(encodeValue(value), value);
  }

  /** The ref of an object stored in this turn of the event loop (not encoded again), if any. */
  recent(value: unknown): ValueRef | undefined {
    const cached = typeof value === 'object' && value !== null ? this.#recent.get(value) : undefined;
    return cached && this.#backend.has(cached.$weftValue) ? cached : undefined;
  }

  /** Stores an already encoded value. */
  putEncoded(e: Encoded, value?: unknown): ValueRef {
    this.#backend.write(e);
    const ref: ValueRef = { $weftValue: e.hash, bytes: e.bytes };
    if (typeof value === 'object' && value !== null) {
      this.#recent.set(value, ref);
      if (!this.#clearing) {
        this.#clearing = true;
        setImmediate(() => {
          this.#clearing = false;
          this.#recent = new WeakMap();
        }).unref();
      }
    }
    return ref;
  }

  get(ref: ValueRef | string): unknown {
    return this.lookup(ref)?.value;
  }

  /**
   * The value, or undefined when there is none. Bytes that no longer match their hash are
   * STORE_CORRUPT (reported as a warning too), and forgotten: the next put stores the value again.
   */
  lookup(ref: ValueRef | string): { readonly value: unknown } | undefined {
    const hash = refHash(ref);
    const bytes = this.#backend.read(hash);
    if (bytes === undefined) return undefined;
    return this.checked(hash, bytes, () => this.#backend.remove(hash));
  }

  /**
   * Decodes the encoding of a value kept elsewhere under its hash (a memo row's small value),
   * checking the hash as {@link lookup} does; `forget` drops the damaged copy.
   */
  checked(hash: string, bytes: Uint8Array, forget: () => void): { readonly value: unknown } {
    if (bytes.byteLength === 0 || hashOf(bytes[0]!, bytes.subarray(1)) !== hash) {
      forget();
      const message = `the stored value ${hash.slice(0, 19)}… no longer matches its hash: it was changed after it was written, and is computed again instead of served`;
      this.#warn({ code: 'STORE_CORRUPT', message, data: { hash } });
      throw new WeftError('STORE_CORRUPT', message, { data: { hash, edited: true } });
    }
    return { value: decodeValue(bytes) };
  }

  has(ref: ValueRef | string): boolean {
    return this.#backend.has(refHash(ref));
  }
}

/** The memory backend: a Map of joined encodings. */
export class MapValueBackend implements ValueBackend {
  readonly map = new Map<string, Uint8Array>();
  bytes = 0;

  has(hash: string): boolean {
    return this.map.has(hash);
  }

  write(e: Encoded): void {
    if (this.map.has(e.hash)) return;
    this.map.set(e.hash, joinEncoded(e));
    this.bytes += e.bytes;
  }

  read(hash: string): Uint8Array | undefined {
    return this.map.get(hash);
  }

  remove(hash: string): void {
    this.delete(hash);
  }

  delete(hash: string): number {
    const v = this.map.get(hash);
    if (!v) return 0;
    this.map.delete(hash);
    this.bytes -= v.byteLength;
    return v.byteLength;
  }
}
