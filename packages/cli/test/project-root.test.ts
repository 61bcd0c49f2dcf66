// The project root search stops at directories that belong to another user (as git's
// safe.directory does): a `.weft/` planted in a shared parent never captures runs below it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/util/project.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('projectRoot', () => {
  it('finds the nearest .weft/ of the user, up the tree', () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-root-'));
    mkdirSync(join(dir, '.weft'));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    const me = process.getuid?.();
    expect(projectRoot(join(dir, 'a', 'b'), me)).toEqual({ root: dir });
  });

  it('passes over a .weft/ in a directory of another user, says so, and uses the starting directory', () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-root-'));
    mkdirSync(join(dir, '.weft'));
    mkdirSync(join(dir, 'a'), { recursive: true });
    // Seen as a user who owns none of these directories.
    const other = (process.getuid?.() ?? 0) + 4242;
    const r = projectRoot(join(dir, 'a'), other);
    expect(r.root).toBe(join(dir, 'a'));
    expect(r.ignored).toMatchObject({ dir: join(dir, '.weft') });
  });

  it('stops at the first foreign directory even when no .weft/ is there', () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-root-'));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    const other = (process.getuid?.() ?? 0) + 4242;
    expect(projectRoot(join(dir, 'a', 'b'), other)).toEqual({ root: join(dir, 'a', 'b') });
  });
});
