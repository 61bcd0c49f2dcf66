import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WeftError, resolveModule } from '@weft/core';
import {
  catalogueFromFile,
  loadRemoteCatalogue,
  primeCatalogue,
  type FetchLike,
  type LoadedCatalogue,
  type PrimeReport,
} from '@weft/core/catalogue';
import { loadProjectConfig, type CatalogueSetting } from './config.js';
import { catalogueCachePath, fileCatalogueCache } from './file-cache.js';

/** How a command wants the catalogue. */
export interface CatalogueAccessOptions {
  /** Never touch the network: use the cache (with a stale warning). */
  readonly offline?: boolean;
  /** Refuse a cached copy (commands that produce committed artefacts). */
  readonly requireFresh?: boolean;
  /** What needs fresh data, for the refusal message. */
  readonly purpose?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Injected fetch (tests); default the global one. */
  readonly fetch?: FetchLike;
}

/** The project's catalogue: where it comes from, and how to load it (once). */
export interface CatalogueAccess {
  readonly root: string;
  readonly setting: CatalogueSetting;
  /** Loads (fetches or reads) the catalogue; memoised, so one command fetches at most once. */
  load(): Promise<LoadedCatalogue>;
  /** Resolves a catalogue module specifier: relative paths against the catalogue file, or the project root for a remote catalogue. */
  resolveModule(specifier: string): string;
}

/** True inside a `weft … --offline` process (the offline guard is preloaded). */
export function offlineProcess(): boolean {
  return (globalThis as Record<string, unknown>)['__weftOffline'] === true;
}

/** The catalogue configured for the project at `root`, or null when none is (no fetch, no file read). */
export function projectCatalogue(root: string, options: CatalogueAccessOptions = {}): CatalogueAccess | null {
  const setting = loadProjectConfig(root, options.env).catalogue;
  return setting ? openCatalogue(root, setting, options) : null;
}

/** Access to one configured catalogue. */
export function openCatalogue(
  root: string,
  setting: CatalogueSetting,
  options: CatalogueAccessOptions = {},
): CatalogueAccess {
  let loaded: Promise<LoadedCatalogue> | undefined;
  const base =
    setting.kind === 'file'
      ? pathToFileURL(setting.path).href
      : pathToFileURL(root.endsWith(sep) ? root : root + sep).href;
  return {
    root,
    setting,
    load: () =>
      (loaded ??=
        setting.kind === 'file'
          ? Promise.resolve().then(() => readCatalogueFile(setting.path))
          : loadRemote(root, setting, options)),
    resolveModule: (specifier) => resolveModule(specifier, base),
  };
}

function loadRemote(
  root: string,
  setting: Extract<CatalogueSetting, { kind: 'url' }>,
  o: CatalogueAccessOptions,
): Promise<LoadedCatalogue> {
  return loadRemoteCatalogue({
    url: setting.url,
    cache: fileCatalogueCache(catalogueCachePath(root, setting.url)),
    retry: setting.retry,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(o.requireFresh ? { requireFresh: true } : {}),
    ...(o.purpose !== undefined ? { purpose: o.purpose } : {}),
  });
}

function readCatalogueFile(path: string): LoadedCatalogue {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new WeftError(
      'CATALOGUE_UNAVAILABLE',
      `the catalogue file ${path} ${missing ? 'does not exist' : `cannot be read (${(e as Error).message})`}: create it, or fix "catalogue.file" in .weft/config.json`,
      {
        data: { file: path },
      },
    );
  }
  return catalogueFromFile(text, path);
}

/** Primes the cache of a remote catalogue (see `primeCatalogue`): fetch, write, read back, validate. */
export function primeProjectCatalogue(
  root: string,
  setting: Extract<CatalogueSetting, { kind: 'url' }>,
  options: CatalogueAccessOptions = {},
): Promise<PrimeReport> {
  return primeCatalogue({
    url: setting.url,
    cache: fileCatalogueCache(catalogueCachePath(root, setting.url)),
    retry: setting.retry,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
