/**
 * JSON text of any value the engine may hand over (outputs and events carry user data). Plain data
 * takes the fast path; a value JSON cannot write (a BigInt, a cycle) falls back to a replacer that
 * writes BigInts as strings and a repeated object as `"[Circular]"`, instead of failing the answer.
 */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    const seen = new WeakSet<object>();
    return (
      JSON.stringify(value, (_k, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      }) ?? 'null'
    );
  }
}

/** The value as plain JSON data (what `JSON.parse(toJson(value))` gives). */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(toJson(value)) as unknown;
}
