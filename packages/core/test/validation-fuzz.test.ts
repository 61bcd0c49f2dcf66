// Bad definitions never throw raw errors: whatever validate() and compile() are given, validate()
// returns a report whose problems carry catalogued codes, and compile() returns a plan or throws
// one PIPELINE_INVALID WeftError listing the same problems.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  compile,
  isWeftError,
  pipeline,
  reducers,
  toMermaid,
  validate,
  type Pipeline,
} from '../src/index.js';
import { UNREADABLE } from '../src/plan/compile.js';

const junk = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** Codes seen per generator, to check below that the generators reach many kinds of problem. */
const seen = new Map<string, number>();

/** The property every input must satisfy. */
function assertNeverRaw(value: unknown): void {
  const report = validate(value);
  for (const code of new Set(report.valid ? ['valid'] : report.problems.map((q) => q.code)))
    seen.set(code, (seen.get(code) ?? 0) + 1);
  expect(typeof report.valid).toBe('boolean');
  expect(typeof report.pipeline).toBe('string');
  expect(Array.isArray(report.problems)).toBe(true);
  expect(report.valid).toBe(report.problems.length === 0);
  for (const q of report.problems) {
    expect(ERROR_CODES).toContain(q.code);
    expect(typeof q.message).toBe('string');
    // The safety net in validate() turns an unexpected exception into a problem; plain data must never need it.
    expect(q.message.startsWith(UNREADABLE)).toBe(false);
  }
  let plan: ReturnType<typeof compile> | undefined;
  try {
    plan = compile(value as Pipeline);
  } catch (e) {
    expect(isWeftError(e)).toBe(true);
    const error = e as { code: string; data: { problems: unknown } };
    expect(error.code).toBe('PIPELINE_INVALID');
    expect(error.data.problems).toEqual(report.problems);
    expect(report.valid).toBe(false);
    return;
  }
  expect(report.valid).toBe(true);
  expect(() => toMermaid(plan)).not.toThrow();
}

const NODE_KEYS = [
  'to',
  'routes',
  'retry',
  'timeoutMs',
  'concurrency',
  'placement',
  'join',
  'barrierTimeoutMs',
  'onError',
  'version',
  'params',
  'io',
  'chunkSize',
  'cases',
  'default',
  'cache',
  'bogus',
];
const PIPELINE_KEYS = [
  'module',
  'state',
  'hooks',
  'middleware',
  'onError',
  'version',
  'description',
  'bogus',
];
const NAMES = ['a', 'b', 'c', 'd'];

/** `usual` most of the time, `odd` now and then. */
function rarely<T, U>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: odd });
}

/** Values of the right shape most of the time, junk some of the time. */
const optionValue = fc.oneof(
  { weight: 3, arbitrary: junk },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      ...NAMES,
      NAMES,
      'main',
      'all',
      'any',
      1,
      0,
      -1,
      2.5,
      Number.NaN,
      true,
      { attempts: 2 },
      { a: 'b' },
      {},
      [],
    ),
  },
);
const nodeOptions = fc.dictionary(fc.constantFrom(...NODE_KEYS), optionValue, { maxKeys: 3 });
const code = rarely(
  fc.constantFrom<unknown>(
    (x: unknown) => x,
    { run: (x: unknown) => x },
    { module: 'file:///m.js', export: 'x' },
  ),
  junk,
);

const inner = pipeline('inner')
  .step('x', (v: unknown) => v)
  .build();

const viaBuilder = fc
  .tuple(
    rarely(fc.constant('p'), fc.oneof(fc.constant(''), junk)),
    rarely(fc.dictionary(fc.constantFrom(...PIPELINE_KEYS), optionValue, { maxKeys: 2 }), junk),
    fc.array(
      fc.tuple(
        fc.constantFrom('step', 'map', 'switch', 'sub'),
        rarely(fc.constantFrom(...NAMES), junk),
        code,
        rarely(nodeOptions, junk),
        rarely(fc.constant(inner), junk),
      ),
      {
        maxLength: 5,
      },
    ),
  )
  .map(([name, options, nodes]) => {
    let b = pipeline(name as string, options as never);
    for (const [kind, n, c, o, sub] of nodes) {
      b =
        kind === 'sub'
          ? b.sub(n as string, sub as Pipeline, o as never)
          : b[kind](n as string, c as never, o as never);
    }
    return b.build();
  });

const rich = pipeline<string, { total: number }>('rich', {
  module: 'file:///rich.js',
  state: { total: reducers.sum(0) },
  hooks: { startup: () => undefined },
  middleware: [(_i, next) => next()],
})
  .step('a', (x: string) => x, {
    to: ['b', 'c'],
    retry: { attempts: 2, retryOn: ['STEP_TIMEOUT'] },
    params: { k: [1, 2] },
  })
  .map('b', (x: unknown) => x, { to: 'j', chunkSize: 4 })
  .switch('c', () => 'x', { cases: { x: 'd' }, default: 'j' })
  .step('d', (x: unknown) => x, { to: 'j' })
  .sub('j', inner, { join: 'any', barrierTimeoutMs: 10 })
  .build();

/** A plain, mutable copy of a built pipeline (functions kept by reference). */
function unfreeze(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(unfreeze);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = unfreeze((v as Record<string, unknown>)[k]);
  return out;
}

/** Walks down `choices` (picking existing or new keys) and replaces what it lands on with `value`. */
function mutate(root: unknown, choices: readonly number[], value: unknown): unknown {
  const copy = unfreeze(root) as Record<string, unknown>;
  let parent: Record<string, unknown> = copy;
  for (const [depth, c] of choices.entries()) {
    const keys = Object.keys(parent);
    const key =
      c % 5 === 4 || keys.length === 0
        ? [...NODE_KEYS, ...PIPELINE_KEYS][c % (NODE_KEYS.length + PIPELINE_KEYS.length)]!
        : keys[c % keys.length]!;
    const child = parent[key];
    if (depth === choices.length - 1 || typeof child !== 'object' || child === null) {
      parent[key] = value;
      break;
    }
    parent = child as Record<string, unknown>;
  }
  return copy;
}

const mutated = fc
  .array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.oneof(junk, optionValue)), {
    minLength: 1,
    maxLength: 3,
  })
  .map((mutations) => mutations.reduce<unknown>((p, [choices, value]) => mutate(p, choices, value), rich));

describe('validate() and compile() never throw raw errors', () => {
  it('on arbitrary values', () => {
    fc.assert(fc.property(junk, assertNeverRaw), { numRuns: 500 });
  });

  it('on arbitrary values wearing the pipeline brand', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('name', 'module', 'nodes', 'options', 'declarationProblems'), junk),
        (fields) => assertNeverRaw({ ...fields, __weftPipeline: true }),
      ),
      { numRuns: 300 },
    );
  });

  it('on pipelines built with junk names, code and options', () => {
    seen.clear();
    fc.assert(fc.property(viaBuilder, assertNeverRaw), { numRuns: 500 });
    // Not vacuous: the generator reaches many kinds of problem.
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining([
        'DEFINITION_INVALID',
        'OPTION_INVALID',
        'SWITCH_INVALID',
        'MULTIPLE_ROOTS',
        'DUPLICATE_STEP',
      ]),
    );
  });

  it('on valid pipelines with random parts replaced by junk', () => {
    assertNeverRaw(rich);
    expect(validate(rich).valid).toBe(true);
    seen.clear();
    fc.assert(fc.property(mutated, assertNeverRaw), { numRuns: 500 });
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining(['valid', 'DEFINITION_INVALID', 'OPTION_INVALID', 'PIPELINE_INVALID']),
    );
  });
});
