// Processor look-up (with fresh/cached wording), the JSON pipeline pre-pass, and stale warnings on
// the run's event stream.
import { describe, expect, it } from 'vitest';
import { compile, pipeline, pipelineFromSpec } from '../src/index.js';
import {
  expandProcessors,
  lookupProcessor,
  lookupProfile,
  scanProcessors,
  type CatalogueProvenance,
  type LoadedCatalogue,
  type ProcessorLookup,
} from '../src/catalogue/index.js';
import { createTestHarness } from '../src/testing/index.js';

const document = {
  weftCatalogue: 1 as const,
  processors: {
    'text/uppercase@1': { module: './text.mjs', export: 'upperV1' },
    'text/uppercase@2': { module: './text.mjs', export: 'uppercase' },
    'text/split@1': { module: '@acme/steps', export: 'split', description: 'splits lines' },
  },
  profiles: { 'cpu-heavy': { threads: 8 } },
};
const fresh: CatalogueProvenance = {
  source: 'fresh',
  kind: 'url',
  location: 'https://c.test/w.json',
  snapshotAt: '2030-05-01T12:00:00.000Z',
  attempts: 1,
};
const cached: CatalogueProvenance = {
  ...fresh,
  source: 'cached',
  snapshotAt: '2030-04-28T12:00:00.000Z',
  reason: 'https://c.test/w.json could not be reached after 3 attempts (ECONNREFUSED)',
};
const file: CatalogueProvenance = {
  source: 'fresh',
  kind: 'file',
  location: '/proj/catalogue.json',
  snapshotAt: '2030-05-01T12:00:00.000Z',
  attempts: 0,
};
const loaded = (provenance: CatalogueProvenance): LoadedCatalogue => ({ document, provenance, warnings: [] });
const base = 'file:///proj/';
const resolve = (m: string): string => (m.startsWith('./') ? new URL(m, base).href : m);

function miss(r: ProcessorLookup): string {
  if (r.ok) throw new Error('found');
  return r.message;
}

describe('lookupProcessor', () => {
  it('finds name@version and resolves its module', () => {
    expect(lookupProcessor(loaded(fresh), 'text/uppercase@2', resolve)).toEqual({
      ok: true,
      processor: {
        ref: 'text/uppercase@2',
        name: 'text/uppercase',
        version: '2',
        module: 'file:///proj/text.mjs',
        export: 'uppercase',
      },
    });
    expect(lookupProcessor(loaded(fresh), 'text/split@1', resolve)).toMatchObject({
      ok: true,
      processor: { module: '@acme/steps', description: 'splits lines' },
    });
  });

  it('fresh catalogue: says so, and that refreshing will not help; gives a "did you mean"', () => {
    const m = miss(lookupProcessor(loaded(fresh), 'text/upercase@2'));
    expect(m).toContain(
      'processor "text/upercase@2" is not in the catalogue fetched fresh from https://c.test/w.json at 2030-05-01T12:00:00.000Z',
    );
    expect(m).toContain('(did you mean "text/uppercase@2"?)');
    expect(m).toContain('The catalogue was fresh: the catalogue is current, so refreshing it will not help');
  });

  it('cached catalogue: says so, with the snapshot time and why, and that refreshing may help', () => {
    const m = miss(lookupProcessor(loaded(cached), 'text/uppercase@3'));
    expect(m).toContain(
      'not in a cached copy of the catalogue of https://c.test/w.json from 2030-04-28T12:00:00.000Z, used because https://c.test/w.json could not be reached',
    );
    expect(m).toContain('it has text/uppercase in versions 1, 2');
    expect(m).toContain(
      'The catalogue was cached: the cached catalogue may be out of date and the processor published since: go online and run `weft init`',
    );
  });

  it('local file: names the file to add it to; a malformed reference says how to write one', () => {
    expect(miss(lookupProcessor(loaded(file), 'nothing/like-it@1'))).toContain(
      'add it to /proj/catalogue.json',
    );
    expect(miss(lookupProcessor(loaded(fresh), 'text/uppercase'))).toContain('write "name@version"');
    expect(miss(lookupProcessor(loaded(fresh), 'constructor@1'))).toContain('not in');
  });

  it('profiles are looked up with a "did you mean"', () => {
    expect(lookupProfile(loaded(fresh), 'cpu-heavy')).toEqual({ ok: true, profile: { threads: 8 } });
    const r = lookupProfile(loaded(cached), 'cpu-hevy');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('did you mean "cpu-heavy"?');
  });
});

