import { systemClock, type Clock } from '../clock/clock.js';
import { WeftError } from '../errors/weft-error.js';
import {
  decodeCacheEntry,
  encodeCacheEntry,
  type CatalogueCache,
  type CacheVerdict,
} from './catalogue-cache.js';
import { parseCatalogue, type CatalogueDocument } from './catalogue-document.js';
import { fetchCatalogueText, type CatalogueRetry, type FetchLike } from './fetch-catalogue.js';

/** Where a catalogue came from and how current it is. Every loaded catalogue carries one. */
export interface CatalogueProvenance {
  /** `fresh`: fetched (or read from its file) just now; `cached`: the local copy of an earlier fetch. */
  readonly source: 'fresh' | 'cached';
  /** `url`: a remote catalogue; `file`: a local catalogue file. */
  readonly kind: 'url' | 'file';
  /** The URL or the file path. */
  readonly location: string;
  /** When this copy was taken (ISO 8601): now for fresh data, the earlier fetch time for a cached copy. */
  readonly snapshotAt: string;
  /** Fetch attempts made (0 when none was: a file, or offline). */
  readonly attempts: number;
  /** Why the cache was used (cached copies only): the network failure, or offline mode. */
  readonly reason?: string;
  /** The cache file (remote catalogues). */
  readonly cache?: string;
}

/** A non-fatal problem met while loading (a stale copy used, a cache that could not be written). */
export interface CatalogueWarning {
  /** `CATALOGUE_STALE` or `CATALOGUE_CACHE_WRITE`. */
  readonly code: string;
  readonly message: string;
}

/** A validated catalogue with its provenance and the warnings met on the way. */
export interface LoadedCatalogue {
  readonly document: CatalogueDocument;
  readonly provenance: CatalogueProvenance;
  readonly warnings: readonly CatalogueWarning[];
}

/** How to load a remote catalogue. */
export interface LoadCatalogueOptions {
  readonly url: string;
  readonly cache: CatalogueCache;
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Timers for backoff and attempt timeouts (default the system clock). */
  readonly clock?: Clock;
  /** Wall time in ms since the epoch, for snapshot times (default Date.now). */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly retry?: Partial<CatalogueRetry>;
  /** Refuse a cached copy: for commands that produce committed artefacts. */
  readonly requireFresh?: boolean;
  /** What needs fresh data, for the refusal message (e.g. `weft catalogue export`). */
  readonly purpose?: string;
  /** Do not touch the network: use the cache (a stale warning) or fail. */
  readonly offline?: boolean;
}

/** The two ways out of a missing catalogue, for error messages. */
export const CATALOGUE_REMEDY =
  'go online and run `weft init` to fetch and cache the catalogue, or use a local catalogue file ("catalogue": { "file": "…" } in .weft/config.json)';

/**
 * Loads a remote catalogue. Fetched (with retries): validated — an invalid document is
 * CATALOGUE_INVALID, never a reason to use the cache — then written to the cache (a failed write
 * is a warning), provenance `fresh`. Network down (or `offline`): the cached copy, provenance
 * `cached` with its snapshot time and a CATALOGUE_STALE warning; with no usable cache,
 * CATALOGUE_UNAVAILABLE naming the ways out. With `requireFresh`, a cached copy is refused
 * (CATALOGUE_STALE).
 * @example
 * const { document, provenance, warnings } = await loadRemoteCatalogue({ url, cache: memoryCatalogueCache() });
 */
