import { describe, expect, it } from 'vitest';
import { compile, pipeline, toMermaid } from '../src/index.js';

const f = (x: unknown): unknown => x;
const key = (): string => 'k';

const leaf = pipeline('leaf').step('deep', f).build();
const middle = pipeline('middle').step('first', f, { to: 'nested' }).sub('nested', leaf).build();

/** The README's shape of a real pipeline: fan-out, a map, a switch, a sub, a join, a loop route. */
const review = pipeline('review')
  .step('fetch', f, { to: ['chunks', 'route'] })
  .map('chunks', f, { to: 'merge' })
  .switch('route', key, { cases: { pdf: 'ocr', html: 'strip' }, default: 'strip' })
  .step('ocr', f, { to: 'merge' })
  .step('strip', f, { to: 'merge', routes: ['fetch'] })
  .sub('merge', middle, { join: 'all' })
  .build();

const lines = (s: string): string[] => s.trimEnd().split('\n');

describe('toMermaid', () => {
  const chart = toMermaid(compile(review));
  const all = lines(chart);

  it('is a top-down flowchart ending with a newline', () => {
    expect(all[0]).toBe('flowchart TD');
    expect(chart.endsWith('\n')).toBe(true);
  });

  it('draws steps as boxes, maps as subroutines and switches as rhombi', () => {
    expect(all).toContain('  fetch["fetch"]');
    expect(all).toContain('  chunks[["map chunks"]]');
    expect(all).toContain('  route{"route"}');
  });

  it('labels switch cases and the default, and dashes declared routes', () => {
    expect(all).toContain('  route -- "pdf" --> ocr');
    expect(all).toContain('  route -- "html" --> strip');
    expect(all).toContain('  route -- "default" --> strip');
    expect(all).toContain('  strip -.-> fetch');
    expect(all).toContain('  fetch --> chunks');
  });

  it('marks joins with their kind', () => {
    expect(all).toContain('  subgraph merge["merge: middle · join ALL"]');
    const any = toMermaid(
      pipeline('p')
        .step('a', f, { to: ['b', 'c'] })
        .step('b', f, { to: 'd' })
        .step('c', f, { to: 'd' })
        .step('d', f, { join: 'any' })
        .build(),
    );
    expect(lines(any)).toContain('  d["d · join ANY"]');
  });

  it('nests sub-pipelines as subgraphs, recursively, with ids qualified by the path', () => {
    const start = all.indexOf('  subgraph merge["merge: middle · join ALL"]');
    const inner = all.indexOf('    subgraph merge__nested["nested: leaf"]');
    expect(start).toBeGreaterThan(0);
    expect(inner).toBeGreaterThan(start);
    expect(all[inner + 1]).toBe('      merge__nested__deep["deep"]');
    expect(all[inner + 2]).toBe('    end');
    expect(all).toContain('    merge__first["first"]');
    expect(all).toContain('    merge__first --> merge__nested');
    // Edges into a sub-pipeline point at its subgraph.
    expect(all).toContain('  ocr --> merge');
    // Each subgraph is closed: as many "end" lines as subgraphs.
    expect(all.filter((l) => l.trim() === 'end')).toHaveLength(
      all.filter((l) => l.trim().startsWith('subgraph ')).length,
    );
  });

  it('declares every node exactly once', () => {
    const declared = all
      .filter((l) => /^\s*(subgraph )?[A-Za-z0-9_]+(\[|\{)/.test(l))
      .map(
        (l) =>
          l
            .trim()
            .replace(/^subgraph /, '')
            .split(/[[{]/)[0],
      );
    expect(declared).toEqual([
      'fetch',
      'chunks',
      'route',
      'ocr',
      'strip',
      'merge',
      'merge__first',
      'merge__nested',
      'merge__nested__deep',
    ]);
  });

  it('renders a pipeline directly (compiling it first), and refuses an invalid one', () => {
    expect(toMermaid(review)).toBe(chart);
    expect(() => toMermaid(pipeline('bad').step('a', f, { to: 'nowhere' }).build())).toThrow(
      expect.objectContaining({ code: 'PIPELINE_INVALID' }),
    );
    expect(() => toMermaid({} as never)).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID' }));
    expect(() => toMermaid(null as never)).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID' }));
  });

  it('gives distinct, safe ids to names that would collide or break the chart', () => {
    const p = pipeline('ids')
      .step('a-b', f, { to: ['a_b', 'end'] })
      .step('a_b', f, { to: 'x' })
      .step('end', f, { to: 'x' })
      .step('x', f, { join: 'any' })
      .build();
    const out = lines(toMermaid(p));
    expect(out).toContain('  a_b["a-b"]');
    expect(out).toContain('  a_b_2["a_b"]');
    expect(out).toContain('  end_["end"]');
    expect(out).toContain('  a_b --> a_b_2');
    expect(out).toContain('  a_b --> end_');
    expect(out.some((l) => /(^|\s)end\[/.test(l))).toBe(false);
  });

  it('escapes quotes, hashes and newlines in labels', () => {
    const p = pipeline('labels')
      .switch('say "hi"', key, { cases: { 'a"b': 'n#1', 'line\nbreak': 'n#1' } })
      .step('n#1', f)
      .build();
    const out = toMermaid(p);
    expect(out).toContain('say__hi_{"say #quot;hi#quot;"}');
    expect(out).toContain('-- "a#quot;b" -->');
    expect(out).toContain('-- "line break" -->');
    expect(out).toContain('n_1["n#35;1"]');
  });

  it('matches the expected chart (snapshot)', () => {
    expect(chart).toMatchInlineSnapshot(`
      "flowchart TD
        fetch["fetch"]
        chunks[["map chunks"]]
        route{"route"}
        ocr["ocr"]
        strip["strip"]
        subgraph merge["merge: middle · join ALL"]
          merge__first["first"]
          subgraph merge__nested["nested: leaf"]
            merge__nested__deep["deep"]
          end
          merge__first --> merge__nested
        end
        fetch --> chunks
        fetch --> route
        chunks --> merge
        route -- "pdf" --> ocr
        route -- "html" --> strip
        route -- "default" --> strip
        ocr --> merge
        strip --> merge
        strip -.-> fetch
      "
    `);
  });
});
