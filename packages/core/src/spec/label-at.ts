// The name a message gives the value at a JSON Pointer of a pipeline document: `retry`, `to[1]`,
// `step "count"`, `state key "total"`, `cases "big"`. Found by walking the document and the schema
// together, so a step called "steps" or a case called "to" is still named right.
import { deref, type Schema } from './describe-schema.js';
import { pipelineSchema } from './schema.js';
import { isObject } from '../util/is-object.js';

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** What to call the value at `path` (a JSON Pointer into `doc`) in a message. */
export function labelAt(doc: unknown, path: string): string {
  if (path === '') return 'the pipeline';
  let schema: Schema | undefined = pipelineSchema;
  let value = doc;
  let label = 'the pipeline';
  for (const seg of path.slice(1).split('/').map(unescape)) {
    const s: Schema = schema === undefined ? {} : branchFor(deref(schema), value);
    const props = isObject(s['properties']) ? s['properties'] : {};
    if (Array.isArray(value)) {
      label = `${label}[${seg}]`;
      schema = isObject(s['items']) ? s['items'] : undefined;
    } else if (isObject(props[seg])) {
      label = seg;
      schema = props[seg];
    } else {
      const each = isObject(s['additionalProperties']) ? deref(s['additionalProperties']) : undefined;
      label = `${typeof each?.['title'] === 'string' ? each['title'] : label} "${seg}"`;
      schema = each;
    }
    value = isObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[seg] : undefined;
  }
  return label;
}

/** The branch of a union whose shape fits `value` (the union itself when it has none or none fits). */
function branchFor(s: Schema, value: unknown): Schema {
  if (!Array.isArray(s['oneOf'])) return s;
  for (const b of s['oneOf'].filter(isObject).map(deref)) {
    const t = b['type'];
    if (
      (t === 'object' && isObject(value)) ||
      (t === 'array' && Array.isArray(value)) ||
      (t === 'string' && typeof value === 'string')
    )
      return b;
  }
  return s;
}
