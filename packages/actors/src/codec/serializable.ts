import { WeftError } from '@weft/core';

/** Where a value stops being msgpack-safe, and why. */
export interface Unserializable {
  readonly path: string;
  readonly what: string;
}

const LIMIT = 200_000;

/**
 * Finds the first part of `value` that cannot cross threads: a function, a symbol, a promise, a weak
 * collection, a bigint beyond 64 bits, or a circular reference. Only called after encoding failed,
 * so it costs nothing on the hot path.
 */
export function findUnserializable(value: unknown, root = 'value'): Unserializable | undefined {
  const seen = new Set<object>();
  let visited = 0;
  const walk = (v: unknown, path: string): Unserializable | undefined => {
    if (++visited > LIMIT) return undefined;
    switch (typeof v) {
      case 'function':
        return { path, what: `a function${v.name ? ` (${v.name})` : ''}` };
      case 'symbol':
        return { path, what: `a symbol (${String(v)})` };
      case 'bigint':
        return v >= -(2n ** 63n) && v < 2n ** 64n ? undefined : { path, what: 'a bigint wider than 64 bits' };
      case 'object': {
        if (
          v === null ||
          ArrayBuffer.isView(v) ||
          v instanceof ArrayBuffer ||
          v instanceof Date ||
          v instanceof RegExp
        )
          return undefined;
        if (seen.has(v)) return { path, what: 'a circular reference' };
        if (v instanceof Promise) return { path, what: 'a promise (await it before returning)' };
        if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef)
          return { path, what: `a ${v.constructor.name}` };
        seen.add(v);
        try {
          if (v instanceof Map) {
            for (const [k, x] of v) {
              const r = walk(k, `${path}.<key>`) ?? walk(x, `${path}.get(${describeKey(k)})`);
              if (r) return r;
            }
            return undefined;
          }
          if (v instanceof Set) {
            for (const x of v) {
              const r = walk(x, `${path}.<entry>`);
              if (r) return r;
            }
            return undefined;
          }
          if (Array.isArray(v)) {
            for (let i = 0; i < v.length; i++) {
              const r = walk(v[i], `${path}[${i}]`);
              if (r) return r;
            }
            return undefined;
          }
          for (const k of Object.keys(v)) {
            const r = walk(
              (v as Record<string, unknown>)[k],
              /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
            );
            if (r) return r;
          }
          return undefined;
        } finally {
          seen.delete(v);
        }
      }
      default:
        return undefined;
    }
  };
  return walk(value, root);
}

function describeKey(k: unknown): string {
  return typeof k === 'string'
    ? JSON.stringify(k)
    : typeof k === 'number' || typeof k === 'boolean'
      ? String(k)
      : typeof k;
}

/**
 * The coded error for a value that could not be encoded: NOT_SERIALIZABLE, naming what and where.
 * @example throw notSerializable('the output of step "parse"', output, cause, 'output');
 */
export function notSerializable(what: string, value: unknown, cause: unknown, root = 'value'): WeftError {
  const found = findUnserializable(value, root);
  const detail = found
    ? `${found.what} at ${found.path}`
    : ((cause as Error | undefined)?.message ?? 'unsupported value');
  return new WeftError(
    'NOT_SERIALIZABLE',
    `${what} cannot cross threads: ${detail}. Return plain data (objects, arrays, strings, numbers, Maps, Sets, Dates, typed arrays).`,
    {
      cause,
      data: found ? { path: found.path, found: found.what } : {},
    },
  );
}
