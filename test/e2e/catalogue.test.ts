// The processor catalogue end to end, against a real HTTP server on 127.0.0.1: fresh, cached + stale
// warning (envelope and event stream), cold cache offline, corrupt and old-schema caches, an invalid
// server document, unknown processors (fresh and cached wording), require-fresh refusal, an
// unwritable cache directory, idempotency keys fed by processor versions, and no fetch at all for
// pipelines that use no remote catalogue.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogueProject,
  ok,
  startCatalogueServer,
  weftAsync,
  weftJsonAsync,
  type CatalogueServer,
} from './catalogue-server.js';
import type { JsonObject } from './cli.js';
import type { CatalogueReport, ProblemsData, RunResult } from './results.js';

const catalogue = JSON.parse(
  readFileSync(new URL('./fixtures/catalogue/catalogue.json', import.meta.url), 'utf8'),
) as { processors: Record<string, unknown> };
const dirs: string[] = [];
let server: CatalogueServer;

beforeAll(async () => {
  server = await startCatalogueServer(ok(catalogue));
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A project whose catalogue is the test server (retries without real waiting: no backoff delay). */
function project(config: Record<string, unknown> = { retries: 2, retryDelayMs: 0 }): {
  dir: string;
  env: Record<string, string>;
} {
  const dir = catalogueProject(dirs);
  mkdirSync(join(dir, '.weft'));
  writeFileSync(join(dir, '.weft', 'config.json'), JSON.stringify({ weft: 1, catalogue: config }));
  return { dir, env: { WEFT_CATALOGUE_URL: server.url } };
}

function cacheFiles(dir: string): string[] {
  const d = join(dir, '.weft', 'cache');
  return existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.startsWith('catalogue-'))
        .map((f) => join(d, f))
    : [];
}

/** Primes the project's cache by a fresh run, and returns the cache file. */
async function primed(dir: string, env: Record<string, string>): Promise<string> {
  server.answer(ok(catalogue));
  const r = await weftJsonAsync(['validate', 'upper.json'], dir, env);
  expect(r.env.ok, r.stdout).toBe(true);
  const [file] = cacheFiles(dir);
  expect(file).toBeDefined();
  return file!;
}

/** Event lines printed by `--events` (on stderr under --json). */
function events(text: string): { type: string; code?: string }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; code?: string });
}

const run = ['run', 'upper.json', '--input', '"hello big world"', '--orchestrator', 'direct'];

