import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Creates a directory (and its parents) readable by its owner only (0700). */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    // not ours to change (a shared parent): the files in it are still 0600
  }
}

let tmpSeq = 0;

/**
 * Writes `parts` to `file` atomically (a temporary file, fsynced, then renamed), readable by its
 * owner only (0600). Each part is written as it is: large buffers are never joined.
 */
export function writePrivateAtomic(file: string, parts: readonly Uint8Array[]): void {
  privateDir(dirname(file));
  const tmp = `${file}.${process.pid}.${++tmpSeq}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    for (const p of parts) {
      let off = 0;
      while (off < p.byteLength) off += writeSync(fd, p, off, p.byteLength - off);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
