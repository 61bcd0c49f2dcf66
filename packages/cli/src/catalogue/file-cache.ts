import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogueCache } from '@weft/core/catalogue';
import { writeFileAtomic } from '../util/atomic.js';

/** The cache file of a catalogue URL: `.weft/cache/catalogue-<first 16 hex of sha256(url)>.json`. */
export function catalogueCachePath(root: string, url: string): string {
  return join(
    root,
    '.weft',
    'cache',
    `catalogue-${createHash('sha256').update(url).digest('hex').slice(0, 16)}.json`,
  );
}

/**
 * The catalogue cache as a file: written atomically (temporary file, flush, rename), so a crash
 * leaves the previous snapshot or the new one. A missing file (or a missing cache directory) is no
 * cache; other read errors are thrown, and make the cache unusable with their reason.
 * @example
 * const cache = fileCatalogueCache(catalogueCachePath(root, url));
 */
export function fileCatalogueCache(path: string): CatalogueCache {
  return {
    location: path,
    async read() {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw e;
      }
    },
    async write(text) {
      writeFileAtomic(path, text);
    },
  };
}
