// Reading and writing a project's machine tuning profile (`.weft/tuning.json`). Light on purpose:
// `weft run` imports this module (as `@weft/bench/tuning`) without loading any suite.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  MACHINE_TUNING_FILE,
  WeftError,
  encodeMachineTuning,
  parseMachineTuning,
  type EngineTuning,
  type MachineTuning,
} from '@weft/core';

/** A profile read from a file. */
export interface LoadedTuning {
  /** The file it was read from. */
  readonly path: string;
  readonly profile: MachineTuning;
}

/** Where a project keeps its profile: `<root>/.weft/tuning.json`. */
export function tuningProfilePath(root: string): string {
  return join(root, MACHINE_TUNING_FILE);
}

/**
 * Reads `<root>/.weft/tuning.json`: undefined when there is none, TUNING_INVALID (every problem
 * listed) when it cannot be read or is not a valid profile. Never half-uses a damaged file.
 * @example
 * const loaded = await loadTuningProfile(process.cwd());
 * const engine = createEngine(loaded ? { tuning: engineTuning(loaded) } : {});
 */
export async function loadTuningProfile(root: string): Promise<LoadedTuning | undefined> {
  const path = tuningProfilePath(root);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WeftError('TUNING_INVALID', `cannot read the tuning profile ${path}: ${(e as Error).message}`, {
      cause: e,
      data: { location: path, problems: [(e as Error).message] },
    });
  }
  return { path, profile: parseMachineTuning(text, path) };
}

/** What an engine takes (`EngineOptions.tuning`) from a loaded profile. */
export function engineTuning(loaded: LoadedTuning): EngineTuning {
  return { profile: loaded.path, values: loaded.profile.values };
}

/**
 * Writes the profile to `<root>/.weft/tuning.json` atomically: a temporary file in the same
 * directory, flushed to disk, then renamed over the old one (a crash leaves the old profile or the
 * new one, never a torn file). Returns the path.
 */
export async function writeTuningProfile(root: string, profile: MachineTuning): Promise<string> {
  const path = tuningProfilePath(root);
  const text = encodeMachineTuning(profile);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return path;
}
