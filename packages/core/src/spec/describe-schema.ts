// Plain-English phrases for parts of the pipeline schema ("an integer ≥ 1", "a name (letters, …)"),
// used by checkSpec's messages. Phrases only: the rules themselves are the schema's.
import { PROCESSOR_REF } from '../catalogue/catalogue-document.js';
import { pipelineSchema } from './schema.js';
import { isObject } from '../util/is-object.js';

/** A (sub)schema of the pipeline schema, read as plain JSON. */
export type Schema = Readonly<Record<string, unknown>>;

/** What each `pattern` of the schema means, in words (a test checks every pattern has one). */
export const PATTERN_PHRASES: Readonly<Record<string, string>> = {
  [pipelineSchema.$defs.name.pattern]: 'a name (letters, digits, "_", "." or "-")',
  [pipelineSchema.$defs.code.oneOf[0].pattern]: '"module#export" (e.g. "./steps.js#count")',
  [pipelineSchema.$defs.code.oneOf[1].properties.export.pattern]: 'an export name (e.g. "count")',
  [PROCESSOR_REF.source]: '"name@version" (e.g. "text/uppercase@2")',
};

/** Follows a local `$ref` (`#/$defs/name`) to the schema it names. */
export function deref(s: Schema): Schema {
  const ref = s['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return s;
  let at: unknown = pipelineSchema;
  for (const seg of ref.slice(2).split('/')) at = isObject(at) ? at[seg] : undefined;
  return isObject(at) ? deref(at) : s;
}

/** `a` or `an`, by the first letter. */
export function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** `x`, `x or y`, `x, y or z`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`;
}

const quoted = (xs: readonly unknown[]): string[] => xs.map((x) => JSON.stringify(x));

/** What a value must be to pass `schema`, in words: "an integer ≥ 1", "one of "a", "b", "c"". */
export function describe(schema: Schema, key = ''): string {
  const s = deref(schema);
  if (Array.isArray(s['oneOf']) && s['type'] === undefined)
    return orList(s['oneOf'].filter(isObject).map((b) => describe(b, key)));
  if (Array.isArray(s['enum']))
    return s['enum'].length === 2 ? orList(quoted(s['enum'])) : `one of ${quoted(s['enum']).join(', ')}`;
  if ('const' in s) return JSON.stringify(s['const']);
  switch (s['type']) {
    case 'string': {
      const pattern = typeof s['pattern'] === 'string' ? PATTERN_PHRASES[s['pattern']] : undefined;
      if (pattern !== undefined)
        return typeof s['maxLength'] === 'number'
          ? `${pattern.slice(0, -1)}, at most ${s['maxLength']} characters)`
          : pattern;
      return s['minLength'] === 1 ? 'a non-empty string' : 'a string';
    }
    case 'integer':
      return typeof s['minimum'] === 'number' ? `an integer ≥ ${s['minimum']}` : 'an integer';
    case 'number': {
      const unit = key.endsWith('Ms') ? ' of ms' : '';
      if (s['exclusiveMinimum'] === 0) return `a positive number${unit}`;
      const min = s['minimum'];
      const max = s['maximum'];
      if (typeof min === 'number' && typeof max === 'number') return `a number from ${min} to ${max}`;
      return typeof min === 'number' ? `a number ≥ ${min}${unit}` : `a number${unit}`;
    }
    case 'boolean':
      return 'true or false';
    case 'array':
      return isObject(s['items']) ? `an array of ${plural(s['items'])}` : 'an array';
    case 'object':
      return describeObject(s);
    default:
      return 'any value';
  }
}

/** "a retry policy { "attempts", ... }", "a step with one of "run", …", "a non-empty object, each value …". */
function describeObject(s: Schema): string {
  const noun = typeof s['title'] === 'string' ? article(s['title']) : 'an object';
  const kinds = Array.isArray(s['oneOf']) ? s['oneOf'].filter(isObject).map(requiredKey) : [];
  if (kinds.length > 0 && kinds.every((k) => k !== undefined))
    return `${noun} with one of ${orList(kinds.map((k) => JSON.stringify(k)))}`;
  const required = Array.isArray(s['required']) ? (s['required'] as string[]) : [];
  const all = isObject(s['properties']) ? Object.keys(s['properties']) : [];
  if (all.length > 0)
    return `${noun} { ${[...quoted(required), ...(all.length > required.length ? ['...'] : [])].join(', ')} }`;
  const each = isObject(s['additionalProperties'])
    ? `, each value ${describe(s['additionalProperties'])}`
    : '';
  return `${s['minProperties'] === 1 ? 'a non-empty object' : noun}${each}`;
}

/** The key a `{ "required": [key] }` branch asks for (the step's "exactly one of run, map, …"). */
export function requiredKey(b: Schema): string | undefined {
  return Object.keys(b).length === 1 && Array.isArray(b['required']) && b['required'].length === 1
    ? String(b['required'][0])
    : undefined;
}

function plural(items: Schema): string {
  const s = deref(items);
  if (s['pattern'] === pipelineSchema.$defs.name.pattern) return 'names';
  if (s['type'] === 'string') return 'strings';
  return `items, each ${describe(s)}`;
}