describe('weft with a remote catalogue', () => {
  it('fresh: resolves processors, runs, caches the raw document; provenance fresh and no warning', async () => {
    const { dir, env } = project();
    server.answer(ok(catalogue));
    const before = server.requests;
    const r = await weftJsonAsync<RunResult>(run, dir, env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.env.result.output).toBe('HELLO BIG WORLD');
    expect(r.env.warnings).toEqual([]);
    expect(r.env.result.catalogue).toMatchObject({
      source: 'fresh',
      kind: 'url',
      location: server.url,
      attempts: 1,
    });
    expect(
      r.env.result.catalogue.processors.map((p: { path: string; ref: string }) => [p.path, p.ref]),
    ).toEqual([
      ['/steps/split/processor', 'text/split@1'],
      ['/steps/up/map/processor', 'text/uppercase@2'],
    ]);
    expect(server.requests - before).toBe(1);
    const [file] = cacheFiles(dir);
    const entry = JSON.parse(readFileSync(file!, 'utf8')) as Record<string, unknown>;
    expect(entry).toMatchObject({
      weftCatalogueCache: 1,
      url: server.url,
      fetchedAt: r.env.result.catalogue.snapshotAt,
    });
    expect(entry['document']).toBe(JSON.stringify(catalogue, null, 2));
    const graph = await weftJsonAsync(['graph', 'upper.json'], dir, env);
    expect(graph.env.result.catalogue).toMatchObject({ source: 'fresh', location: server.url });
    expect(graph.env.result.mermaid).toContain('up');
  });

  it('a processor module path in a remote catalogue resolves against the project root, and runs on worker threads', async () => {
    const { dir, env } = project();
    server.answer(ok(catalogue));
    const r = await weftJsonAsync<RunResult>(
      ['run', 'upper.json', '--input', '"on workers"', '--orchestrator', 'workers', '--threads', '2'],
      dir,
      env,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.env.result.output).toBe('ON WORKERS');
    expect(r.env.result.catalogue.processors[0]!.module).toBe(
      new URL(`file://${join(dir, 'text.mjs')}`).href,
    );
  });

  it('network down with a cache: cached, with the snapshot time, a stale warning in the envelope and on the event stream', async () => {
    const { dir, env } = project();
    const file = await primed(dir, env);
    const snapshot = (JSON.parse(readFileSync(file, 'utf8')) as { fetchedAt: string }).fetchedAt;
    server.answer('down');
    const before = server.requests;
    const r = await weftJsonAsync<RunResult>([...run, '--events'], dir, env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(server.requests - before).toBe(3); // the first attempt and two retries
    expect(r.env.result.output).toBe('HELLO BIG WORLD');
    expect(r.env.result.catalogue).toMatchObject({ source: 'cached', snapshotAt: snapshot, attempts: 3 });
    expect(r.env.warnings).toHaveLength(1);
    expect(r.env.warnings[0]).toMatchObject({ code: 'CATALOGUE_STALE' });
    expect(r.env.warnings[0]!.message).toContain(
      `using the cached catalogue of ${server.url} from ${snapshot}`,
    );
    const evs = events(r.stderr);
    expect(evs.slice(0, 2).map((e) => e.type)).toEqual(['run.start', 'warning']);
    expect(evs[1]).toMatchObject({ code: 'CATALOGUE_STALE' });
    // Without --json the warning is printed on stderr.
    const plain = await weftAsync(['validate', 'upper.json'], dir, env);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('warning [CATALOGUE_STALE]');
    expect(plain.stdout).toContain('catalogue: cached');
  });

  it('a transient server error is retried and the fetch then succeeds (fresh)', async () => {
    const { dir, env } = project();
    server.answer(ok(catalogue));
    server.answerNext(1, { status: 503, body: 'busy' });
    const before = server.requests;
    const r = await weftJsonAsync(['validate', 'upper.json'], dir, env);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result.catalogue).toMatchObject({ source: 'fresh', attempts: 2 });
    expect(server.requests - before).toBe(2);
  });

  it('cold cache offline: CATALOGUE_UNAVAILABLE naming both ways out (exit 2)', async () => {
    const { dir, env } = project();
    server.answer('down');
    const r = await weftJsonAsync<RunResult>(run, dir, env);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('CATALOGUE_UNAVAILABLE');
    expect(r.env.error?.message).toContain('there is no cached copy');
    expect(r.env.error?.message).toContain('run `weft init`');
    expect(r.env.error?.message).toContain('local catalogue file');
    const plain = await weftAsync(run, dir, env);
    expect(plain.stderr).toContain('error [CATALOGUE_UNAVAILABLE]');
    expect(plain.stderr).not.toMatch(/\n\s+at /);
  });

  it('a corrupt cache, or one of another cache schema, is rejected cleanly: CATALOGUE_UNAVAILABLE saying why', async () => {
    const { dir, env } = project();
    const file = await primed(dir, env);
    server.answer('down');
    writeFileSync(file, '{"weftCatalogueCache": 1, "url": "http://trunc');
    const corrupt = await weftJsonAsync<RunResult>(run, dir, env);
    expect(corrupt.code).toBe(2);
    expect(corrupt.env.error?.code).toBe('CATALOGUE_UNAVAILABLE');
    expect(corrupt.env.error?.message).toContain('the cache file is corrupt');
    writeFileSync(
      file,
      JSON.stringify({
        weftCatalogueCache: 0,
        url: server.url,
        fetchedAt: new Date().toISOString(),
        document: JSON.stringify(catalogue),
      }),
    );
    const old = await weftJsonAsync<RunResult>(run, dir, env);
    expect(old.env.error?.code).toBe('CATALOGUE_UNAVAILABLE');
    expect(old.env.error?.message).toContain('cache schema 0, and this Weft reads schema 1 only');
  });

  it('an invalid server document is an error, never a fallback to the cache (which is left as it was)', async () => {
    const { dir, env } = project();
    const file = await primed(dir, env);
    const before = readFileSync(file, 'utf8');
    for (const answer of [
      ok({ weftCatalogue: 1, processors: { 'text/uppercase@2': { module: './text.mjs' } } }),
      { status: 200, body: '<html>maintenance</html>', type: 'text/html' },
    ]) {
      server.answer(answer);
      const r = await weftJsonAsync<RunResult>(run, dir, env);
      expect(r.code).toBe(2);
      expect(r.env.error?.code).toBe('CATALOGUE_INVALID');
      expect(r.env.warnings).toEqual([]);
      expect(readFileSync(file, 'utf8')).toBe(before);
    }
  });

  it('a server refusing with 404 is CATALOGUE_FETCH_FAILED, not a fallback', async () => {
    const { dir, env } = project();
    await primed(dir, env);
    server.answer({ status: 404, body: 'not found' });
    const r = await weftJsonAsync<RunResult>(run, dir, env);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('CATALOGUE_FETCH_FAILED');
    expect(r.env.error?.message).toContain('HTTP 404');
  });

  it('unknown processor with a fresh catalogue: fix the reference (refreshing will not help), with a "did you mean"', async () => {
    const { dir, env } = project();
    server.answer(ok(catalogue));
    const r = await weftJsonAsync<unknown, ProblemsData<JsonObject> & { catalogue: CatalogueReport }>(
      ['validate', 'typo.json'],
      dir,
      env,
    );
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('PROCESSOR_UNKNOWN');
    expect(r.env.error?.message).toContain(
      '/steps/up/map/processor: processor "text/upercase@2" is not in the catalogue fetched fresh',
    );
    expect(r.env.error?.message).toContain('did you mean "text/uppercase@2"?');
    expect(r.env.error?.message).toContain(
      'The catalogue was fresh: the catalogue is current, so refreshing it will not help',
    );
    expect(r.env.error?.data.catalogue.source).toBe('fresh');
    expect(r.env.error?.data.problems[0]).toMatchObject({
      code: 'PROCESSOR_UNKNOWN',
      path: '/steps/up/map/processor',
      hint: 'did you mean "text/uppercase@2"?',
    });
  });

  it('unknown processor with a cached catalogue: says it was cached, from when, and that refreshing may help', async () => {
    const { dir, env } = project();
    await primed(dir, env);
    server.answer('down');
    writeFileSync(
      join(dir, 'v9.json'),
      readFileSync(join(dir, 'upper.json'), 'utf8').replace('text/uppercase@2', 'text/uppercase@9'),
    );
    const r = await weftJsonAsync(['run', 'v9.json', '--orchestrator', 'direct'], dir, env);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('PROCESSOR_UNKNOWN');
    expect(r.env.error?.message).toContain('is not in a cached copy of the catalogue of');
    expect(r.env.error?.message).toContain('it has text/uppercase in versions 2, 3, 1');
    expect(r.env.error?.message).toContain(
      'The catalogue was cached: the cached catalogue may be out of date',
    );
    expect(r.env.error?.message).toContain('run `weft init` to refresh it');
    expect(r.env.warnings.map((w) => w.code)).toEqual(['CATALOGUE_STALE']);
  });

  it('an unwritable cache directory is a warning on a fresh result, not a failed fetch', async () => {
    const { dir, env } = project();
    writeFileSync(join(dir, '.weft', 'cache'), 'a file where the cache directory should be');
    server.answer(ok(catalogue));
    const r = await weftJsonAsync<RunResult>(run, dir, env);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result.output).toBe('HELLO BIG WORLD');
    expect(r.env.result.catalogue.source).toBe('fresh');
    expect(r.env.warnings.map((w) => w.code)).toEqual(['CATALOGUE_CACHE_WRITE']);
    expect(r.env.warnings[0]!.message).toContain('offline runs will not find it');
  });

  it('--offline never fetches: the cached copy with a stale warning', async () => {
    const { dir, env } = project();
    await primed(dir, env);
    server.answer(ok(catalogue));
    const before = server.requests;
    const r = await weftJsonAsync<RunResult>([...run, '--offline'], dir, env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.env.result.catalogue).toMatchObject({
      source: 'cached',
      attempts: 0,
      reason: 'offline mode is on',
    });
    expect(r.env.warnings.map((w) => w.code)).toEqual(['CATALOGUE_STALE']);
    const v = await weftJsonAsync<{ catalogue: CatalogueReport }>(
      ['validate', 'upper.json', '--offline'],
      dir,
      env,
    );
    expect(v.env.result.catalogue.source).toBe('cached');
    expect(server.requests).toBe(before);
  });

  it('the processor version feeds the idempotency key: same version cached, a new version runs again', async () => {
    const { dir, env } = project();
    server.answer(ok(catalogue));
    const first = await weftJsonAsync<RunResult>(run, dir, env);
    expect(first.env.result.cached).toEqual({ steps: 0, items: 0 });
    const again = await weftJsonAsync<RunResult>(run, dir, env);
    expect(again.env.result.cached).toEqual({ steps: 3, items: 0 });
    // text/uppercase@3 is the same module and export: only the version differs.
    writeFileSync(
      join(dir, 'v3.json'),
      readFileSync(join(dir, 'upper.json'), 'utf8').replace('text/uppercase@2', 'text/uppercase@3'),
    );
    const v3 = await weftJsonAsync(
      ['run', 'v3.json', '--input', '"hello big world"', '--orchestrator', 'direct'],
      dir,
      env,
    );
    expect(v3.env.result.output).toBe('HELLO BIG WORLD');
    // split and join (same input as before) are answered from the store; the map, whose processor version changed, ran every item.
    expect(v3.env.result.cached).toEqual({ steps: 2, items: 0 });
  });
});

