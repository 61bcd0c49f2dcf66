import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { WeftError } from '@weft/core';

/**
 * How a value is encoded for storage. The first byte says which form follows:
 * - `J`: UTF-8 JSON, for plain data JSON holds exactly (the fast path: most outputs);
 * - `B`: the raw bytes of a Uint8Array, `N`: of a Buffer (large binary values are never copied
 *   into another encoding);
 * - `V`: the V8 serializer (structured clone: Map, Set, Date, BigInt, typed arrays, NaN, -0, ...).
 * What structured clone refuses (a function, a Promise, a WeakMap, a symbol) is NOT_SERIALIZABLE.
 */
export type ValueTag = 0x4a | 0x42 | 0x4e | 0x56;

const J = 0x4a;
const B = 0x42;
const N = 0x4e;
const V = 0x56;

/** An encoded value: its parts (tag then body; never concatenated for large bodies), size and hash. */
export interface Encoded {
  readonly tag: ValueTag;
  readonly body: Uint8Array;
  readonly bytes: number;
  /** `sha256:<hex>` over the tag byte and the body. */
  readonly hash: string;
}

/** The hash of an encoded value (tag byte, then body). */
export function hashOf(tag: number, body: Uint8Array): string {
  const h = createHash('sha256');
  if (body.byteLength < 4096) {
    // One call into native code for a small value (most outputs): tag and body joined.
    const joined = Buffer.allocUnsafe(body.byteLength + 1);
    joined[0] = tag;
    joined.set(body, 1);
    h.update(joined);
  } else h.update(Uint8Array.of(tag)).update(body);
  return `sha256:${h.digest('hex')}`;
}

/** Encodes a value (see {@link ValueTag}); NOT_SERIALIZABLE for what structured clone refuses. */
export function encodeValue(value: unknown, what = 'a value'): Encoded {
  let tag: ValueTag;
  let body: Uint8Array;
  if (value instanceof Uint8Array && (value.constructor === Uint8Array || Buffer.isBuffer(value))) {
    tag = Buffer.isBuffer(value) ? N : B;
    body = value;
  } else if (isPlainJson(value, 1 << 20)) {
    tag = J;
    body = Buffer.from(JSON.stringify(value), 'utf8');
  } else {
    tag = V;
    try {
      body = serialize(value);
    } catch (cause) {
      throw new WeftError('NOT_SERIALIZABLE', `${what} cannot be stored: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  return { tag, body, bytes: body.byteLength + 1, hash: hashOf(tag, body) };
}

/** Joins an encoded value into one buffer (tag byte first). */
export function joinEncoded(e: Pick<Encoded, 'tag' | 'body'>): Buffer {
  const out = Buffer.allocUnsafe(e.body.byteLength + 1);
  out[0] = e.tag;
  out.set(e.body, 1);
  return out;
}

/** Decodes a joined encoding (tag byte first). Throws STORE_CORRUPT for an unknown tag. */
export function decodeValue(bytes: Uint8Array): unknown {
  const tag = bytes[0];
  const body = bytes.subarray(1);
  switch (tag) {
    case J:
      return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    case B:
      return new Uint8Array(body);
    case N:
      return Buffer.from(body);
    case V:
      return deserialize(body);
    default:
      throw new WeftError('STORE_CORRUPT', `a stored value has an unknown encoding (tag ${String(tag)})`);
  }
}

/**
 * True when JSON holds `v` exactly (so that it reads back equal to what structured clone would
 * give): null, booleans, strings, finite numbers other than -0, and arrays and plain objects of
 * those, with no holes, no `undefined` and at most `budget` characters of strings and nodes.
 */
export function isPlainJson(v: unknown, budget: number): boolean {
  let left = budget;
  const seen = new Set<object>();
  const walk = (x: unknown): boolean => {
    if (--left < 0) return false;
    switch (typeof x) {
      case 'string':
        left -= x.length;
        return left >= 0;
      case 'boolean':
        return true;
      case 'number':
        return Number.isFinite(x) && !Object.is(x, -0);
      case 'object': {
        if (x === null) return true;
        if (seen.has(x)) return false; // shared or cyclic: structured clone keeps the sharing
        seen.add(x);
        if (Array.isArray(x)) {
          if (Object.getPrototypeOf(x) !== Array.prototype) return false;
          for (let i = 0; i < x.length; i++) if (!(i in x) || !walk(x[i])) return false;
          return Object.keys(x).length === x.length;
        }
        const proto: unknown = Object.getPrototypeOf(x);
        if (proto !== Object.prototype && proto !== null) return false;
        for (const k in x) {
          left -= k.length;
          if (!Object.prototype.hasOwnProperty.call(x, k)) return false;
          if (!walk((x as Record<string, unknown>)[k])) return false;
        }
        return left >= 0;
      }
      default:
        return false;
    }
  };
  return walk(v);
}
