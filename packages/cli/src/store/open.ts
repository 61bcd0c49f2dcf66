import { join } from 'node:path';
import { WeftError } from '@weft/core';
import { isOwnerAlive, openStore, type Store } from '@weft/store';
import type { Io } from '../util/output.js';
import { noteTold } from '../run/interrupted-note.js';
import { projectRoot } from '../util/project.js';

/** The environment variable that caps the store's size (bytes; `k`, `m`, `g` suffixes). */
export const STORE_MAX_BYTES_ENV = 'WEFT_STORE_MAX_BYTES';

/** What the run source of the CLI records: how to start a run again (`weft resume`). */
export interface RunSource {
  /** Absolute path of the pipeline file (a .json declaration or a JS module). */
  readonly file: string;
  /** Export (JS module) chosen with `file#name`, if any. */
  readonly exportName: string | null;
  readonly outDir: string | null;
  readonly orchestrator: string;
  readonly offline: boolean;
  readonly cache: boolean;
}

/** The project's store, opened. */
export interface ProjectStore {
  readonly root: string;
  /** The store directory (`<root>/.weft`). */
  readonly dir: string;
  readonly store: Store;
}

/** The project root around `cwd`, with a warning when a `.weft/` of another user was passed over. */
export function projectDir(io: Io | undefined, cwd = process.cwd()): { root: string; dir: string } {
  const p = projectRoot(cwd);
  if (p.ignored)
    io?.warnings.push({
      code: 'PROJECT_UNSAFE',
      message: `ignored ${p.ignored.dir}: it belongs to another user (uid ${p.ignored.owner}), so it cannot hold this project's runs (as git's safe.directory); using ${join(p.root, '.weft')}`,
    });
  return { root: p.root, dir: join(p.root, '.weft') };
}

/**
 * Opens the run store of the project around `cwd` (`.weft/`: SQLite, 0700) and reconciles it: a
 * run left `running` by a process that is gone becomes `interrupted` (resumable), with a warning.
 */
export async function openProjectStore(io: Io | undefined, cwd = process.cwd()): Promise<ProjectStore> {
  const { root, dir } = projectDir(io, cwd);
  const maxBytes = storeCap();
  const store = await openStore(dir, {
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    onWarning: (w) => io?.warnings.push({ code: w.code, message: w.message }),
  });
  try {
    for (const runId of await store.runs.reconcile(isOwnerAlive)) {
      // A run whose process left a note was told by it already, with what ended it.
      if (noteTold(runId)) continue;
      io?.warnings.push({
        code: 'RUN_INTERRUPTED',
        message: `run ${runId} was left running by a process that is gone: it is now interrupted; continue it with: weft resume ${runId}`,
      });
    }
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return { root, dir, store };
}

/** The size cap from WEFT_STORE_MAX_BYTES, if set. */
function storeCap(): number | undefined {
  const v = process.env[STORE_MAX_BYTES_ENV];
  if (v === undefined || v === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(v.trim());
  if (!m)
    throw new WeftError(
      'CONFIG_INVALID',
      `${STORE_MAX_BYTES_ENV} must be a size in bytes (e.g. 500m), got "${v}"`,
    );
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * unit);
}
