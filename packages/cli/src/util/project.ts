import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The project root: the nearest directory, from `start` up, that holds a `.weft/` directory;
 * otherwise `start` itself (where `.weft/` is then created).
 */
export function findProjectRoot(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, '.weft');
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(start);
    dir = up;
  }
}

/** The `.weft/` directory of a project (created when missing). */
export function weftDir(root: string): string {
  const dir = join(root, '.weft');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Per-run files: audit log and metrics. */
export function runDir(root: string, runId: string): string {
  const dir = join(root, '.weft', 'runs', runId);
  mkdirSync(dir, { recursive: true });
  return dir;
}
