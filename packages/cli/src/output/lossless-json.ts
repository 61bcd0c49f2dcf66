// The output contract of `weft`: a run's output is written as JSON that reads back to the same
// value. Plain JSON data is written as is; the values JSON cannot hold are tagged objects with a
// `$weft` key; anything else is refused with NOT_SERIALIZABLE (naming where it is) before the run is
// recorded as succeeded. Documented in packages/cli/README.md ("The output contract").
import { WeftError } from '@weft/core';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The tag key of an encoded value. */
export const TAG = '$weft';

const BINARY = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type BinaryName = keyof typeof BINARY | 'Buffer' | 'ArrayBuffer' | 'DataView';

function pointer(path: readonly string[]): string {
  return path.length === 0
    ? '/'
    : '/' + path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function refuse(path: readonly string[], what: string): never {
  const at = pointer(path);
  throw new WeftError(
    'NOT_SERIALIZABLE',
    `the run output cannot be written losslessly: ${what} at ${at} (outputs are plain data plus BigInt, Map, Set, Date, typed arrays, Buffer, non-finite numbers and undefined)`,
    { data: { path: at, what } },
  );
}

function describe(v: object): string {
  if (typeof v === 'function') return `a function${v.name ? ` (${v.name})` : ''}`;
  const ctor = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor ? `an instance of ${ctor}` : 'an object with a foreign prototype';
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function bytesOf(v: ArrayBufferView | ArrayBuffer): string {
  const u8 =
    v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.from(u8).toString('base64');
}

function binaryName(v: object): BinaryName | undefined {
  if (Buffer.isBuffer(v)) return 'Buffer';
  if (v instanceof ArrayBuffer) return 'ArrayBuffer';
  if (v instanceof DataView) return 'DataView';
  for (const name of Object.keys(BINARY) as (keyof typeof BINARY)[])
    if (Object.getPrototypeOf(v) === BINARY[name].prototype) return name;
  return undefined;
}

/**
 * Encodes a run output as JSON data that {@link decodeOutput} reads back to the same value. Throws
 * NOT_SERIALIZABLE (with `data.path`, a JSON Pointer) for functions, symbols, class instances and
 * cycles.
 * @example JSON.stringify(encodeOutput({ n: 10n, seen: new Set([1]) }))
 * // {"n":{"$weft":"bigint","value":"10"},"seen":{"$weft":"set","values":[1]}}
 */
export function encodeOutput(value: unknown): Json {
  const ancestors = new Set<object>();
  const enc = (v: unknown, path: string[]): Json => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (Number.isNaN(v) || !Number.isFinite(v) || Object.is(v, -0))
          return { [TAG]: 'number', value: Object.is(v, -0) ? '-0' : String(v) };
        return v;
      case 'bigint':
        return { [TAG]: 'bigint', value: v.toString() };
      case 'undefined':
        return { [TAG]: 'undefined' };
      case 'symbol':
        return refuse(path, `a symbol (${v.toString()})`);
      case 'function':
        return refuse(path, describe(v));
      case 'object':
        break;
    }
    if (v === null) return null;
    const obj = v;
    if (ancestors.has(obj)) return refuse(path, 'a cycle (a value that contains itself)');
    ancestors.add(obj);
    try {
      return encObject(obj, path);
    } finally {
      ancestors.delete(obj);
    }
  };
  const encObject = (obj: object, path: string[]): Json => {
    if (Array.isArray(obj)) {
      if (Object.getPrototypeOf(obj) !== Array.prototype) return refuse(path, describe(obj));
      const out: Json[] = [];
      for (let i = 0; i < obj.length; i++) out.push(enc((obj as unknown[])[i], [...path, String(i)]));
      return out;
    }
    if (obj instanceof Date && Object.getPrototypeOf(obj) === Date.prototype) {
      const t = obj.getTime();
      return { [TAG]: 'date', value: Number.isNaN(t) ? null : obj.toISOString() };
    }
    if (obj instanceof Map && Object.getPrototypeOf(obj) === Map.prototype) {
      let i = 0;
      const entries: Json[] = [];
      for (const [k, val] of obj) {
        entries.push([enc(k, [...path, `(key ${i})`]), enc(val, [...path, String(k as string)])]);
        i++;
      }
      return { [TAG]: 'map', entries };
    }
    if (obj instanceof Set && Object.getPrototypeOf(obj) === Set.prototype) {
      let i = 0;
      const values: Json[] = [];
      for (const val of obj) values.push(enc(val, [...path, String(i++)]));
      return { [TAG]: 'set', values };
    }
    const binary = binaryName(obj);
    if (binary)
      return { [TAG]: 'bytes', type: binary, base64: bytesOf(obj as ArrayBufferView | ArrayBuffer) };
    if (!isPlainObject(obj)) return refuse(path, describe(obj));
    const symbols = Object.getOwnPropertySymbols(obj);
    if (symbols.length > 0) return refuse(path, `a symbol-keyed property (${symbols[0]!.toString()})`);
    const out: { [key: string]: Json } = {};
    for (const k of Object.keys(obj)) define(out, k, enc((obj as Record<string, unknown>)[k], [...path, k]));
    return Object.hasOwn(obj, TAG) ? { [TAG]: 'object', value: out } : out;
  };
  return enc(value, []);
}

