/** Deepest nesting accepted in plan data (params, state initial values). */
export const MAX_DEPTH = 64;

/**
 * Why `value` is not plain data, or undefined when it is. Plain data is what a plan may hold and
 * what survives msgpack and JSON: null, undefined, booleans, numbers, strings, arrays and plain
 * objects (prototype `Object.prototype` or null), without cycles, nested at most MAX_DEPTH deep.
 * `where` names the value in the message (e.g. `params`). Pure; never throws.
 */
export function plainDataProblem(value: unknown, where: string): string | undefined {
  return check(value, where, new Set(), 0);
}

function check(v: unknown, where: string, ancestors: Set<object>, depth: number): string | undefined {
  switch (typeof v) {
    case 'undefined':
    case 'boolean':
    case 'number':
    case 'string':
      return undefined;
    case 'function':
      return `${where} is a function`;
    case 'symbol':
      return `${where} is a symbol`;
    case 'bigint':
      return `${where} is a bigint`;
    case 'object':
      break;
  }
  if (v === null) return undefined;
  const obj = v;
  if (depth >= MAX_DEPTH) return `${where} is nested deeper than ${MAX_DEPTH} levels`;
  if (ancestors.has(obj)) return `${where} refers back to itself (a cycle)`;
  const array = Array.isArray(obj);
  if (!array && !isPlainObject(obj)) return `${where} is ${describeObject(obj)}, not a plain object`;
  ancestors.add(obj);
  try {
    if (array) {
      const a = obj as unknown[];
      for (let i = 0; i < a.length; i++) {
        const p = check(a[i], `${where}[${i}]`, ancestors, depth + 1);
        if (p) return p;
      }
    } else {
      if (Object.getOwnPropertySymbols(obj).length > 0) return `${where} has symbol keys`;
      for (const k of Object.keys(obj)) {
        if (k === '__proto__') return `${where} has a "__proto__" key`;
        const p = check(obj[k], `${where}.${k}`, ancestors, depth + 1);
        if (p) return p;
      }
    }
  } finally {
    ancestors.delete(obj);
  }
  return undefined;
}

/** True for `{}`-style objects and `Object.create(null)` objects. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of data already checked by `plainDataProblem` (objects come out with the usual prototype). */
export function clonePlain<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x: unknown) => clonePlain(x)) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = clonePlain((v as Record<string, unknown>)[k]);
  return out as T;
}

function describeObject(o: object): string {
  const name = (o as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name.length > 0 ? `a ${name}` : 'an object with a custom prototype';
}
