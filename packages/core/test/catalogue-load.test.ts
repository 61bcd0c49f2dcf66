// The catalogue matrix with an injected fetch, clock and cache: fresh, cached + warning, cold cache,
// corrupt cache, invalid server document, require-fresh, unwritable cache, offline, priming.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, isWeftError, type WeftError } from '../src/index.js';
import {
  encodeCacheEntry,
  loadRemoteCatalogue,
  memoryCatalogueCache,
  primeCatalogue,
  type CatalogueCache,
  type FetchLike,
  type LoadCatalogueOptions,
} from '../src/catalogue/index.js';

const url = 'https://catalogue.test/weft.json';
const doc = {
  weftCatalogue: 1,
  processors: { 'text/uppercase@2': { module: './text.mjs', export: 'uppercase' } },
};
const older = {
  weftCatalogue: 1,
  processors: { 'text/uppercase@1': { module: './text.mjs', export: 'uppercase' } },
};
const T0 = Date.parse('2030-05-01T12:00:00.000Z');
const cachedAt = '2030-04-28T12:00:00.000Z';

/** A fetch answering `body` with 200, or failing like a dead network. */
function server(answer: { body: string } | 'down'): FetchLike & { calls: number } {
  const f = Object.assign(
    async () => {
      f.calls++;
      if (answer === 'down')
        throw Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
        });
      return { ok: true, status: 200, statusText: 'OK', text: async () => answer.body };
    },
    { calls: 0 },
  );
  return f;
}

/** A fetch that fails the test if it is ever called. */
const noNetwork: FetchLike = () => {
  throw new Error('the network was touched');
};

const cacheOf = (d: unknown, fetchedAt = cachedAt): string =>
  encodeCacheEntry({ url, fetchedAt, text: JSON.stringify(d) });

/** Loads with the simulated clock driven to completion (retries wait on it, never on real time). */
async function load(
  o: Omit<LoadCatalogueOptions, 'url' | 'clock' | 'now'>,
): Promise<Awaited<ReturnType<typeof loadRemoteCatalogue>>> {
  const clock = new SimulatedClock();
  const p = loadRemoteCatalogue({ url, clock, now: () => T0, random: () => 0, ...o });
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) await clock.advance((clock.nextAt() ?? clock.now()) - clock.now());
  return p;
}

async function failure(p: Promise<unknown>): Promise<WeftError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isWeftError(e)) throw new Error(`expected a WeftError, got ${String(e)}`);
  return e;
}

