// checkSpec validates with the pipeline schema itself (Ajv, compiled ahead of time) and only words
// the errors: one message per problem at the JSON Pointer of the value at fault, a "did you mean"
// for misspelt keys and values, nothing from the branches of a union the value was not meant for.
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSpec, pipelineSchema, type SpecProblem } from '../src/index.js';
import { PATTERN_PHRASES, requiredKey, type Schema } from '../src/spec/describe-schema.js';
import { AJV_OPTIONS } from './support/spec-validator-source.js';

const step = { run: './s.js#a' };
const withStep = (s: unknown, more: Record<string, unknown> = {}): unknown => ({
  name: 'p',
  steps: { a: s },
  ...more,
});
const only = (doc: unknown): SpecProblem => {
  const found = checkSpec(doc);
  expect(found, JSON.stringify(found)).toHaveLength(1);
  return found[0]!;
};

describe('checkSpec messages', () => {
  it.each<[string, unknown, string, string, string?]>([
    [
      'not an object',
      [],
      '',
      'the pipeline must be a JSON object: a pipeline { "name", "steps", ... }, got []',
    ],
    [
      'format version',
      withStep(step, { weft: 2 }),
      '/weft',
      'unsupported format version 2; this Weft reads format 1',
    ],
    [
      'missing steps',
      { name: 'p' },
      '/steps',
      'a pipeline needs "steps": a non-empty object, each value a step with one of "run", "map", "switch", "sub" or "processor"',
    ],
    ['empty steps', { name: 'p', steps: {} }, '/steps', 'steps is empty: it needs at least 1 entry'],
    [
      'bad name',
      { name: 'a b', steps: { a: step } },
      '/name',
      'name must be a name (letters, digits, "_", "." or "-", at most 128 characters), got "a b"',
    ],
    [
      'unknown key',
      withStep({ ...step, retyr: 2 }),
      '/steps/a/retyr',
      'unknown step property "retyr" (did you mean "retry"?)',
      'did you mean "retry"?',
    ],
    [
      'misspelt value',
      withStep({ ...step, placement: 'workr' }),
      '/steps/a/placement',
      'placement must be "main" or "worker", got "workr" (did you mean "worker"?)',
      'did you mean "worker"?',
    ],
    [
      'code string',
      withStep({ run: 'x.js' }),
      '/steps/a/run',
      'run must be "module#export" (e.g. "./steps.js#count"), a code reference { "module", "export" } or a processor reference { "processor" }, got "x.js"',
    ],
    [
      'code object',
      withStep({ run: { module: './x.js' } }),
      '/steps/a/run/export',
      'a code reference needs "export": an export name (e.g. "count")',
    ],
    [
      'code export',
      withStep({ run: { module: './x.js', export: '1x' } }),
      '/steps/a/run/export',
      'export must be an export name (e.g. "count"), got "1x"',
    ],
    [
      'retry number',
      withStep({ ...step, retry: 0 }),
      '/steps/a/retry',
      'retry must be an integer ≥ 1 or a retry policy { "attempts", ... }, got 0',
    ],
    [
      'retry policy',
      withStep({ ...step, retry: { attempts: 2, jiter: 1 } }),
      '/steps/a/retry/jiter',
      'unknown retry policy property "jiter" (did you mean "jitter"?)',
      'did you mean "jitter"?',
    ],
    [
      'retryOn',
      withStep({ ...step, retry: { attempts: 2, retryOn: 5 } }),
      '/steps/a/retry/retryOn',
      'retryOn must be "all" or an array of strings, got 5',
    ],
    [
      'ms',
      withStep({ ...step, timeoutMs: 0 }),
      '/steps/a/timeoutMs',
      'timeoutMs must be a positive number of ms, got 0',
    ],
    [
      'no kind',
      withStep({ to: 'b' }),
      '/steps/a',
      'step "a" needs one of "run", "map", "switch", "sub" or "processor"',
    ],
    [
      'two kinds',
      withStep({ ...step, map: './s.js#m' }),
      '/steps/a/map',
      'step "a" has exactly one of "run", "map", "switch", "sub" or "processor"; this one has "run" and "map"',
    ],
    [
      'step not an object',
      withStep(7),
      '/steps/a',
      'step "a" must be a JSON object: a step with one of "run", "map", "switch", "sub" or "processor", got 7',
    ],
    [
      'switch cases',
      withStep({ switch: './s.js#w' }),
      '/steps/a/cases',
      'a switch step needs "cases": a non-empty object, each value a name (letters, digits, "_", "." or "-", at most 128 characters)',
    ],
    [
      'switch to',
      withStep({ switch: './s.js#w', cases: { x: 'a' }, to: 'a' }),
      '/steps/a/to',
      'a switch routes with "cases" and "default", not "to"',
    ],
    [
      'cases elsewhere',
      withStep({ ...step, cases: { x: 'a' } }),
      '/steps/a/cases',
      '"cases" applies only to a switch step',
    ],
    [
      'chunkSize elsewhere',
      withStep({ ...step, chunkSize: 4 }),
      '/steps/a/chunkSize',
      '"chunkSize" applies only to a map step',
    ],
    [
      'case target',
      withStep({ switch: './s.js#w', cases: { big: 'a b' } }),
      '/steps/a/cases/big',
      'cases "big" must be a name (letters, digits, "_", "." or "-", at most 128 characters), got "a b"',
    ],
    [
      'to twice',
      withStep({ ...step, to: ['b', 'b'] }),
      '/steps/a/to/1',
      'to names "b" twice (items 0 and 1)',
    ],
    [
      'to item',
      withStep({ ...step, to: ['b', 'c d'] }),
      '/steps/a/to/1',
      'to[1] must be a name (letters, digits, "_", "." or "-", at most 128 characters), got "c d"',
    ],
    [
      'to type',
      withStep({ ...step, to: 5 }),
      '/steps/a/to',
      'to must be a name (letters, digits, "_", "." or "-", at most 128 characters) or an array of names, got 5',
    ],
    [
      'step name',
      { name: 'p', steps: { 'a b': step } },
      '/steps/a b',
      'step name "a b" must be a name (letters, digits, "_", "." or "-", at most 128 characters)',
    ],
    [
      'reducer',
      withStep(step, { state: { t: { reducer: 'summ' } } }),
      '/state/t/reducer',
      'reducer must be one of "replace", "append", "sum", "max", "min", "merge", "union", got "summ" (did you mean "sum"?)',
      'did you mean "sum"?',
    ],
    [
      'edge',
      withStep(step, { edges: [3] }),
      '/edges/0',
      'edges[0] must be a JSON object: an edge { "from", "to" }, got 3',
    ],
    [
      'quotas',
      withStep(step, { quotas: { maxConcurency: 2 } }),
      '/quotas/maxConcurency',
      'unknown quotas property "maxConcurency" (did you mean "maxConcurrency"?)',
      'did you mean "maxConcurrency"?',
    ],
    [
      'inline sub',
      withStep({ sub: { name: 'in', steps: { x: { run: 5 } } } }),
      '/steps/a/sub/steps/x/run',
      'run must be "module#export" (e.g. "./steps.js#count"), a code reference { "module", "export" } or a processor reference { "processor" }, got 5',
    ],
    [
      'sub type',
      withStep({ sub: 5 }),
      '/steps/a/sub',
      'sub must be a non-empty string or a pipeline { "name", "steps", ... }, got 5',
    ],
    [
      'a step named "steps"',
      { name: 'p', steps: { steps: { ...step, to: ['b', 'c d'] } } },
      '/steps/steps/to/1',
      'to[1] must be a name (letters, digits, "_", "." or "-", at most 128 characters), got "c d"',
    ],
    [
      'unexpanded processor',
      withStep({ processor: 'text/up@2' }),
      '/steps/a/processor',
      `processor "text/up@2" needs the project's catalogue: expand processor references first (the weft CLI does, or expandProcessors())`,
    ],
  ])('%s', (_, doc, path, message, hint) => {
    const p = only(doc);
    expect(p).toEqual({ code: 'SPEC_INVALID', path, message, ...(hint ? { hint } : {}) });
  });

  it('prefixes every path with the base pointer (a sub pipeline checked in place)', () => {
    expect(checkSpec({ name: 'p', steps: { a: { run: 1 } } }, '/steps/s/sub')[0]?.path).toBe(
      '/steps/s/sub/steps/a/run',
    );
  });

  it('an unknown key with no close match lists the allowed ones', () => {
    expect(only(withStep(step, { zzzzzz: 1 })).hint).toBe(
      'allowed: $schema, weft, name, description, version, params, state, quotas, steps, edges',
    );
  });
});

