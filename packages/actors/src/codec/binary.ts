// Binary payloads travel as transferables: a Buffer or typed array that owns its whole ArrayBuffer
// and is at least `threshold` bytes is moved out of the msgpack bytes and its buffer transferred
// (zero copy). Only the value itself and its direct children are looked at, so the scan is O(1) per
// value; deeper binaries are still correct, just copied by msgpackr.

/** A binary cut out of a message: where it was (path from the message root), its attachment, its type. */
export type BinRef = readonly [
  path: readonly (string | number)[],
  attachment: number,
  type: number,
  length: number,
];

const TYPES = [
  Buffer,
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
] as const;

type View = ArrayBufferView;

function movable(v: unknown, threshold: number): v is View {
  if (!ArrayBuffer.isView(v)) return false;
  const b = v.buffer;
  return (
    b instanceof ArrayBuffer &&
    v.byteOffset === 0 &&
    v.byteLength === b.byteLength &&
    v.byteLength >= threshold &&
    b.byteLength > 0
  );
}

function typeCode(v: View): number {
  if (Buffer.isBuffer(v)) return 0;
  const i = TYPES.indexOf(v.constructor as (typeof TYPES)[number]);
  return i < 0 ? 1 : i;
}

/**
 * Replaces movable binaries in `value` (and its direct children) by null, registering their buffers
 * with `attach`. Returns the value to encode (a shallow copy when something was cut out).
 */
export function extractBinary(
  value: unknown,
  base: readonly (string | number)[],
  threshold: number,
  attach: (b: ArrayBuffer) => number,
  refs: BinRef[],
): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (movable(value, threshold)) {
    refs.push([
      base,
      attach(value.buffer as ArrayBuffer),
      typeCode(value),
      value.byteLength / bytesPer(value),
    ]);
    return null;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    const n = Math.min(value.length, 64);
    for (let i = 0; i < n; i++) {
      const x: unknown = value[i];
      if (movable(x, threshold)) {
        copy ??= [...(value as unknown[])];
        copy[i] = null;
        refs.push([[...base, i], attach(x.buffer as ArrayBuffer), typeCode(x), x.byteLength / bytesPer(x)]);
      }
    }
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  let seen = 0;
  for (const k in value) {
    if (++seen > 64) break;
    const x = (value as Record<string, unknown>)[k];
    if (movable(x, threshold)) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[k] = null;
      refs.push([[...base, k], attach(x.buffer as ArrayBuffer), typeCode(x), x.byteLength / bytesPer(x)]);
    }
  }
  return copy ?? value;
}

function bytesPer(v: View): number {
  return (v as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
}

/** Puts the binaries back into a decoded message. */
export function restoreBinary(
  message: Record<string, unknown>,
  refs: readonly BinRef[],
  attachments: readonly ArrayBuffer[],
): void {
  for (const [path, a, type, length] of refs) {
    const buffer = attachments[a];
    if (!buffer) continue;
    const Ctor = TYPES[type] ?? Uint8Array;
    const view: unknown =
      Ctor === Buffer
        ? Buffer.from(buffer, 0, length)
        : Ctor === DataView
          ? new DataView(buffer)
          : new (Ctor as Uint8ArrayConstructor)(buffer, 0, length);
    let target: Record<string | number, unknown> = message;
    for (let i = 0; i < path.length - 1; i++) target = target[path[i]!] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (last !== undefined) target[last] = view;
  }
}
