import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { WeftError } from '@weft/core';
import { readJson } from '../run/load-pipeline.js';

/**
 * Reads `--input`: `@file.json` (parsed), `@file.txt` (the text), or an inline value (JSON when it
 * parses, else the string itself). A missing file is INPUT_INVALID.
 */
export function parseInput(value: string | undefined, cwd = process.cwd()): unknown {
  if (value === undefined) return undefined;
  if (value.startsWith('@')) {
    const file = resolve(cwd, value.slice(1));
    if (extname(file).toLowerCase() === '.json') return readJson(file, 'INPUT_INVALID');
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new WeftError(
        'INPUT_INVALID',
        `cannot read input file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
        { data: { file } },
      );
    }
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