/** Every sub-schema of the pipeline schema, with its JSON Pointer. */
function* subSchemas(s: unknown, at = ''): Generator<[string, Schema]> {
  if (typeof s !== 'object' || s === null) return;
  if (Array.isArray(s)) {
    for (const [i, x] of s.entries()) yield* subSchemas(x, `${at}/${i}`);
    return;
  }
  yield [at, s as Schema];
  for (const [k, v] of Object.entries(s))
    if (k !== 'enum' && k !== 'const') yield* subSchemas(v, `${at}/${k}`);
}

describe('the schema keeps the shape the messages rely on', () => {
  const all = [...subSchemas(pipelineSchema)];

  it('every pattern has a phrase', () => {
    const patterns = all.map(([, s]) => s['pattern']).filter((p) => typeof p === 'string');
    expect(patterns.length).toBeGreaterThan(3);
    for (const p of patterns) expect(PATTERN_PHRASES[p], p).toBeTypeOf('string');
  });

  it('every closed object has a title (it names the object in "unknown … property")', () => {
    for (const [at, s] of all)
      if (s['additionalProperties'] === false) expect(s['title'], at).toBeTypeOf('string');
  });

  it('every union is "exactly one of these keys" or tells its branches apart by type or required keys', () => {
    const deref = (b: Schema): Schema =>
      typeof b['$ref'] === 'string'
        ? (pipelineSchema.$defs as Record<string, Schema>)[b['$ref'].split('/').at(-1)!]!
        : b;
    for (const [at, s] of all) {
      if (!Array.isArray(s['oneOf'])) continue;
      const branches = (s['oneOf'] as Schema[]).map(deref);
      if (branches.every((b) => requiredKey(b) !== undefined)) continue;
      // A union of shapes validates its value alone: no sibling keyword could add complaints.
      expect(
        Object.keys(s).filter((k) => !['oneOf', 'description', 'title'].includes(k)),
        at,
      ).toEqual([]);
      const shapes = branches.map((b) => ('const' in b ? typeof b['const'] : String(b['type'])));
      for (const [i, t] of shapes.entries()) {
        const twins = branches.filter((_, j) => shapes[j] === t);
        if (twins.length === 1) continue;
        expect(t, at).toBe('object');
        expect(branches[i]!['required'], `${at}/oneOf/${i}`).toBeDefined();
      }
    }
  });
});

