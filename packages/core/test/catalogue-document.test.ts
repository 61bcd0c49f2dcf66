import { describe, expect, it } from 'vitest';
import { isWeftError } from '../src/index.js';
import {
  CATALOGUE_CACHE_SCHEMA,
  checkCatalogue,
  decodeCacheEntry,
  encodeCacheEntry,
  parseCatalogue,
  parseProcessorRef,
} from '../src/catalogue/index.js';

const good = {
  weftCatalogue: 1,
  name: 'acme',
  processors: {
    'text/uppercase@2': { module: './text.mjs', export: 'uppercase', description: 'upper-cases text' },
    'hash/sha256@1.4.0': { module: '@acme/steps', export: 'sha256' },
  },
  profiles: { 'cpu-heavy': { threads: 8, chunkSize: 64, maxConcurrency: 16, orchestrator: 'workers' } },
};

function invalid(text: string): {
  code: string;
  message: string;
  problems: { path: string; message: string }[];
} {
  try {
    parseCatalogue(text, 'https://example.test/c.json');
  } catch (e) {
    if (!isWeftError(e)) throw e;
    return {
      code: e.code,
      message: e.message,
      problems: e.data['problems'] as { path: string; message: string }[],
    };
  }
  throw new Error('parseCatalogue accepted an invalid catalogue');
}

describe('catalogue documents', () => {
  it('accepts a valid catalogue and parses it unchanged', () => {
    expect(checkCatalogue(good)).toEqual([]);
    expect(parseCatalogue(JSON.stringify(good), 'x')).toEqual(good);
    expect(checkCatalogue({ weftCatalogue: 1, processors: {} })).toEqual([]);
  });

  it('reports every problem with its JSON Pointer', () => {
    const doc = {
      weftCatalogue: 2,
      nmae: 'typo',
      processors: {
        'no-version': { module: 'm', export: 'e' },
        'a@1': { module: '', export: '1bad', extra: true },
        'b@1': 'not an object',
      },
      profiles: { fast: { threads: 0, chunkSize: 'big', colour: 'red' } },
    };
    const paths = checkCatalogue(doc).map((p) => p.path);
    expect(paths).toEqual([
      '/nmae',
      '/weftCatalogue',
      '/processors/no-version',
      '/processors/a@1/extra',
      '/processors/a@1/module',
      '/processors/a@1/export',
      '/processors/b@1',
      '/profiles/fast/colour',
      '/profiles/fast/threads',
      '/profiles/fast/chunkSize',
    ]);
    expect(checkCatalogue(doc)[0]!.message).toContain('did you mean "name"?');
  });

  it('escapes "/" in processor names in pointers and requires the format version and processors', () => {
    expect(checkCatalogue({ weftCatalogue: 1, processors: { 'text/up@1': { module: 'm' } } })).toEqual([
      { path: '/processors/text~1up@1/export', message: 'export must be an export name, got nothing' },
    ]);
    expect(checkCatalogue({}).map((p) => p.path)).toEqual(['/weftCatalogue', '/processors']);
    expect(checkCatalogue([1])).toEqual([
      { path: '', message: 'a catalogue must be a JSON object, got [1]' },
    ]);
  });

  it('parseCatalogue gives CATALOGUE_INVALID for text that is not JSON, and for a document that breaks the format', () => {
    const html = invalid('<html><body>Service Unavailable</body></html>');
    expect(html.code).toBe('CATALOGUE_INVALID');
    expect(html.message).toContain('is not JSON');
    expect(html.message).toContain('<html><body>');
    const bad = invalid(JSON.stringify({ weftCatalogue: 1, processors: { 'x@1': {} } }));
    expect(bad.code).toBe('CATALOGUE_INVALID');
    expect(bad.problems.map((p) => p.path)).toEqual(['/processors/x@1/module', '/processors/x@1/export']);
    expect(bad.message).toContain('https://example.test/c.json');
  });

  it('splits processor references', () => {
    expect(parseProcessorRef('text/uppercase@2')).toEqual({ name: 'text/uppercase', version: '2' });
    expect(parseProcessorRef('a@1.2.3-rc.1')).toEqual({ name: 'a', version: '1.2.3-rc.1' });
    for (const bad of ['text/uppercase', '@2', 'a@', 'a b@1', '/a@1', 'a//b@1'])
      expect(parseProcessorRef(bad), bad).toBeUndefined();
  });
});

describe('the catalogue cache entry', () => {
  const url = 'https://example.test/c.json';
  const text = JSON.stringify(good);

  it('round-trips the raw document with its URL, fetch time and schema version', () => {
    const encoded = encodeCacheEntry({ url, fetchedAt: '2030-01-02T03:04:05.000Z', text });
    expect(JSON.parse(encoded)).toMatchObject({
      weftCatalogueCache: CATALOGUE_CACHE_SCHEMA,
      url,
      document: text,
    });
    expect(decodeCacheEntry(encoded, url)).toEqual({
      ok: true,
      entry: { url, fetchedAt: '2030-01-02T03:04:05.000Z', text, document: good },
    });
  });

  it('rejects cleanly: corrupt, another schema, another URL, a bad time, a document that no longer validates', () => {
    const entry = (over: Record<string, unknown>): string =>
      JSON.stringify({
        weftCatalogueCache: 1,
        url,
        fetchedAt: '2030-01-01T00:00:00Z',
        document: text,
        ...over,
      });
    const reason = (t: string): string => {
      const v = decodeCacheEntry(t, url);
      if (v.ok) throw new Error('accepted');
      return v.reason;
    };
    expect(reason('{"weftCatalogueCache": 1, "url"')).toContain('corrupt (not JSON)');
    expect(reason('[]')).toContain('corrupt');
    expect(reason(entry({ weftCatalogueCache: 0 }))).toBe(
      'the cache file has cache schema 0, and this Weft reads schema 1 only',
    );
    expect(reason(JSON.stringify({ url, fetchedAt: 'x', document: text }))).toContain('cache schema none');
    expect(reason(entry({ url: 'https://other.test/' }))).toContain('not of https://example.test/c.json');
    expect(reason(entry({ fetchedAt: 'yesterday' }))).toContain('no valid fetch time');
    expect(reason(entry({ document: 42 }))).toContain('no document');
    expect(reason(entry({ document: '{"weftCatalogue": 1}' }))).toContain('no longer validates');
  });
});
