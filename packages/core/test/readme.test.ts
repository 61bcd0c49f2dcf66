// Keeps packages/core/README.md honest: the catalogue lists every error code, and the examples run
// and print what the README says they print.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, RUN_FAILURE_CODES, pipeline, toMermaid, validate } from '../src/index.js';
import { createTestHarness } from '../src/testing/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The body of a `## heading` section, up to the next `## `. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The code blocks (```ts) of a section, in order. */
function codeBlocks(heading: string): string[] {
  return [...section(heading).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('the README error catalogue', () => {
  const documented = [...section('Error codes').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);

  it('documents every code in ERROR_CODES', () => {
    const missing = ERROR_CODES.filter((c) => !documented.includes(c));
    expect(missing, 'codes missing from the "Error codes" table of packages/core/README.md').toEqual([]);
  });

  it('documents no code that does not exist, and each code once', () => {
    expect(documented.filter((c) => !(ERROR_CODES as readonly string[]).includes(c))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('marks *run* exactly the codes of RUN_FAILURE_CODES (the CLI exits 1 for them)', () => {
    const rows = section('Error codes')
      .split('\n')
      .filter((l) => /^\| `[A-Z_]+` \|/.test(l));
    const marked = rows.filter((l) => l.includes('(*run*)')).map((l) => /^\| `([A-Z_]+)`/.exec(l)![1]);
    expect(marked.sort()).toEqual([...RUN_FAILURE_CODES].sort());
  });

  it('gives each code a "when", a "retryable" and a "what to do"', () => {
    for (const row of section('Error codes')
      .split('\n')
      .filter((l) => /^\| `[A-Z_]+` \|/.test(l))) {
      const cells = row.split(' | ').map((c) => c.trim());
      expect(cells, row).toHaveLength(4);
      for (const cell of cells) expect(cell.replace(/^\||\|$/g, '').trim().length, row).toBeGreaterThan(1);
    }
  });
});

describe('the README examples', () => {
  it('"A first pipeline" is test/readme-example.ts, word for word', () => {
    const [block] = codeBlocks('A first pipeline');
    const file = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');
    const region = /\/\/ README-EXAMPLE-START\n([\s\S]*?)\/\/ README-EXAMPLE-END\n/.exec(file)?.[1];
    expect(region).toBeDefined();
    expect(region!.replace("from '../src/index.js'", "from '@weft/core'")).toBe(block);
  });

  it('"A first pipeline" runs and gives what its comments say', async () => {
    const { result, ended } = await import('./readme-example.js');
    expect(result.status).toBe('succeeded');
    expect(result.output).toBe('2 documents, 5 words');
    expect(result.state).toEqual({ words: 5, kinds: ['article', 'note'] });
    expect(ended).toEqual(['load', 'classify', 'count', 'report']);
  });

  it('"Validation" prints the problems it shows', () => {
    // Same code as the first block of the README's "Validation" section.
    const p = pipeline('p')
      .step('parse', (s: string) => s, { to: 'trasnform', timeout: 5 } as never)
      .step('transform', (s: string) => s)
      .build();
    const printed = validate(p).problems.map((q) => `${q.code} ${q.message}`);
    const block = codeBlocks('Validation')[0]!;
    expect(block).toContain("{ to: 'trasnform', timeout: 5 }");
    const shown = block
      .split('\n')
      .filter((l) => l.startsWith('// '))
      .map((l) => l.slice(3));
    expect(printed).toEqual(shown);
  });

  it('"Mermaid" shows the start of the chart of the first pipeline', async () => {
    const { ingest } = await import('./readme-example.js');
    const chart = toMermaid(ingest).split('\n');
    const shown = codeBlocks('Mermaid')[0]!
      .split('\n')
      .filter((l) => l.startsWith('// ') && !l.includes('…'))
      .map((l) => l.slice(3));
    expect(chart.slice(0, shown.length)).toEqual(shown);
  });

  it('"The test harness" example passes', async () => {
    // Same code as the block of the README's "The test harness" section.
    const { ingest } = await import('./readme-example.js');
    const h = createTestHarness({ overrides: { load: () => [{ id: 'x', kind: 'note', body: 'a b' }] } });
    const run = await h.run(ingest, []);
    expect(run.result.output).toBe('1 documents, 2 words');
    expect(run.of('step.retry')).toHaveLength(0);
    await h.close();
    expect(codeBlocks('The test harness')[0]).toContain(
      "createTestHarness({ overrides: { load: () => [{ id: 'x', kind: 'note', body: 'a b' }] } })",
    );
  });
});
