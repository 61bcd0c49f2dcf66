// The project's catalogue configuration, the file cache, and the processor pass of JSON pipelines
// (with an injected fetch: a pipeline that names no processor never reaches it).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isWeftError } from '@weft/core';
import { type FetchLike } from '@weft/core/catalogue';
import { loadProjectConfig } from '../src/catalogue/config.js';
import { catalogueCachePath, fileCatalogueCache } from '../src/catalogue/file-cache.js';
import { prepareProcessors } from '../src/catalogue/pipeline-processors.js';
import { openCatalogue } from '../src/catalogue/project-catalogue.js';
import { loadPipeline } from '../src/run/load-pipeline.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(config?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cat-'));
  dirs.push(dir);
  mkdirSync(join(dir, '.weft'));
  if (config !== undefined)
    writeFileSync(
      join(dir, '.weft', 'config.json'),
      typeof config === 'string' ? config : JSON.stringify(config),
    );
  return dir;
}

function configError(
  dir: string,
  env: NodeJS.ProcessEnv = {},
): { code: string; paths: string[]; message: string } {
  try {
    loadProjectConfig(dir, env);
  } catch (e) {
    if (!isWeftError(e)) throw e;
    return {
      code: e.code,
      paths: (e.data['problems'] as { path: string }[]).map((p) => p.path),
      message: e.message,
    };
  }
  throw new Error('accepted');
}

const catalogue = { weftCatalogue: 1, processors: { 'text/up@1': { module: './steps.mjs', export: 'up' } } };
const throwingFetch: FetchLike = () => {
  throw new Error('the network was touched');
};

describe('project configuration', () => {
  it('no file: no catalogue; a URL or a file; the environment variable overrides either', () => {
    expect(loadProjectConfig(project(), {})).toMatchObject({ exists: false, catalogue: null });
    const url = project({
      weft: 1,
      catalogue: { url: 'https://c.test/w.json', retries: 4, retryDelayMs: 10, timeoutMs: 500 },
    });
    expect(loadProjectConfig(url, {}).catalogue).toEqual({
      kind: 'url',
      url: 'https://c.test/w.json',
      from: 'config',
      retry: { attempts: 5, initialDelayMs: 10, timeoutMs: 500 },
    });
    const file = project({ catalogue: { file: 'cat/catalogue.json' } });
    expect(loadProjectConfig(file, {}).catalogue).toEqual({
      kind: 'file',
      path: join(file, 'cat', 'catalogue.json'),
    });
    for (const dir of [url, file, project()]) {
      expect(
        loadProjectConfig(dir, { WEFT_CATALOGUE_URL: 'http://127.0.0.1:1/staging.json' }).catalogue,
      ).toMatchObject({ kind: 'url', url: 'http://127.0.0.1:1/staging.json', from: 'env' });
    }
    expect(loadProjectConfig(url, { WEFT_CATALOGUE_URL: '  ' }).catalogue).toMatchObject({ from: 'config' });
  });

  it('lists every problem at once with its path (CONFIG_INVALID)', () => {
    const e = configError(
      project({
        weft: 2,
        catalog: {},
        catalogue: { url: 'https://x', file: 'y', retries: 1.5, timeoutMs: 0, retryDelayMs: -1 },
      }),
    );
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.paths).toEqual([
      '/catalog',
      '/weft',
      '/catalogue',
      '/catalogue/timeoutMs',
      '/catalogue/retries',
      '/catalogue/retryDelayMs',
    ]);
    expect(e.message).toContain('did you mean "catalogue"?');
    expect(configError(project({ catalogue: {} })).message).toContain('needs "url"');
    expect(configError(project('{ not json')).message).toContain('not valid JSON');
    expect(configError(project([])).paths).toEqual(['']);
    expect(configError(project(), { WEFT_CATALOGUE_URL: 'file:///etc/passwd' }).paths).toEqual([
      '$WEFT_CATALOGUE_URL',
    ]);
  });
});