describe('loadRemoteCatalogue', () => {
  it('fresh: validates, caches the raw document with its fetch time, provenance fresh', async () => {
    const cache = memoryCatalogueCache();
    const body = JSON.stringify(doc, null, 4);
    const r = await load({ cache, fetch: server({ body }) });
    expect(r.document).toEqual(doc);
    expect(r.provenance).toEqual({
      source: 'fresh',
      kind: 'url',
      location: url,
      snapshotAt: '2030-05-01T12:00:00.000Z',
      attempts: 1,
      cache: 'memory',
    });
    expect(r.warnings).toEqual([]);
    expect(JSON.parse(cache.text!)).toEqual({
      weftCatalogueCache: 1,
      url,
      fetchedAt: '2030-05-01T12:00:00.000Z',
      document: body,
    });
  });

  it('network down with a usable cache: cached, with the snapshot time, the reason and a stale warning', async () => {
    const cache = memoryCatalogueCache({ initial: cacheOf(doc) });
    const fetch = server('down');
    const r = await load({ cache, fetch });
    expect(fetch.calls).toBe(3);
    expect(r.document).toEqual(doc);
    expect(r.provenance).toMatchObject({ source: 'cached', kind: 'url', snapshotAt: cachedAt, attempts: 3 });
    expect(r.provenance.reason).toContain('could not be reached after 3 attempts (connect ECONNREFUSED');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]!.code).toBe('CATALOGUE_STALE');
    expect(r.warnings[0]!.message).toContain(`from ${cachedAt} (3 days old)`);
    expect(cache.writes).toBe(0);
  });

  it('network down with no cache: CATALOGUE_UNAVAILABLE naming both ways out', async () => {
    const e = await failure(load({ cache: memoryCatalogueCache(), fetch: server('down') }));
    expect(e.code).toBe('CATALOGUE_UNAVAILABLE');
    expect(e.message).toContain('there is no cached copy');
    expect(e.message).toContain('run `weft init`');
    expect(e.message).toContain('local catalogue file');
    expect(e.data).toMatchObject({ url, attempts: 3, cacheProblem: 'there is no cached copy' });
  });

  it('network down with a corrupt, old-schema or no-longer-valid cache: CATALOGUE_UNAVAILABLE saying why', async () => {
    const cases: [string, string][] = [
      ['{"weftCatalogueCache": 1, "url": "htt', 'corrupt (not JSON)'],
      [
        JSON.stringify({ weftCatalogueCache: 0, url, fetchedAt: cachedAt, document: JSON.stringify(doc) }),
        'cache schema 0',
      ],
      [cacheOf({ weftCatalogue: 1, processors: { 'x@1': { module: 'm' } } }), 'no longer validates'],
    ];
    for (const [initial, why] of cases) {
      const e = await failure(load({ cache: memoryCatalogueCache({ initial }), fetch: server('down') }));
      expect(e.code, why).toBe('CATALOGUE_UNAVAILABLE');
      expect(e.message, why).toContain(why);
    }
  });

  it('an unreadable cache is unusable, not a crash', async () => {
    const cache: CatalogueCache = {
      location: '/x',
      read: () => Promise.reject(new Error('EACCES: permission denied')),
      write: async () => {},
    };
    const e = await failure(load({ cache, fetch: server('down') }));
    expect(e.code).toBe('CATALOGUE_UNAVAILABLE');
    expect(e.message).toContain('the cache cannot be read (EACCES: permission denied)');
  });

  it('a server answering an invalid document is an error, never a reason to use the cache (which stays as it was)', async () => {
    for (const body of [
      '<html>502 Bad Gateway</html>',
      JSON.stringify({ weftCatalogue: 1, processors: { 'text/uppercase@2': { module: './text.mjs' } } }),
    ]) {
      const initial = cacheOf(doc);
      const cache = memoryCatalogueCache({ initial });
      const e = await failure(load({ cache, fetch: server({ body }) }));
      expect(e.code).toBe('CATALOGUE_INVALID');
      expect(e.message).toContain(url);
      expect(cache.text).toBe(initial);
      expect(cache.writes).toBe(0);
    }
  });

  it('require-fresh refuses the cache with CATALOGUE_STALE, naming what needed fresh data', async () => {
    const cache = memoryCatalogueCache({ initial: cacheOf(doc) });
    const e = await failure(
      load({ cache, fetch: server('down'), requireFresh: true, purpose: '`weft catalogue export`' }),
    );
    expect(e.code).toBe('CATALOGUE_STALE');
    expect(e.message).toContain('`weft catalogue export` needs a fresh catalogue');
    expect(e.message).toContain(
      `A cached copy from ${cachedAt} exists, but committed artefacts are never made from a cached catalogue`,
    );
    expect(e.data).toMatchObject({ cachedSnapshotAt: cachedAt });
    const cold = await failure(
      load({ cache: memoryCatalogueCache(), fetch: server('down'), requireFresh: true }),
    );
    expect(cold.code).toBe('CATALOGUE_STALE');
    const fresh = await load({ cache, fetch: server({ body: JSON.stringify(doc) }), requireFresh: true });
    expect(fresh.provenance.source).toBe('fresh');
  });

  it('an unwritable cache is a warning on a fresh result, not a failed fetch', async () => {
    const cache = memoryCatalogueCache({
      failWrites: new Error("ENOTDIR: not a directory, open '.weft/cache/c.json'"),
    });
    const r = await load({ cache, fetch: server({ body: JSON.stringify(doc) }) });
    expect(r.provenance.source).toBe('fresh');
    expect(r.document).toEqual(doc);
    expect(r.warnings).toEqual([
      { code: 'CATALOGUE_CACHE_WRITE', message: expect.stringContaining('ENOTDIR') as string },
    ]);
  });

  it('offline: never touches the network; uses the cache with a warning, or fails with the ways out', async () => {
    const r = await load({
      cache: memoryCatalogueCache({ initial: cacheOf(older) }),
      fetch: noNetwork,
      offline: true,
    });
    expect(r.provenance).toMatchObject({ source: 'cached', attempts: 0, reason: 'offline mode is on' });
    expect(r.warnings[0]!.code).toBe('CATALOGUE_STALE');
    const e = await failure(load({ cache: memoryCatalogueCache(), fetch: noNetwork, offline: true }));
    expect(e.code).toBe('CATALOGUE_UNAVAILABLE');
  });

  it('a fresh fetch replaces an older cached snapshot', async () => {
    const cache = memoryCatalogueCache({ initial: cacheOf(older) });
    await load({ cache, fetch: server({ body: JSON.stringify(doc) }) });
    const r = await load({ cache, fetch: server('down') });
    expect(r.document).toEqual(doc);
    expect(r.provenance.snapshotAt).toBe('2030-05-01T12:00:00.000Z');
  });
});