export async function loadRemoteCatalogue(o: LoadCatalogueOptions): Promise<LoadedCatalogue> {
  const now = o.now ?? Date.now;
  let reason: string;
  let attempts = 0;
  if (o.offline) {
    reason = 'offline mode is on';
  } else {
    const fetched = await fetchCatalogueText(o.url, {
      fetch: o.fetch ?? globalThis.fetch,
      clock: o.clock ?? systemClock,
      ...(o.retry ? { retry: o.retry } : {}),
      ...(o.random ? { random: o.random } : {}),
    });
    attempts = fetched.attempts;
    if (fetched.ok) return await storeFresh(o, fetched.text, fetched.attempts, new Date(now()).toISOString());
    reason = `${o.url} could not be reached after ${fetched.attempts} attempt${fetched.attempts === 1 ? '' : 's'} (${fetched.reason})`;
  }
  if (o.requireFresh) {
    const cached = await readCache(o);
    const also = cached.ok ? ` A cached copy from ${cached.entry.fetchedAt} exists, but` : ' And';
    throw new WeftError(
      'CATALOGUE_STALE',
      `${o.purpose ?? 'this command'} needs a fresh catalogue: ${reason}.${also} committed artefacts are never made from a cached catalogue: go online and try again.`,
      {
        data: {
          url: o.url,
          reason,
          attempts,
          ...(cached.ok ? { cachedSnapshotAt: cached.entry.fetchedAt } : {}),
        },
      },
    );
  }
  const cached = await readCache(o);
  if (!cached.ok) {
    throw new WeftError(
      'CATALOGUE_UNAVAILABLE',
      `no catalogue to use: ${reason}, and ${cached.reason} (${o.cache.location}). To fix it, ${CATALOGUE_REMEDY}.`,
      {
        data: { url: o.url, reason, attempts, cache: o.cache.location, cacheProblem: cached.reason },
      },
    );
  }
  const { fetchedAt, document } = cached.entry;
  const age = describeAge(now() - Date.parse(fetchedAt));
  return {
    document,
    provenance: {
      source: 'cached',
      kind: 'url',
      location: o.url,
      snapshotAt: fetchedAt,
      attempts,
      reason,
      cache: o.cache.location,
    },
    warnings: [
      {
        code: 'CATALOGUE_STALE',
        message: `using the cached catalogue of ${o.url} from ${fetchedAt} (${age} old), because ${reason}`,
      },
    ],
  };
}

async function storeFresh(
  o: LoadCatalogueOptions,
  text: string,
  attempts: number,
  fetchedAt: string,
): Promise<LoadedCatalogue> {
  const document = parseCatalogue(text, o.url);
  const warnings: CatalogueWarning[] = [];
  try {
    await o.cache.write(encodeCacheEntry({ url: o.url, fetchedAt, text }));
  } catch (e) {
    warnings.push({
      code: 'CATALOGUE_CACHE_WRITE',
      message: `the catalogue was fetched, but its cache could not be written (${o.cache.location}: ${(e as Error).message}); offline runs will not find it`,
    });
  }
  return {
    document,
    provenance: {
      source: 'fresh',
      kind: 'url',
      location: o.url,
      snapshotAt: fetchedAt,
      attempts,
      cache: o.cache.location,
    },
    warnings,
  };
}

/** Reads and decodes the cache entry of `o.url`; a missing or unreadable one is unusable, with the reason. */
export async function readCache(o: {
  readonly url: string;
  readonly cache: CatalogueCache;
}): Promise<CacheVerdict> {
  let text: string | undefined;
  try {
    text = await o.cache.read();
  } catch (e) {
    return { ok: false, reason: `the cache cannot be read (${(e as Error).message})` };
  }
  if (text === undefined) return { ok: false, reason: 'there is no cached copy' };
  return decodeCacheEntry(text, o.url);
}

/**
 * A catalogue from a local file's text: provenance `fresh`, kind `file`. Throws CATALOGUE_INVALID.
 * @example
 * const loaded = catalogueFromFile(readFileSync(path, 'utf8'), path);
 */
export function catalogueFromFile(text: string, path: string, now: () => number = Date.now): LoadedCatalogue {
  return {
    document: parseCatalogue(text, path),
    provenance: {
      source: 'fresh',
      kind: 'file',
      location: path,
      snapshotAt: new Date(now()).toISOString(),
      attempts: 0,
    },
    warnings: [],
  };
}

/** "3 days", "5 hours", "12 minutes", "40 seconds". */
export function describeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const unit = (n: number, u: string): string => `${n} ${u}${n === 1 ? '' : 's'}`;
  if (s < 120) return unit(s, 'second');
  if (s < 7200) return unit(Math.round(s / 60), 'minute');
  if (s < 172_800) return unit(Math.round(s / 3600), 'hour');
  return unit(Math.round(s / 86_400), 'day');
}