describe('scanProcessors and expandProcessors', () => {
  const spec = {
    name: 'uses-processors',
    steps: {
      split: { processor: 'text/split@1', to: 'up' },
      up: { map: { processor: 'text/uppercase@2' }, version: '7', to: 'inner' },
      inner: { sub: { name: 'inner', steps: { again: { processor: 'text/uppercase@1' } } }, to: 'file' },
      file: { sub: './other.json' },
    },
  };

  it('lists every reference with its JSON Pointer, and the sub files to scan, without looking anything up', () => {
    expect(scanProcessors(spec)).toEqual({
      uses: [
        { path: '/steps/split/processor', ref: 'text/split@1' },
        { path: '/steps/up/map/processor', ref: 'text/uppercase@2' },
        { path: '/steps/inner/sub/steps/again/processor', ref: 'text/uppercase@1' },
      ],
      subFiles: ['./other.json'],
    });
    expect(scanProcessors({ name: 'plain', steps: { a: { run: './s.mjs#a' } } })).toEqual({
      uses: [],
      subFiles: [],
    });
    expect(scanProcessors('not a pipeline')).toEqual({ uses: [], subFiles: [] });
  });

  it('replaces references by module references and feeds the processor version into the step version', () => {
    const before = structuredClone(spec);
    const r = expandProcessors(spec, (ref) => lookupProcessor(loaded(fresh), ref, resolve));
    expect(spec).toEqual(before);
    expect(r.problems).toEqual([]);
    expect(r.used.map((u) => [u.path, u.processor.ref])).toEqual([
      ['/steps/split/processor', 'text/split@1'],
      ['/steps/up/map/processor', 'text/uppercase@2'],
      ['/steps/inner/sub/steps/again/processor', 'text/uppercase@1'],
    ]);
    const steps = (r.doc as typeof spec & { steps: Record<string, Record<string, unknown>> }).steps;
    expect(steps['split']).toEqual({
      run: { module: '@acme/steps', export: 'split' },
      version: 'processor:text/split@1',
      to: 'up',
    });
    expect(steps['up']).toEqual({
      map: { module: 'file:///proj/text.mjs', export: 'uppercase' },
      version: '7+processor:text/uppercase@2',
      to: 'inner',
    });
    expect((steps['inner']['sub'] as { steps: Record<string, unknown> }).steps['again']).toEqual({
      run: { module: 'file:///proj/text.mjs', export: 'upperV1' },
      version: 'processor:text/uppercase@1',
    });
  });

  it("the expanded document compiles, and the processor version is the node version (the idempotency key's code version)", () => {
    const r = expandProcessors({ name: 'p', steps: { up: { processor: 'text/uppercase@2' } } }, (ref) =>
      lookupProcessor(loaded(fresh), ref, resolve),
    );
    const spec2 = pipelineFromSpec(r.doc, { url: 'file:///proj/p.json' });
    if (!spec2.ok) throw new Error(JSON.stringify(spec2.problems));
    const node = compile(spec2.pipeline).nodes['up']!;
    expect(node.ref).toEqual({ module: 'file:///proj/text.mjs', export: 'uppercase' });
    expect(node.version).toBe('processor:text/uppercase@2');
  });

  it("reports unknown and malformed references at their JSON Pointer, with the look-up's wording", () => {
    const bad = {
      name: 'bad',
      steps: {
        a: { processor: 'text/upercase@2', to: 'b' },
        b: { map: { processor: 42 }, to: 'c' },
        c: { processor: 'text/split@1', run: './s.mjs#c', to: 'd' },
        d: { switch: { processor: 'text/split@1', export: 'x' }, cases: { x: 'a' } },
      },
    };
    const r = expandProcessors(bad, (ref) => lookupProcessor(loaded(cached), ref));
    expect(r.problems.map((p) => [p.code, p.path])).toEqual([
      ['PROCESSOR_UNKNOWN', '/steps/a/processor'],
      ['SPEC_INVALID', '/steps/b/map/processor'],
      ['SPEC_INVALID', '/steps/c/processor'],
      ['SPEC_INVALID', '/steps/d/switch/export'],
    ]);
    expect(r.problems[0]!.message).toContain('The catalogue was cached');
    expect(r.problems[0]!.hint).toBe('did you mean "text/uppercase@2"?');
  });
});

describe('run warnings', () => {
  it('warnings given to a run come out as warning events right after run.start', async () => {
    const p = pipeline('w', { module: import.meta.url })
      .step('a', (x: number) => x + 1)
      .build();
    const h = createTestHarness();
    const run = await h.run(p, 1, {
      warnings: [{ code: 'CATALOGUE_STALE', message: 'using a cached catalogue' }],
    });
    expect(run.result.status).toBe('succeeded');
    expect(run.types.slice(0, 3)).toEqual(['run.start', 'warning', 'step.start']);
    expect(run.of('warning')).toEqual([
      expect.objectContaining({ code: 'CATALOGUE_STALE', message: 'using a cached catalogue', path: [] }),
    ]);
    const plain = await h.run(p, 1);
    expect(plain.of('warning')).toEqual([]);
  });
});
