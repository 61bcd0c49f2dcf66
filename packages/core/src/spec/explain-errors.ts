// Turns Ajv's errors for a pipeline document into SpecProblems: one message per problem, at the JSON
// Pointer of the value at fault, with a "did you mean" for misspelt keys and values. For a `oneOf`
// (a union such as "module#export" or { module, export }), the branch the value was meant for is
// chosen by its shape and the other branches' complaints are dropped.
import type { ErrorObject } from 'ajv';
import { didYouMean } from '../util/did-you-mean.js';
import { pointer } from '../util/json-pointer.js';
import { show } from '../util/show.js';
import type { SpecProblem } from './check-spec.js';
import { article, deref, describe, orList, requiredKey, type Schema } from './describe-schema.js';
import { labelAt } from './label-at.js';
import { pipelineSchema } from './schema.js';
import { isObject } from '../util/is-object.js';

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);
const lastKey = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
/** Explains Ajv's errors (from the pipeline validator, `verbose` on) for `doc`, pointers prefixed by `base`. */
export function explainErrors(doc: unknown, errors: readonly ErrorObject[], base: string): SpecProblem[] {
  const dropped = new Set<ErrorObject>();
  /** Instance path of each union whose value matched a branch's shape, to the union. */
  const unions = new Map<string, Schema>();
  /** oneOf errors whose value matched no branch: reported as one message for the whole union. */
  const unmatched = new Set<ErrorObject>();
  for (const e of errors) {
    if (e.keyword !== 'oneOf' || !Array.isArray(e.schema)) continue;
    const branches = (e.schema as unknown[]).filter(isObject).map(deref);
    const mine = errors.filter(
      (x) => x !== e && x.instancePath === e.instancePath && branches.some((b) => same(x.parentSchema, b)),
    );
    if (branches.every((b) => requiredKey(b) !== undefined)) {
      for (const x of mine) dropped.add(x);
      continue;
    }
    const chosen = pick(branches, e.data);
    for (const x of mine) if (chosen === undefined || !same(x.parentSchema, chosen)) dropped.add(x);
    if (chosen === undefined) unmatched.add(e);
    else unions.set(e.instancePath, { oneOf: e.schema });
  }
  const problems: SpecProblem[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string, hint?: string): void => {
    const key = `${path}\n${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ code: 'SPEC_INVALID', path: base + path, message, ...(hint ? { hint } : {}) });
  };
  for (const e of errors) {
    if (dropped.has(e) || e.keyword === 'if' || e.propertyName !== undefined) continue;
    explain(doc, e, unmatched.has(e), unions.get(e.instancePath), push);
  }
  return problems;
}

type Push = (path: string, message: string, hint?: string) => void;

function explain(
  doc: unknown,
  e: ErrorObject,
  unmatched: boolean,
  union: Schema | undefined,
  push: Push,
): void {
  const at = e.instancePath;
  const parent = isObject(e.parentSchema) ? e.parentSchema : {};
  const label = (): string => labelAt(doc, at);
  const got = `got ${show(e.data)}`;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'oneOf': {
      const keys = (e.schema as Schema[]).map((b) => requiredKey(b));
      if (keys.every((k) => k !== undefined)) {
        if (!isObject(e.data)) return; // not an object: its type error says so
        const names = keys.map((k) => `"${k}"`);
        const passing = params['passingSchemas'];
        if (!Array.isArray(passing)) return push(at, `${label()} needs one of ${orList(names)}`);
        const has = passing.map((i) => names[i as number]!);
        return push(
          `${at}/${keys[passing[1] as number]!}`,
          `${label()} has exactly one of ${orList(names)}; this one has ${has.join(' and ')}`,
        );
      }
      if (unmatched) push(at, `${label()} must be ${describe({ oneOf: e.schema }, lastKey(at))}, ${got}`);
      return;
    }
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const known = isObject(parent['properties']) ? Object.keys(parent['properties']) : [];
      const guess = didYouMean(key, known);
      const what = typeof parent['title'] === 'string' ? parent['title'] : 'object';
      return push(
        `${at}${pointer(key)}`,
        `unknown ${what} property "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        guess ? `did you mean "${guess}"?` : `allowed: ${known.join(', ')}`,
      );
    }
    case 'required': {
      const key = String(params['missingProperty']);
      const prop = propertySchema(parent, key);
      const what = typeof parent['title'] === 'string' ? article(parent['title']) : label();
      return push(`${at}${pointer(key)}`, `${what} needs "${key}"${prop ? `: ${describe(prop, key)}` : ''}`);
    }
    case 'propertyNames': {
      const name = String(params['propertyName']);
      const items = isObject(parent['additionalProperties']) ? deref(parent['additionalProperties']) : {};
      const what = typeof items['title'] === 'string' ? items['title'] : 'key';
      const rule = isObject(parent['propertyNames']) ? describe(parent['propertyNames']) : 'a valid name';
      return push(`${at}${pointer(name)}`, `${what} name "${name}" must be ${rule}`);
    }
    case 'not':
      return push(
        at,
        typeof parent['description'] === 'string' ? parent['description'] : `${label()} is not allowed here`,
      );
    case 'minProperties':
      return push(at, `${label()} is empty: it needs at least ${String(params['limit'])} entry`);
    case 'uniqueItems':
      return push(
        `${at}/${String(params['i'])}`,
        `${label()} names ${show((e.data as unknown[])[params['i'] as number])} twice (items ${String(params['j'])} and ${String(params['i'])})`,
      );
    case 'const':
      if (at.endsWith('/weft') || at === '/weft')
        return push(
          at,
          `unsupported format version ${show(e.data)}; this Weft reads format ${show(params['allowedValue'])}`,
        );
      break;
    case 'type':
      if (parent['type'] === 'object' && union === undefined) {
        const what = describe(parent);
        return push(at, `${label()} must be a JSON object${what === 'an object' ? '' : `: ${what}`}, ${got}`);
      }
      break;
    case 'enum': {
      const guess =
        typeof e.data === 'string'
          ? didYouMean(e.data, (params['allowedValues'] as unknown[]).map(String))
          : undefined;
      const what = describe(union ?? parent, lastKey(at));
      return push(
        at,
        `${label()} must be ${what}, ${got}${guess ? ` (did you mean "${guess}"?)` : ''}`,
        guess ? `did you mean "${guess}"?` : undefined,
      );
    }
    default:
      break;
  }
  push(at, `${label()} must be ${describe(union ?? parent, lastKey(at))}, ${got}`);
}

/** The schema of `key` in `parent`, or (for a conditional part such as a switch's `then`) anywhere in the definitions. */
function propertySchema(parent: Schema, key: string): Schema | undefined {
  const own = isObject(parent['properties']) ? parent['properties'][key] : undefined;
  if (isObject(own)) return own;
  for (const def of Object.values(pipelineSchema.$defs) as Schema[]) {
    const p = isObject(def['properties']) ? def['properties'][key] : undefined;
    if (isObject(p)) return p;
  }
  return undefined;
}

/** The branch of a union a value was meant for: the first whose type fits, then the most of its required keys present. */
function pick(branches: readonly Schema[], value: unknown): Schema | undefined {
  let best: Schema | undefined;
  let bestScore = -1;
  for (const b of branches) {
    if (!fits(b, value)) continue;
    const required = Array.isArray(b['required']) ? (b['required'] as string[]) : [];
    const score =
      required.length === 0 || !isObject(value)
        ? 0
        : required.filter((k) => value[k] !== undefined).length / required.length;
    if (score > bestScore) [best, bestScore] = [b, score];
  }
  return best;
}

function fits(b: Schema, value: unknown): boolean {
  if ('const' in b) return typeof value === typeof b['const'];
  switch (b['type']) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return true;
  }
}
