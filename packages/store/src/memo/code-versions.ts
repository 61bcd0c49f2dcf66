import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MemoCall } from '@weft/core';

/**
 * The code version of a step: its declared `version`, else the SHA-256 of its module file (a bare
 * package specifier that cannot be read is versioned by its name). Module files are read once.
 */
export class CodeVersions {
  readonly #cache = new Map<string, string>();

  of(call: Pick<MemoCall, 'ref' | 'version'>): string {
    if (call.version !== null) return `v:${call.version}`;
    const mod = call.ref.module;
    let v = this.#cache.get(mod);
    if (v === undefined) {
      v = `h:${hashModule(mod)}`;
      this.#cache.set(mod, v);
    }
    return v;
  }
}

function hashModule(mod: string): string {
  try {
    const path = mod.startsWith('file:') ? fileURLToPath(mod) : fileURLToPath(import.meta.resolve(mod));
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return `name:${mod}`;
  }
}
