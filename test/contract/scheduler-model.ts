// Random pipelines for the pure-scheduler properties (scheduler-properties.test.ts): DAGs of steps,
// maps, switches, ALL and ANY joins and sub-pipelines, with random retry policies, timeouts,
// concurrency bounds, barrier timeouts and error handlers. Their code is never called: the scheduler
// is driven directly, and the test decides every outcome.
import fc from 'fast-check';
import { compile, pipeline, reducers, type ExecutionPlan, type Pipeline } from '@weft/core';

/** One drawn node. */
export interface ModelNode {
  readonly kind: 'step' | 'map' | 'switch' | 'sub';
  /** Parents among the earlier nodes (the first node has none). */
  readonly parents: readonly number[];
  readonly any: boolean;
  readonly attempts: number;
  readonly timeout: boolean;
  readonly concurrency: number | null;
  readonly chunkSize: number | null;
  readonly barrierTimeout: boolean;
  readonly handler: boolean;
}

/** A drawn pipeline. */
export interface Model {
  readonly nodes: readonly ModelNode[];
  /** The inner pipeline of every sub node. */
  readonly inner: readonly ModelNode[];
}

const node = (index: number, inner: boolean): fc.Arbitrary<ModelNode> =>
  fc.record({
    kind:
      index === 0
        ? fc.constantFrom<ModelNode['kind']>('step', 'map')
        : fc.constantFrom<ModelNode['kind']>(
            'step',
            'step',
            'map',
            'switch',
            ...(inner ? [] : (['sub'] as const)),
          ),
    parents:
      index === 0 ? fc.constant([]) : fc.uniqueArray(fc.nat(index - 1), { minLength: 1, maxLength: 2 }),
    any: fc.boolean(),
    attempts: fc.integer({ min: 1, max: 3 }),
    timeout: fc.boolean(),
    concurrency: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    chunkSize: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    barrierTimeout: fc.boolean(),
    handler: fc.boolean(),
  });

const nodes = (max: number, inner: boolean): fc.Arbitrary<ModelNode[]> =>
  fc.integer({ min: 1, max }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => node(i, inner))));

/** Random models: up to `max` nodes, and an inner pipeline of up to 3 for the subs. */
export const modelArbitrary = (max: number): fc.Arbitrary<Model> =>
  fc.record({ nodes: nodes(max, false), inner: nodes(3, true) });

/**
 * Random linear pipelines of plain steps (the shape a backend may run as a chain, see core's
 * `Task.chain`): now and then a step with a timeout, a map or a switch breaks the line.
 */
export const linearArbitrary = (max: number): fc.Arbitrary<Model> =>
  fc.record({
    nodes: fc.integer({ min: 2, max }).chain((n) =>
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          node(i, false).chain((x) =>
            fc
              .record({
                kind: fc.constantFrom<ModelNode['kind']>('step', 'step', 'step', 'step', 'step', x.kind),
                timeout: fc.constantFrom(false, false, false, x.timeout),
              })
              .map((y): ModelNode => ({ ...x, ...y, parents: i === 0 ? [] : [i - 1] })),
          ),
        ),
      ),
    ),
    inner: nodes(3, true),
  });

let built = 0;

/** The pipeline of a model (dummy code), and its plan. */
export function buildModel(m: Model): { pipeline: Pipeline; plan: ExecutionPlan } {
  const inner = build(m.inner, `inner${++built}`, undefined);
  const p = build(m.nodes, `model${built}`, inner);
  return { pipeline: p, plan: compile(p) };
}

function build(list: readonly ModelNode[], name: string, inner: Pipeline | undefined): Pipeline {
  const n = list.length;
  // A switch routes to its children, which have no other parent; a join never has a switch parent.
  const kinds: ModelNode['kind'][] = list.map((x) => (x.kind === 'sub' && !inner ? 'step' : x.kind));
  const parents = list.map((x, i) => {
    if (i === 0) return [];
    const ps = [...new Set(x.parents.map((p) => p % i))];
    const fromSwitch = ps.find((p) => kinds[p] === 'switch');
    return fromSwitch !== undefined ? [fromSwitch] : ps;
  });
  const children = list.map((_, i) => parents.flatMap((ps, j) => (ps.includes(i) ? [`n${j}`] : [])));
  // A switch with no case to route to is a plain step.
  for (let i = 0; i < n; i++) if (kinds[i] === 'switch' && children[i]!.length === 0) kinds[i] = 'step';
  let b = pipeline(name, { state: { count: reducers.sum(0) } });
  for (let i = 0; i < n; i++) {
    const x = list[i]!;
    const kind = kinds[i]!;
    const to = children[i]!;
    const join = parents[i]!.length > 1;
    const common = {
      retry: { attempts: x.attempts, initialDelayMs: 10, jitter: 1 },
      ...(x.timeout && kind !== 'sub' ? { timeoutMs: 100 } : {}),
      ...(x.concurrency !== null ? { concurrency: x.concurrency } : {}),
      ...(join ? { join: x.any ? ('any' as const) : ('all' as const) } : {}),
      ...(join && x.barrierTimeout ? { barrierTimeoutMs: 250 } : {}),
      ...(x.handler ? { onError: () => 'recovered' } : {}),
    };
    const code = (): number => 0;
    if (kind === 'map')
      b = b.map(`n${i}`, code, {
        ...common,
        ...(to.length ? { to } : {}),
        ...(x.chunkSize ? { chunkSize: x.chunkSize } : {}),
      });
    else if (kind === 'switch') {
      const { concurrency: _c, ...rest } = common;
      b = b.switch(`n${i}`, () => 'a', {
        ...rest,
        cases: Object.fromEntries(to.map((t, k) => [k === 0 ? 'a' : `k${k}`, t])),
      });
    } else if (kind === 'sub') {
      const { timeoutMs: _t, ...rest } = common as typeof common & { timeoutMs?: number };
      b = b.sub(`n${i}`, inner!, {
        ...rest,
        ...(x.timeout ? { timeoutMs: 300 } : {}),
        ...(to.length ? { to } : {}),
      });
    } else b = b.step(`n${i}`, code, { ...common, ...(to.length ? { to } : {}) });
  }
  return b.build();
}
