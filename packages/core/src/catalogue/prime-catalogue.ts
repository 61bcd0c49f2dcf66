import { isWeftError } from '../errors/weft-error.js';
import {
  loadRemoteCatalogue,
  readCache,
  type CatalogueWarning,
  type LoadCatalogueOptions,
} from './load-catalogue.js';

/** What priming the cache achieved, judged by reading the cache back. */
export interface PrimeReport {
  readonly url: string;
  readonly cache: string;
  /** True only when the cache, read back and validated, holds the snapshot just fetched. */
  readonly primed: boolean;
  /** Why it is not primed: the network failure, or what reading the cache back found. */
  readonly reason?: string;
  readonly snapshotAt?: string;
  readonly processors?: number;
  readonly profiles?: number;
  readonly attempts: number;
  readonly warnings: readonly CatalogueWarning[];
}

/**
 * Fetches the catalogue fresh, writes the cache, then reads the cache back and validates it: the
 * cache counts as primed only if what is on disk decodes, validates and is the snapshot just
 * fetched. A network failure gives `primed: false` with the reason (the caller warns); an invalid
 * document (CATALOGUE_INVALID) or a refusing server (CATALOGUE_FETCH_FAILED) is thrown.
 * @example
 * const report = await primeCatalogue({ url, cache });
 * if (!report.primed) warn(report.reason);
 */
export async function primeCatalogue(
  o: Omit<LoadCatalogueOptions, 'requireFresh' | 'purpose'>,
): Promise<PrimeReport> {
  const base = { url: o.url, cache: o.cache.location };
  let loaded;
  try {
    loaded = await loadRemoteCatalogue({ ...o, requireFresh: true, purpose: 'priming the catalogue cache' });
  } catch (e) {
    if (isWeftError(e) && e.code === 'CATALOGUE_STALE') {
      return {
        ...base,
        primed: false,
        reason: String(e.data['reason']),
        attempts: Number(e.data['attempts'] ?? 0),
        warnings: [],
      };
    }
    throw e;
  }
  const { provenance, warnings } = loaded;
  const back = await readCache(o);
  if (!back.ok)
    return {
      ...base,
      primed: false,
      reason: `reading the cache back: ${back.reason}`,
      attempts: provenance.attempts,
      warnings,
    };
  if (back.entry.fetchedAt !== provenance.snapshotAt) {
    return {
      ...base,
      primed: false,
      reason: `reading the cache back: it holds the snapshot of ${back.entry.fetchedAt}, not the one just fetched (${provenance.snapshotAt})`,
      attempts: provenance.attempts,
      warnings,
    };
  }
  const doc = back.entry.document;
  return {
    ...base,
    primed: true,
    snapshotAt: back.entry.fetchedAt,
    processors: Object.keys(doc.processors).length,
    profiles: Object.keys(doc.profiles ?? {}).length,
    attempts: provenance.attempts,
    warnings,
  };
}
