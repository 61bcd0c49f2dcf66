// `--out DIR`: the directory is checked before the run starts, and the output is written (atomically,
// losslessly) before the run is recorded as succeeded. A file-system fault is OUTPUT_WRITE naming the
// path that failed and the cause; no partial file is left.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WeftError } from '@weft/core';
import { writeFileAtomic } from '../util/atomic.js';
import { stringifyOutput } from './lossless-json.js';

/** Name of the output file written in `--out`. */
export const OUTPUT_FILE = 'output.json';

function outputWrite(path: string, doing: string, cause: unknown): WeftError {
  const e = cause as NodeJS.ErrnoException;
  const reason = e.code ? `${e.code}: ${describeErrno(e.code) ?? e.message}` : String(e.message ?? e);
  return new WeftError('OUTPUT_WRITE', `cannot ${doing} ${path}: ${reason}`, {
    cause,
    data: { path, ...(e.code ? { errno: e.code } : {}), ...(e.syscall ? { syscall: e.syscall } : {}) },
  });
}

function describeErrno(code: string): string | undefined {
  return (
    {
      EROFS: 'the file system is read-only',
      EACCES: 'permission denied',
      EPERM: 'operation not permitted',
      ENOTDIR: 'a part of the path is a file, not a directory',
      EEXIST: 'a file is in the way',
      EISDIR: 'a directory is in the way',
      ENOSPC: 'no space left on the device',
      EDQUOT: 'disk quota exceeded',
      ENOENT: 'no such file or directory',
    } as Record<string, string>
  )[code];
}

/**
 * Creates the output directory if needed and checks that it can be written, before the run starts:
 * a path that is a file, under a file, on a read-only file system or not writable is OUTPUT_WRITE.
 * Directories are made one level at a time (Node's recursive mkdir loops forever under /proc).
 */
export function prepareOutDir(outDir: string): void {
  const missing: string[] = [];
  let dir = outDir;
  while (!existsSync(dir)) {
    missing.unshift(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    const err = Object.assign(new Error('not a directory'), { code: dir === outDir ? 'EEXIST' : 'ENOTDIR' });
    throw outputWrite(outDir, 'use the output directory', err);
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      throw outputWrite(outDir, 'create the output directory', e);
    }
  }
  try {
    accessSync(outDir, constants.W_OK);
  } catch (e) {
    throw outputWrite(outDir, 'write to the output directory', e);
  }
}

/**
 * Writes the run output atomically to `<outDir>/output.json` in the lossless encoding and returns
 * the file: NOT_SERIALIZABLE for a value the encoding refuses (nothing is written), OUTPUT_WRITE
 * (with the path and the cause) when the file system fails.
 */
export function writeOutput(outDir: string, output: unknown): string {
  const text = stringifyOutput(output);
  const file = join(outDir, OUTPUT_FILE);
  try {
    writeFileAtomic(file, text);
  } catch (e) {
    throw outputWrite(file, 'write the run output to', e);
  }
  return file;
}