describe('checkSpec agrees with the schema', () => {
  const ajv = new Ajv2020({ ...AJV_OPTIONS }).compile(pipelineSchema);
  const hasProcessor = (doc: unknown): boolean => JSON.stringify(doc)?.includes('"processor"') ?? false;
  const resolves = (doc: unknown, path: string): boolean => {
    let v = doc;
    for (const seg of path.split('/').slice(1)) {
      if (typeof v !== 'object' || v === null) return false;
      v = (v as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return true;
  };
  const base = {
    name: 'p',
    state: { total: { reducer: 'sum' } },
    quotas: { maxConcurrency: 2 },
    steps: {
      a: { run: './s.js#a', to: ['b'], retry: { attempts: 2, retryOn: 'all' } },
      b: { map: { module: './s.js', export: 'm' }, chunkSize: 4, to: 'c' },
      c: { switch: './s.js#w', cases: { x: 'd' }, default: 'd' },
      d: { sub: { name: 'in', steps: { e: { run: './s.js#e' } } } },
    },
    edges: [{ from: 'a', to: 'c' }],
  };
  const paths = [...subSchemas(base)].map(([at]) => at).filter((at) => at !== '');
  const junk = fc.oneof(
    fc.constantFrom(0, -1, 1.5, 2, '', 'x', 'a b', './x.js#f', true, null, [], {}, ['a', 'a'], {
      attempts: 0,
    }),
    fc.jsonValue({ maxDepth: 2 }),
  );

  it('valid exactly when the schema says so; every problem points into the document and reads well', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.oneof(junk, fc.constant(undefined)),
        fc.string(),
        (at, value, key) => {
          const doc = structuredClone(base) as Record<string, unknown>;
          const segs = at.split('/').slice(1);
          let parent: Record<string, unknown> = doc;
          for (const s of segs.slice(0, -1)) parent = parent[s] as Record<string, unknown>;
          const last = segs.at(-1)!;
          if (value === undefined && Array.isArray(parent)) parent.splice(Number(last), 1);
          else if (value === undefined) delete parent[last];
          else parent[key.length > 0 && key.length < 3 && !Array.isArray(parent) ? key : last] = value;
          const found = checkSpec(doc);
          expect(found.length === 0, JSON.stringify(found)).toBe(ajv(doc) && !hasProcessor(doc));
          for (const p of found) {
            expect(resolves(doc, p.path.slice(0, p.path.lastIndexOf('/'))), p.path).toBe(true);
            expect(p.message).not.toMatch(/undefined|any value|\[object Object\]|must match|must NOT/);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
