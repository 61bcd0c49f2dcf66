// fast-check arbitraries of random pipelines (specs for test/fixtures/scheduling-random.ts), shared by
// the scheduling and event-ordering property tests.
import fc from 'fast-check';
import type { RandomNode, RandomSpec } from '../dist/fixtures/scheduling-random.js';

/** What the drawn pipelines may contain. */
export interface SpecShape {
  readonly maxNodes: number;
  /** Allow ANY joins, switches, skips and steps that fail for good (ordering-only properties). */
  readonly wild: boolean;
  /** Nesting depth of sub-pipelines. */
  readonly depth: number;
}

interface RawNode {
  readonly parents: number[];
  readonly kind: RandomNode['kind'];
  readonly any: boolean;
  readonly len: number;
  readonly weight: number;
  readonly tokens: number;
  readonly failTimes: number;
  readonly fatal: boolean;
  readonly skip: boolean;
  readonly pick: number;
  readonly concurrency: number;
  readonly chunkSize: number;
}

const rawNode = (wild: boolean, withSub: boolean): fc.Arbitrary<RawNode> =>
  fc.record({
    parents: fc.uniqueArray(fc.nat(50), { minLength: 1, maxLength: 3 }),
    kind: fc.constantFrom<RandomNode['kind']>(
      'step',
      'step',
      'stream',
      'map',
      'map',
      ...(withSub ? (['sub'] as const) : []),
      ...(wild ? (['switch'] as const) : []),
    ),
    any: wild ? fc.boolean() : fc.constant(false),
    len: fc.nat(5),
    weight: fc.nat(1000),
    tokens: fc.nat(4),
    failTimes: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) },
    ),
    fatal: wild
      ? fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })
      : fc.constant(false),
    skip: wild
      ? fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })
      : fc.constant(false),
    pick: fc.nat(3),
    concurrency: fc.integer({ min: 1, max: 4 }),
    chunkSize: fc.integer({ min: 1, max: 5 }),
  });

let specCounter = 0;

/** Turns raw draws into a valid DAG spec: one root, every node reachable, maps fed by arrays. */
function assemble(
  raws: readonly RawNode[],
  subs: readonly (RandomSpec | undefined)[],
  wild: boolean,
  asSub: boolean,
): RandomSpec {
  const name = `${asSub ? 'sub' : 'random'}${++specCounter}`;
  const parentsOf: number[][] = raws.map((r, i) =>
    i === 0 ? [] : [...new Set(r.parents.map((p) => p % i))].sort((a, b) => a - b),
  );
  const kinds: RandomNode['kind'][] = raws.map((r, i) => {
    let kind = r.kind;
    if (kind === 'sub' && !subs[i]) kind = 'step';
    // A map needs an array: one parent that outputs one (or the run input, for a top-level root).
    if (kind === 'map') {
      if (i === 0 && asSub) kind = 'step';
      if (i > 0 && parentsOf[i]!.length !== 1) kind = 'step';
    }
    return kind;
  });
  for (let i = 1; i < raws.length; i++) {
    if (kinds[i] !== 'map') continue;
    const p = kinds[parentsOf[i]![0]!];
    if (p !== 'step' && p !== 'stream' && p !== 'map') kinds[i] = 'step';
  }
  const children: string[][] = raws.map(() => []);
  parentsOf.forEach((ps, i) => ps.forEach((p) => children[p]!.push(`n${i}`)));
  const nodes: RandomNode[] = raws.map((r, i) => {
    let kind = kinds[i]!;
    if (kind === 'switch' && children[i]!.length === 0) kind = 'step';
    const node: RandomNode = {
      name: `n${i}`,
      kind,
      to: children[i]!,
      len: r.len,
      weight: r.weight,
      tokens: kind === 'stream' ? r.tokens : 0,
      failTimes: r.failTimes,
      ...(r.fatal ? { fatal: true } : {}),
      ...(r.skip && kind === 'step' ? { skip: true } : {}),
      ...(kind === 'switch' ? { pick: r.pick } : {}),
      ...(kind === 'map' ? { concurrency: r.concurrency, chunkSize: r.chunkSize } : {}),
      ...(kind === 'sub' ? { sub: subs[i]! } : {}),
      ...(parentsOf[i]!.length > 1 ? { join: wild && r.any ? ('any' as const) : ('all' as const) } : {}),
    };
    return node;
  });
  return { name, nodes };
}

/** Random specs of the given shape. */
export function specArbitrary(shape: SpecShape, asSub = false): fc.Arbitrary<RandomSpec> {
  const max = asSub ? Math.max(1, Math.min(4, shape.maxNodes)) : shape.maxNodes;
  const withSub = shape.depth > 0;
  return fc
    .array(rawNode(shape.wild, withSub), { minLength: 1, maxLength: max })
    .chain((raws) =>
      fc
        .tuple(
          ...raws.map((r) =>
            r.kind === 'sub' && withSub
              ? specArbitrary({ ...shape, depth: shape.depth - 1 }, true).map(
                  (s) => s as RandomSpec | undefined,
                )
              : fc.constant(undefined),
          ),
        )
        .map((subs) => assemble(raws, subs, shape.wild, asSub)),
    );
}

/** The input of a top-level random run: an array (a root map fans out over it). */
export const inputArbitrary: fc.Arbitrary<number[]> = fc.array(fc.nat(10_000), { maxLength: 12 });

/** A one-line picture of a spec, for failure messages. */
export function describeSpec(spec: RandomSpec): string {
  return spec.nodes
    .map(
      (n) =>
        `${n.name}:${n.kind}${n.join ? `(${n.join})` : ''}${n.failTimes ? `!${n.failTimes}` : ''}${n.fatal ? '!!' : ''}${n.skip ? '~' : ''}${n.sub ? `{${describeSpec(n.sub)}}` : ''}->[${n.to.join(',')}]`,
    )
    .join(' ');
}
