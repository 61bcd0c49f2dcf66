import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModuleRef } from './wire.js';

/**
 * Code identity across machines. Steps are found by module and name, so every worker must hold the
 * same code: a task names its step's module relative to the code root (the project directory, the
 * same on every machine up to where it is installed) with the SHA-256 of the module file, and a
 * worker that holds other bytes refuses the task (CODE_MISMATCH). Only the module the step is found
 * in is hashed, not what it imports: deploy whole releases (same image, same package versions).
 * A module that is not a file (a bare specifier) travels as is, unhashed.
 */
export class CodeIdentity {
  readonly root: string;
  readonly #hashes = new Map<string, string>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Coordinator side: how to name `module` (a file URL or path) to a worker. */
  describe(module: string): ModuleRef {
    const file = toFile(module);
    if (file === undefined) return { url: module, hash: '' };
    const hash = this.hash(file);
    const rel = relative(this.root, file);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel))
      return { rel: rel.split(sep).join('/'), hash };
    return { url: pathToFileURL(file).href, hash };
  }

  /** Worker side: the module URL this worker holds for `ref`, and the hash of its bytes ('' when absent). */
  locate(ref: ModuleRef): { readonly url: string; readonly hash: string } {
    if (ref.rel !== undefined) {
      const file = resolve(this.root, ...ref.rel.split('/'));
      return { url: pathToFileURL(file).href, hash: this.hash(file) };
    }
    const url = ref.url ?? '';
    const file = toFile(url);
    return { url, hash: file === undefined ? '' : this.hash(file) };
  }

  /** SHA-256 of a file, hex ('' when it cannot be read); cached for the life of the process. */
  hash(file: string): string {
    let h = this.#hashes.get(file);
    if (h === undefined) {
      try {
        h = createHash('sha256').update(readFileSync(file)).digest('hex');
      } catch {
        h = '';
      }
      this.#hashes.set(file, h);
    }
    return h;
  }
}

function toFile(module: string): string | undefined {
  if (module.startsWith('file:')) {
    try {
      return fileURLToPath(module);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(module) ? module : undefined;
}
