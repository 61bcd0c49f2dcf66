import { join } from 'node:path';
import { findProjectRoot, weftDir } from '../util/project.js';
import { SqliteRunStore } from './sqlite-store.js';

/** Opens the run store of the project around the current directory (`.weft/weft.db`). */
export function openProjectStore(cwd = process.cwd()): { root: string; store: SqliteRunStore } {
  const root = findProjectRoot(cwd);
  const store = SqliteRunStore.open(join(weftDir(root), 'weft.db'));
  return { root, store };
}
