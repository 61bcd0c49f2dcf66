import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { basename } from 'node:path';

let counter = 0;

/**
 * Writes a file atomically: the bytes go to a temporary file in the same directory, are flushed,
 * and the file is renamed over the target. A crash leaves either the old file or the new one,
 * never a half-written one. `mode` (default 0666, less the umask) applies to a new file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o666): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
