/**
 * A copy of a value for a step that runs in this thread: what a step receives is its own, as it is
 * when the value crosses to a worker (there msgpack makes the copy). Primitives are returned as they
 * are (nothing to copy: the common case costs one `typeof`); arrays, plain objects, Maps, Sets,
 * Dates, RegExps, ArrayBuffers and typed arrays (Buffers stay Buffers) are copied deeply, cycles and
 * shared parts kept as they were. Anything else (a class instance, a function, a promise, an
 * error) is handed over as it is: it cannot cross threads at all, and on the main thread it is the
 * caller's object.
 */
export function copyValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  return copy(value, new Map()) as T;
}

function copy(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const done = seen.get(v);
  if (done !== undefined) return done;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    seen.set(v, out);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      out[i] = typeof x !== 'object' || x === null ? x : copy(x, seen);
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> =
      proto === null ? (Object.create(null) as Record<string, unknown>) : {};
    seen.set(v, out);
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      out[k] = typeof x !== 'object' || x === null ? x : copy(x, seen);
    }
    return out;
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(v, out);
    for (const [k, x] of v) out.set(copy(k, seen), copy(x, seen));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    seen.set(v, out);
    for (const x of v) out.add(copy(x, seen));
    return out;
  }
  if (v instanceof Date) return remember(seen, v, new Date(v.getTime()));
  if (v instanceof RegExp) return remember(seen, v, new RegExp(v.source, v.flags));
  if (v instanceof ArrayBuffer) return remember(seen, v, v.slice(0));
  if (ArrayBuffer.isView(v)) return remember(seen, v, copyView(v));
  return v;
}

function remember<T>(seen: Map<object, unknown>, from: object, to: T): T {
  seen.set(from, to);
  return to;
}

function copyView(v: ArrayBufferView): ArrayBufferView {
  if (v instanceof DataView) return new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  // Buffer#slice is a view, not a copy: Buffer.from copies and keeps the Buffer type.
  const B = (globalThis as { Buffer?: { isBuffer(x: unknown): boolean; from(x: unknown): ArrayBufferView } })
    .Buffer;
  if (B?.isBuffer(v)) return B.from(v);
  return (v as unknown as { slice(): ArrayBufferView }).slice();
}
