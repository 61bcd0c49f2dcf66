import { WeftError, isWeftError } from '@weft/core';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'SQLITE_FULL']);
const CORRUPT = /^SQLITE_(CORRUPT|NOTADB)|^SQLITE_IOERR_SHORT_READ$/;
const REPAIR =
  'run `weft store check`, then `weft store repair` (it salvages what can be read into a new file and keeps this one aside)';

/**
 * A failure of the disk or the database as a coded error: STORE_FULL (disk full, the size cap),
 * STORE_CORRUPT (damaged pages, a foreign file), STORE_IO (everything else: EIO, read-only,
 * permissions, a locked database). Weft errors pass through unchanged.
 */
export function storeError(e: unknown, file: string, what: string): WeftError {
  if (isWeftError(e)) return e;
  const code = (e as { code?: unknown }).code;
  const c = typeof code === 'string' ? code : undefined;
  const data = { file, ...(c ? { cause: c } : {}) };
  const msg = (e as Error)?.message ?? String(e);
  if (c && FULL.has(c))
    return new WeftError(
      'STORE_FULL',
      `the store ${file} is full while ${what} (${c === 'SQLITE_FULL' ? 'disk full, or its size cap reached' : c}): free space (weft runs prune), then resume the run`,
      { cause: e, data },
    );
  if (c && CORRUPT.test(c))
    return new WeftError('STORE_CORRUPT', `the store ${file} is damaged (${c}) while ${what}: ${REPAIR}`, {
      cause: e,
      data,
    });
  return new WeftError('STORE_IO', `the store ${file} failed while ${what}: ${msg}`, { cause: e, data });
}

/** Runs `fn`, mapping what it throws with {@link storeError}. */
export function guarded<T>(file: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw storeError(e, file, what);
  }
}

export { REPAIR };
