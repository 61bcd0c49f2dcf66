import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { MemoCall, StepMemo } from '@weft/core';
import { stableHash } from '@weft/store';
import type { SqliteRunStore } from '../store/sqlite-store.js';

/** Counts of what the memo did in one session. */
export interface MemoStats {
  hits: number;
  misses: number;
  stored: number;
}

/**
 * The code version of a step: its declared `version`, else the SHA-256 of its module file
 * (a bare package specifier that cannot be read is versioned by its name).
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

/**
 * The idempotency hook backed by the SQLite store: a key is the hash of the step's code version,
 * export, parameters and input (plus a salt: the output directory). The run state is not part of
 * the key: a step whose result depends on `ctx.state` declares `cache: false` (or a `version`).
 * Completed keys return their stored output; checkpoints are kept per key until it completes.
 */
export function sqliteMemo(
  store: SqliteRunStore,
  options: { salt: unknown; stats: MemoStats; versions?: CodeVersions },
): StepMemo {
  const versions = options.versions ?? new CodeVersions();
  const { stats } = options;
  return {
    key(call) {
      try {
        return stableHash({
          v: 1,
          kind: call.kind,
          code: versions.of(call),
          export: call.ref.export,
          pipeline: call.ref.pipeline ?? null,
          params: call.params,
          input: call.input,
          salt: options.salt,
        });
      } catch {
        return undefined;
      }
    },
    get(key) {
      const hit = store.output(key);
      if (hit) stats.hits++;
      else stats.misses++;
      return hit;
    },
    put(key, value) {
      store.putOutput(key, value);
      stats.stored++;
    },
    checkpoint(key, value) {
      store.putCheckpoint(key, value);
    },
    lastCheckpoint(key) {
      return store.checkpoint(key);
    },
  };
}