/** Sets `k` as an own property, `__proto__` included. */
function define(target: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
  else target[k] = v;
}

function bad(what: string): never {
  throw new WeftError('INPUT_INVALID', `not an encoded Weft output: ${what}`);
}

/**
 * Reads back what {@link encodeOutput} wrote (parse the file with `JSON.parse` first).
 * @example decodeOutput(JSON.parse(readFileSync('out/output.json', 'utf8')))
 */
export function decodeOutput(json: unknown): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map((v) => decodeOutput(v));
  const o = json as Record<string, unknown>;
  if (!Object.hasOwn(o, TAG)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) define(out, k, decodeOutput(o[k]));
    return out;
  }
  switch (o[TAG]) {
    case 'undefined':
      return undefined;
    case 'number':
      return o['value'] === '-0' ? -0 : Number(o['value']);
    case 'bigint':
      if (typeof o['value'] !== 'string') bad('a bigint without a string value');
      return BigInt(o['value']);
    case 'date':
      return new Date(typeof o['value'] === 'string' ? o['value'] : NaN);
    case 'map':
      if (!Array.isArray(o['entries'])) bad('a map without entries');
      return new Map(
        (o['entries'] as unknown[]).map((e) => {
          if (!Array.isArray(e) || e.length !== 2) bad('a map entry that is not [key, value]');
          return [decodeOutput(e[0]), decodeOutput(e[1])] as const;
        }),
      );
    case 'set':
      if (!Array.isArray(o['values'])) bad('a set without values');
      return new Set((o['values'] as unknown[]).map((v) => decodeOutput(v)));
    case 'bytes':
      return decodeBytes(o['type'], o['base64']);
    case 'object': {
      const inner = o['value'];
      if (inner === null || typeof inner !== 'object' || Array.isArray(inner))
        bad('an escaped object without a value');
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(inner)) define(out, k, decodeOutput((inner as Record<string, unknown>)[k]));
      return out;
    }
    default:
      return bad(`unknown tag ${JSON.stringify(o[TAG])}`);
  }
}

function decodeBytes(type: unknown, base64: unknown): unknown {
  if (typeof base64 !== 'string') bad('bytes without base64');
  const buf = Buffer.from(base64, 'base64');
  if (type === 'Buffer') return buf;
  const copy = new ArrayBuffer(buf.byteLength);
  new Uint8Array(copy).set(buf);
  if (type === 'ArrayBuffer') return copy;
  if (type === 'DataView') return new DataView(copy);
  if (typeof type === 'string' && Object.hasOwn(BINARY, type))
    return new BINARY[type as keyof typeof BINARY](copy);
  return bad(`unknown bytes type ${JSON.stringify(type)}`);
}

/** The output as the text of an output file: encoded, indented, with a final newline. */
export function stringifyOutput(value: unknown): string {
  return JSON.stringify(encodeOutput(value), null, 2) + '\n';
}
