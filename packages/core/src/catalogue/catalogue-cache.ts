import { parseCatalogue, type CatalogueDocument } from './catalogue-document.js';
import { isObject } from '../util/is-object.js';

/** The cache file format this Weft writes and reads (`"weftCatalogueCache": 1`). */
export const CATALOGUE_CACHE_SCHEMA = 1;

/**
 * Where a fetched catalogue is kept for offline use: one entry per catalogue URL. `write` must be
 * atomic (a crash leaves the old entry or the new one); `read` gives undefined when there is none.
 * The CLI's implementation is a file under `.weft/cache/`; tests use `memoryCatalogueCache`.
 */
export interface CatalogueCache {
  /** Where the entry lives (a file path), for messages. */
  readonly location: string;
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

/** A decoded, validated cache entry. */
export interface CacheEntry {
  readonly url: string;
  /** When the document was fetched (ISO 8601): the snapshot time of a cached catalogue. */
  readonly fetchedAt: string;
  /** The raw document, exactly as the server sent it. */
  readonly text: string;
  readonly document: CatalogueDocument;
}

/** Why a cache entry cannot be used. */
export type CacheVerdict =
  { readonly ok: true; readonly entry: CacheEntry } | { readonly ok: false; readonly reason: string };

/** Encodes a cache entry: the raw document text plus its URL, fetch time and the cache schema version. */
export function encodeCacheEntry(e: {
  readonly url: string;
  readonly fetchedAt: string;
  readonly text: string;
}): string {
  return (
    JSON.stringify(
      { weftCatalogueCache: CATALOGUE_CACHE_SCHEMA, url: e.url, fetchedAt: e.fetchedAt, document: e.text },
      null,
      2,
    ) + '\n'
  );
}

/**
 * Decodes and validates a cache entry for `url`. Any defect (not JSON, another cache schema, another
 * URL, a bad time, a document that no longer validates) makes it unusable, with the reason. Pure.
 * @example
 * const v = decodeCacheEntry(await cache.read(), url);
 * if (v.ok) use(v.entry.document);
 */
export function decodeCacheEntry(text: string, url: string): CacheVerdict {
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, reason: 'the cache file is corrupt (not JSON)' };
  }
  if (!isObject(raw)) return { ok: false, reason: 'the cache file is corrupt (not a cache entry)' };
  const schema = raw['weftCatalogueCache'];
  if (schema !== CATALOGUE_CACHE_SCHEMA) {
    return {
      ok: false,
      reason: `the cache file has cache schema ${JSON.stringify(schema) ?? 'none'}, and this Weft reads schema ${CATALOGUE_CACHE_SCHEMA} only`,
    };
  }
  if (raw['url'] !== url)
    return {
      ok: false,
      reason: `the cache file holds the catalogue of ${JSON.stringify(raw['url'])}, not of ${url}`,
    };
  const fetchedAt = raw['fetchedAt'];
  if (typeof fetchedAt !== 'string' || Number.isNaN(Date.parse(fetchedAt)))
    return { ok: false, reason: 'the cache file is corrupt (no valid fetch time)' };
  const doc = raw['document'];
  if (typeof doc !== 'string') return { ok: false, reason: 'the cache file is corrupt (no document)' };
  try {
    return {
      ok: true,
      entry: { url, fetchedAt, text: doc, document: parseCatalogue(doc, `the cache of ${url}`) },
    };
  } catch (e) {
    return { ok: false, reason: `the cached document no longer validates: ${(e as Error).message}` };
  }
}

/**
 * An in-memory cache (tests, embedded use without a disk). `failWrites` makes every write throw.
 * @example
 * const cache = memoryCatalogueCache();
 * await loadRemoteCatalogue({ url, cache });
 */
export function memoryCatalogueCache(
  options: { initial?: string; failWrites?: Error } = {},
): CatalogueCache & { text: string | undefined; writes: number } {
  const cache = {
    location: 'memory',
    text: options.initial,
    writes: 0,
    async read(): Promise<string | undefined> {
      return cache.text;
    },
    async write(text: string): Promise<void> {
      if (options.failWrites) throw options.failWrites;
      cache.writes++;
      cache.text = text;
    },
  };
  return cache;
}