describe('catalogue configuration and commands', () => {
  it('WEFT_CATALOGUE_URL overrides the configured URL', async () => {
    const { dir } = project({ url: 'http://127.0.0.1:9/never-used.json', retries: 0 });
    server.answer(ok(catalogue));
    const r = await weftJsonAsync<{ catalogue: CatalogueReport }>(['validate', 'upper.json'], dir, {
      WEFT_CATALOGUE_URL: server.url,
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result.catalogue.location).toBe(server.url);
  });

  it('an invalid configuration lists every problem (CONFIG_INVALID)', async () => {
    const { dir } = project({ url: 'ftp://x', retries: -1, retyDelayMs: 0 });
    const r = await weftJsonAsync<unknown, ProblemsData>(['validate', 'upper.json'], dir);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('CONFIG_INVALID');
    expect(r.env.error?.data.problems.map((p: { path: string }) => p.path)).toEqual([
      '/catalogue/retyDelayMs',
      '/catalogue/url',
      '/catalogue/retries',
    ]);
    expect(r.env.error?.message).toContain('did you mean "retryDelayMs"?');
  });

  it('a local catalogue file: modules relative to the file, provenance fresh/file, no network', async () => {
    const dir = catalogueProject(dirs);
    mkdirSync(join(dir, '.weft'));
    writeFileSync(
      join(dir, '.weft', 'config.json'),
      JSON.stringify({ catalogue: { file: 'catalogue.json' } }),
    );
    const before = server.requests;
    const r = await weftJsonAsync<RunResult>(run, dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result.output).toBe('HELLO BIG WORLD');
    expect(r.env.result.catalogue).toMatchObject({
      source: 'fresh',
      kind: 'file',
      location: join(dir, 'catalogue.json'),
      attempts: 0,
    });
    const typo = await weftJsonAsync(['validate', 'typo.json'], dir);
    expect(typo.env.error?.code).toBe('PROCESSOR_UNKNOWN');
    expect(typo.env.error?.message).toContain(`add it to ${join(dir, 'catalogue.json')}`);
    expect(server.requests).toBe(before);
  });

  it('a pipeline that names no processor never fetches, even with a remote catalogue configured', async () => {
    const { dir, env } = project();
    server.answer(ok(catalogue));
    const before = server.requests;
    const r = await weftJsonAsync(
      ['run', 'plain.json', '--input', '"a b"', '--orchestrator', 'direct'],
      dir,
      env,
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result.output).toBe('A B');
    expect(r.env.result.catalogue).toBeUndefined();
    for (const args of [
      ['validate', 'plain.json'],
      ['graph', 'plain.json'],
    ])
      expect((await weftAsync(args, dir, env)).code).toBe(0);
    expect(server.requests).toBe(before);
    expect(cacheFiles(dir)).toEqual([]);
  });

  it('a pipeline naming processors in a project with no catalogue: CATALOGUE_UNAVAILABLE saying how to configure one', async () => {
    const dir = catalogueProject(dirs);
    mkdirSync(join(dir, '.weft'));
    const r = await weftJsonAsync(['validate', 'upper.json'], dir);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('CATALOGUE_UNAVAILABLE');
    expect(r.env.error?.message).toContain('weft init --catalogue');
  });

  it('catalogue export requires fresh data: refuses the cache (CATALOGUE_STALE) and writes nothing', async () => {
    const { dir, env } = project();
    await primed(dir, env);
    server.answer('down');
    const out = join(dir, 'catalogue.lock.json');
    const r = await weftJsonAsync(['catalogue', 'export', '--out', out], dir, env);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('CATALOGUE_STALE');
    expect(r.env.error?.message).toContain(
      '`weft catalogue export` (a committed artefact) needs a fresh catalogue',
    );
    expect(r.env.error?.message).toContain('A cached copy from');
    expect(existsSync(out)).toBe(false);
    const offline = await weftJsonAsync(['catalogue', 'export', '--offline'], dir, env);
    expect(offline.env.error?.code).toBe('CATALOGUE_STALE');
    // show is fine with the cached copy, and says so.
    const show = await weftJsonAsync<{ provenance: JsonObject }>(['catalogue', 'show'], dir, env);
    expect(show.code).toBe(0);
    expect(show.env.result.provenance.source).toBe('cached');
    expect(show.env.warnings.map((w) => w.code)).toEqual(['CATALOGUE_STALE']);
  });

  it('catalogue export with fresh data writes canonical JSON (a valid local catalogue) or Markdown docs', async () => {
    const { dir, env } = project();
    server.answer(ok(catalogue));
    const out = join(dir, 'exported.json');
    const r = await weftJsonAsync(['catalogue', 'export', '--out', out], dir, env);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result).toMatchObject({
      file: out,
      format: 'json',
      processors: 4,
      provenance: { source: 'fresh' },
    });
    const exported = JSON.parse(readFileSync(out, 'utf8')) as { processors: Record<string, unknown> };
    expect(Object.keys(exported.processors)).toEqual([
      'text/split@1',
      'text/uppercase@1',
      'text/uppercase@2',
      'text/uppercase@3',
    ]);
    expect(exported).toEqual({ ...catalogue, processors: exported.processors });
    // The export is usable as the project's local catalogue.
    writeFileSync(
      join(dir, '.weft', 'config.json'),
      JSON.stringify({ catalogue: { file: 'exported.json' } }),
    );
    const local = await weftJsonAsync<RunResult>(run, dir);
    expect(local.env.result.output).toBe('HELLO BIG WORLD');
    const md = await weftAsync(['catalogue', 'export', '--format', 'markdown'], dir, env);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('| `text/split@1` | `./text.mjs` | `split` | splits text into words |');
    expect(md.stdout).toContain('## Tuning profiles');
  });
});