describe('primeCatalogue', () => {
  const prime = async (cache: CatalogueCache, fetch: FetchLike) => {
    const clock = new SimulatedClock();
    const p = primeCatalogue({ url, cache, fetch, clock, now: () => T0, random: () => 0 });
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) await clock.advance((clock.nextAt() ?? clock.now()) - clock.now());
    return p;
  };

  it('primed: what is read back from the cache decodes, validates and is the snapshot just fetched', async () => {
    const cache = memoryCatalogueCache();
    const r = await prime(cache, server({ body: JSON.stringify(doc) }));
    expect(r).toEqual({
      url,
      cache: 'memory',
      primed: true,
      snapshotAt: '2030-05-01T12:00:00.000Z',
      processors: 1,
      profiles: 0,
      attempts: 1,
      warnings: [],
    });
  });

  it('judges by reading back, not by trusting the write: a cache that drops or mangles writes is not primed', async () => {
    const dropping: CatalogueCache = {
      location: 'lying',
      read: async () => undefined,
      write: async () => {},
    };
    const r = await prime(dropping, server({ body: JSON.stringify(doc) }));
    expect(r).toMatchObject({
      primed: false,
      reason: 'reading the cache back: there is no cached copy',
      warnings: [],
    });
    let stored = '';
    const mangling: CatalogueCache = {
      location: 'mangling',
      read: async () => stored,
      write: async (t) => void (stored = t.slice(0, 20)),
    };
    expect(await prime(mangling, server({ body: JSON.stringify(doc) }))).toMatchObject({
      primed: false,
      reason: expect.stringContaining('corrupt') as string,
    });
    const stale: CatalogueCache = {
      location: 'stale',
      read: async () => cacheOf(older),
      write: async () => {},
    };
    expect(await prime(stale, server({ body: JSON.stringify(doc) }))).toMatchObject({
      primed: false,
      reason: expect.stringContaining(`holds the snapshot of ${cachedAt}`) as string,
    });
  });

  it('an unwritable cache: not primed, with the write warning', async () => {
    const cache = memoryCatalogueCache({ failWrites: new Error('EACCES') });
    const r = await prime(cache, server({ body: JSON.stringify(doc) }));
    expect(r.primed).toBe(false);
    expect(r.warnings.map((w) => w.code)).toEqual(['CATALOGUE_CACHE_WRITE']);
  });

  it('offline: not primed, with the network reason (the caller warns); an invalid document is thrown', async () => {
    const r = await prime(memoryCatalogueCache(), server('down'));
    expect(r).toMatchObject({ primed: false, attempts: 3 });
    expect(r.reason).toContain('ECONNREFUSED');
    const e = await failure(prime(memoryCatalogueCache(), server({ body: '{"weftCatalogue": 1}' })));
    expect(e.code).toBe('CATALOGUE_INVALID');
  });
});
