// `weft init` end to end: project root, starter config, and priming the catalogue cache — judged by
// reading the cache back from disk — online, offline, with an unwritable cache and an invalid document.
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
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

const catalogue = JSON.parse(
  readFileSync(new URL('./fixtures/catalogue/catalogue.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const dirs: string[] = [];
let server: CatalogueServer;

beforeAll(async () => {
  server = await startCatalogueServer(ok(catalogue));
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function emptyDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'weft-init-'));
  dirs.push(d);
  return d;
}

const cacheDir = (dir: string): string => join(dir, '.weft', 'cache');

describe('weft init', () => {
  it('creates .weft/ with a starter config and a .gitignore; running it again keeps them', async () => {
    const dir = emptyDir();
    const r = await weftJsonAsync(['init'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result).toMatchObject({
      root: dir,
      created: true,
      config: { action: 'created' },
      gitignore: true,
      catalogue: null,
    });
    expect(JSON.parse(readFileSync(join(dir, '.weft', 'config.json'), 'utf8'))).toEqual({ weft: 1 });
    expect(readFileSync(join(dir, '.weft', '.gitignore'), 'utf8')).toContain('!config.json');
    const again = await weftJsonAsync(['init'], dir);
    expect(again.env.result).toMatchObject({ created: false, config: { action: 'kept' }, gitignore: false });
    const text = await weftAsync(['init'], dir);
    expect(text.stdout).toContain('no catalogue configured');
  });

  it('primes the cache and reads it back: on disk, it decodes, validates, and later runs work offline from it', async () => {
    const dir = catalogueProject(dirs);
    server.answer(ok(catalogue));
    const r = await weftJsonAsync<{ catalogue: JsonObject }>(['init', '--catalogue', server.url], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.warnings).toEqual([]);
    expect(r.env.result.catalogue).toMatchObject({
      kind: 'url',
      from: 'config',
      url: server.url,
      primed: true,
      processors: 4,
      profiles: 1,
      attempts: 1,
    });
    expect(JSON.parse(readFileSync(join(dir, '.weft', 'config.json'), 'utf8'))).toEqual({
      weft: 1,
      catalogue: { url: server.url },
    });
    const [file] = readdirSync(cacheDir(dir));
    const entry = JSON.parse(readFileSync(join(cacheDir(dir), file!), 'utf8')) as {
      fetchedAt: string;
      document: string;
    };
    expect(entry.fetchedAt).toBe(r.env.result.catalogue.snapshotAt);
    expect(JSON.parse(entry.document)).toEqual(catalogue);
    server.answer('down');
    writeFileSync(
      join(dir, '.weft', 'config.json'),
      JSON.stringify({ weft: 1, catalogue: { url: server.url, retries: 0 } }),
    );
    const run = await weftJsonAsync(
      ['run', 'upper.json', '--input', '"from the cache"', '--orchestrator', 'direct'],
      dir,
    );
    expect(run.code, run.stdout).toBe(0);
    expect(run.env.result.output).toBe('FROM THE CACHE');
    expect(run.env.result.catalogue).toMatchObject({ source: 'cached', snapshotAt: entry.fetchedAt });
    expect(run.env.warnings.map((w) => w.code)).toEqual(['CATALOGUE_STALE']);
  });

  it('offline, init still succeeds and warns that the cache was not primed', async () => {
    const dir = emptyDir();
    server.answer('down');
    mkdirSync(join(dir, '.weft'));
    writeFileSync(
      join(dir, '.weft', 'config.json'),
      JSON.stringify({ weft: 1, catalogue: { url: server.url, retries: 1, retryDelayMs: 0 } }),
    );
    const r = await weftJsonAsync(['init'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.ok).toBe(true);
    expect(r.env.result.catalogue).toMatchObject({ primed: false, attempts: 2 });
    expect(r.env.warnings.map((w) => w.code)).toEqual(['CATALOGUE_NOT_PRIMED']);
    expect(r.env.warnings[0]!.message).toContain('run `weft init` again once online');
    const flag = await weftJsonAsync(['init', '--offline'], dir);
    expect(flag.code).toBe(0);
    expect(flag.env.result.catalogue).toMatchObject({
      primed: false,
      reason: 'offline mode is on',
      attempts: 0,
    });
  });

  it('an unwritable cache directory: init succeeds, the cache write warning and "not primed" (the read-back finds nothing)', async () => {
    const dir = emptyDir();
    mkdirSync(join(dir, '.weft'));
    writeFileSync(cacheDir(dir), 'not a directory');
    server.answer(ok(catalogue));
    const r = await weftJsonAsync(['init', '--catalogue', server.url], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result.catalogue).toMatchObject({
      primed: false,
      reason: 'reading the cache back: there is no cached copy',
    });
    expect(r.env.warnings.map((w) => w.code)).toEqual(['CATALOGUE_CACHE_WRITE', 'CATALOGUE_NOT_PRIMED']);
  });

  it('an invalid catalogue document: exit 2 with CATALOGUE_INVALID, the project is still created, nothing cached', async () => {
    const dir = emptyDir();
    server.answer(ok({ weftCatalogue: 1, processors: { 'bad ref': { module: 'm', export: 'e' } } }));
    const r = await weftJsonAsync(['init', '--catalogue', server.url], dir);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('CATALOGUE_INVALID');
    expect(r.env.error?.data.problems).toEqual([
      { path: '/processors/bad ref', message: expect.stringContaining('must be "name@version"') as unknown },
    ]);
    expect(r.env.result).toMatchObject({ created: true });
    expect(existsSync(cacheDir(dir))).toBe(false);
  });

  it('--catalogue with a file path sets a local catalogue (nothing to prime) and keeps the other settings', async () => {
    const dir = catalogueProject(dirs);
    mkdirSync(join(dir, '.weft'));
    writeFileSync(
      join(dir, '.weft', 'config.json'),
      JSON.stringify({ weft: 1, catalogue: { url: server.url, timeoutMs: 5000 } }),
    );
    const before = server.requests;
    const r = await weftJsonAsync(['init', '--catalogue', 'catalogue.json'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result).toMatchObject({
      config: { action: 'updated' },
      catalogue: { kind: 'file', path: join(dir, 'catalogue.json'), processors: 4 },
    });
    expect(JSON.parse(readFileSync(join(dir, '.weft', 'config.json'), 'utf8'))).toEqual({
      weft: 1,
      catalogue: { file: 'catalogue.json', timeoutMs: 5000 },
    });
    expect(server.requests).toBe(before);
  });

  it('WEFT_CATALOGUE_URL primes the URL it names', async () => {
    const dir = emptyDir();
    server.answer(ok(catalogue));
    const r = await weftJsonAsync(['init'], dir, { WEFT_CATALOGUE_URL: server.url });
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result.catalogue).toMatchObject({ from: 'env', url: server.url, primed: true });
  });
});
