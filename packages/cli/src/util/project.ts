import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where the project root search ended, and a `.weft/` it refused (owned by someone else). */
export interface ProjectRoot {
  readonly root: string;
  /** A `.weft/` the search passed over because it, or the directory holding it, belongs to another user. */
  readonly ignored?: { readonly dir: string; readonly owner: number };
}

/** The uid of this process (undefined where there are none: Windows). */
const myUid = (): number | undefined => process.getuid?.();

/**
 * The project root: the nearest directory, from `start` up, that holds a `.weft/` directory;
 * otherwise `start` itself (where `.weft/` is then created). Like git's safe.directory, the search
 * stops at a directory that belongs to another user: a `.weft/` planted in a shared parent (the
 * system's temporary directory, say) never captures runs started below it; `ignored` says so.
 */
export function projectRoot(start: string = process.cwd(), uid = myUid()): ProjectRoot {
  const here = resolve(start);
  let dir = here;
  for (;;) {
    const candidate = join(dir, '.weft');
    let foreign: number | undefined;
    if (dir !== here) {
      try {
        const holder = statSync(dir).uid;
        if (uid !== undefined && holder !== uid) foreign = holder;
      } catch {
        foreign = -1;
      }
    }
    if (existsSync(candidate) && statSync(candidate).isDirectory()) {
      const owner = statSync(candidate).uid;
      if (uid !== undefined && owner !== uid) foreign = owner;
      if (foreign === undefined) return { root: dir };
      return { root: here, ignored: { dir: candidate, owner: foreign } };
    }
    const up = dirname(dir);
    if (foreign !== undefined || up === dir) return { root: here };
    dir = up;
  }
}

/** The project root (see {@link projectRoot}). */
export function findProjectRoot(start: string = process.cwd()): string {
  return projectRoot(start).root;
}

/** The `.weft/` directory of a project (created 0700 when missing). */
export function weftDir(root: string): string {
  const dir = join(root, '.weft');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Per-run files of the CLI (metrics) beside the store's audit log: `.weft/runs/<id>/` (0700). */
export function runDir(root: string, runId: string): string {
  const dir = join(root, '.weft', 'runs', runId);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