describe('the file cache', () => {
  it('is one file per URL under .weft/cache, written atomically (no temporary file left)', async () => {
    const dir = project();
    const path = catalogueCachePath(dir, 'https://c.test/w.json');
    expect(path).toMatch(/\.weft\/cache\/catalogue-[0-9a-f]{16}\.json$/);
    expect(catalogueCachePath(dir, 'https://c.test/other.json')).not.toBe(path);
    const cache = fileCatalogueCache(path);
    expect(await cache.read()).toBeUndefined();
    await cache.write('{"a":1}');
    expect(await cache.read()).toBe('{"a":1}');
    expect(readdirSync(join(dir, '.weft', 'cache'))).toEqual([path.slice(path.lastIndexOf('/') + 1)]);
  });

  it('a cache "directory" that is a file: reads give no cache, writes fail', async () => {
    const dir = project();
    writeFileSync(join(dir, '.weft', 'cache'), 'x');
    const cache = fileCatalogueCache(catalogueCachePath(dir, 'https://c.test/w.json'));
    expect(await cache.read()).toBeUndefined();
    await expect(cache.write('{}')).rejects.toThrow();
  });
});

describe('processors in JSON pipelines', () => {
  it('a pipeline that names no processor never asks for the catalogue, so never fetches', async () => {
    const doc = { name: 'plain', steps: { a: { run: './steps.mjs#a' } } };
    let asked = 0;
    const r = await prepareProcessors(
      doc,
      'file:///p/plain.json',
      () => undefined,
      () => {
        asked++;
        return openCatalogue(
          '/p',
          { kind: 'url', url: 'https://c.test/w.json', from: 'config', retry: {} },
          { fetch: throwingFetch },
        );
      },
    );
    expect(r).toBeNull();
    expect(asked).toBe(0);
  });

  it('processors in a sub file are found, resolved, and reported with the file', async () => {
    const dir = project({ catalogue: { file: 'catalogue.json' } });
    writeFileSync(join(dir, 'catalogue.json'), JSON.stringify(catalogue));
    writeFileSync(join(dir, 'steps.mjs'), 'export const up = (s) => s.toUpperCase();\n');
    writeFileSync(
      join(dir, 'inner.json'),
      JSON.stringify({ name: 'inner', steps: { up: { processor: 'text/up@1' } } }),
    );
    writeFileSync(
      join(dir, 'outer.json'),
      JSON.stringify({ name: 'outer', steps: { inner: { sub: './inner.json' } } }),
    );
    const loaded = await loadPipeline(join(dir, 'outer.json'), dir);
    expect(loaded.catalogue?.processors).toEqual([
      {
        file: join(dir, 'inner.json'),
        path: '/steps/up/processor',
        ref: 'text/up@1',
        module: pathToFileURL(join(dir, 'steps.mjs')).href,
        export: 'up',
      },
    ]);
    writeFileSync(
      join(dir, 'inner.json'),
      JSON.stringify({ name: 'inner', steps: { up: { processor: 'text/upp@1' } } }),
    );
    const err = await loadPipeline(join(dir, 'outer.json'), dir).catch((e: unknown) => e);
    expect(isWeftError(err) && err.code).toBe('PROCESSOR_UNKNOWN');
    expect((err as Error).message).toContain(
      `${join(dir, 'inner.json')} /steps/up/processor: processor "text/upp@1" is not in the local catalogue file`,
    );
    expect(readFileSync(join(dir, 'inner.json'), 'utf8')).toContain('text/upp@1');
  });

  it('a remote catalogue is fetched with the injected fetch, once per command', async () => {
    const dir = project();
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      return { ok: true, status: 200, statusText: 'OK', text: async () => JSON.stringify(catalogue) };
    };
    writeFileSync(
      join(dir, 'p.json'),
      JSON.stringify({
        name: 'p',
        steps: { a: { processor: 'text/up@1', to: 'b' }, b: { map: { processor: 'text/up@1' } } },
      }),
    );
    const access = openCatalogue(
      dir,
      { kind: 'url', url: 'https://c.test/w.json', from: 'env', retry: {} },
      { fetch },
    );
    const loaded = await loadPipeline(join(dir, 'p.json'), dir, { catalogue: () => access });
    expect(calls).toBe(1);
    expect(loaded.catalogue?.provenance).toMatchObject({
      source: 'fresh',
      location: 'https://c.test/w.json',
    });
    // Relative modules of a remote catalogue resolve against the project root.
    expect(loaded.catalogue?.processors.map((p) => p.module)).toEqual([
      pathToFileURL(join(dir, 'steps.mjs')).href,
      pathToFileURL(join(dir, 'steps.mjs')).href,
    ]);
  });
});
