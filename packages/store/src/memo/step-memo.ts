import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { StepMemo } from '@weft/core';
import type { Store, WrittenFile } from '@weft/core/store';
import { CodeVersions } from './code-versions.js';
import { stableHash } from './stable-hash.js';

/** Counts of what a memo did (hits, misses, stored values, hits refused because a written file changed). */
export interface MemoStats {
  hits: number;
  misses: number;
  stored: number;
  staleFiles: number;
}

/** Options of {@link stepMemo}. */
export interface StepMemoOptions {
  /**
   * `global` (default): the cross-run cache (a second run over the same input does no work).
   * `run`: keys are salted with the run id, so only the same run's later sessions hit them: the
   * checkpoints a crashed or failed run resumes from without a cross-run cache (`weft run --no-cache`).
   */
  readonly scope?: 'global' | 'run';
  /** Extra data every key depends on (the CLI: the output directory). */
  readonly salt?: unknown;
  /** Where the files steps declare (`writes`) are, when relative (default: the current directory). */
  readonly filesRoot?: string;
  /** Filled as the memo works. */
  readonly stats?: MemoStats;
  readonly versions?: CodeVersions;
}

/**
 * The engine's idempotency hook (`EngineOptions.memo`) over a store's memo: an invocation's key is
 * the hash of its step's code version, export, parameters and input (and the salt; with `scope:
 * 'run'`, the run id). The run state is not part of the key: a step whose result depends on
 * `ctx.state` declares `cache: false` (or a `version`). A step that declares the files it `writes`
 * is a hit only while each of them is present with the content it had when the value was stored.
 * @example
 * const store = await openStore('.weft');
 * const engine = createEngine({ store, memo: stepMemo(store) });
 */
export function stepMemo(store: Store, o: StepMemoOptions = {}): StepMemo {
  const versions = o.versions ?? new CodeVersions();
  const stats = o.stats ?? { hits: 0, misses: 0, stored: 0, staleFiles: 0 };
  const root = o.filesRoot ?? process.cwd();
  const scoped = o.scope === 'run';
  const salt = o.salt ?? null;
  /** Keys whose node declares files, with their absolute paths (until the value is stored). */
  const writes = new Map<string, string[]>();
  const runs = new Map<string, string>();
  const fresh = new FreshRuns(store);
  return {
    key(call) {
      let key: string;
      try {
        key = stableHash({
          v: 1,
          kind: call.kind,
          code: versions.of(call),
          export: call.ref.export,
          pipeline: call.ref.pipeline ?? null,
          params: call.params,
          input: call.input,
          salt,
          ...(scoped ? { run: call.runId } : {}),
        });
      } catch {
        return undefined;
      }
      if (call.writes && call.writes.length > 0)
        writes.set(
          key,
          call.writes.map((f) => (isAbsolute(f) ? f : resolve(root, f))),
        );
      if (scoped) runs.set(key, call.runId);
      return key;
    },
    get(key) {
      const runId = runs.get(key);
      if (runId !== undefined && fresh.miss(runId, key)) {
        stats.misses++;
        return undefined;
      }
      const hit = store.memo.get(key);
      if (hit && hit.files && !hit.files.every(unchanged)) {
        stats.staleFiles++;
        stats.misses++;
        return undefined;
      }
      if (hit) {
        stats.hits++;
        writes.delete(key);
        runs.delete(key);
        return { value: hit.value };
      }
      stats.misses++;
      return undefined;
    },
    put(key, value) {
      const declared = writes.get(key);
      const files = declared?.flatMap((path): WrittenFile[] => {
        const sha256 = fileHash(path);
        return sha256 === undefined ? [] : [{ path, sha256 }];
      });
      const runId = runs.get(key);
      store.memo.put(key, value, {
        ...(files ? { files } : {}),
        ...(runId !== undefined ? { runId } : {}),
      });
      if (runId !== undefined) fresh.put(runId, key);
      writes.delete(key);
      runs.delete(key);
      stats.stored++;
    },
    checkpoint(key, value) {
      const runId = runs.get(key);
      store.memo.putCheckpoint(key, value, runId !== undefined ? { runId } : {});
    },
    lastCheckpoint(key) {
      return store.memo.checkpoint(key);
    },
  };
}

/** Runs remembered as fresh at most (older ones fall back to lookups), and keys per run. */
const FRESH_RUNS = 16;
const FRESH_KEYS = 1_000_000;

/**
 * Run-scoped keys of runs that had nothing stored when they first asked (their first session):
 * such a key can only be one this memo put, so the others are misses without a lookup (100,000
 * map items: 100,000 index probes saved). Anything unsure (a resumed run, a forgotten run, too
 * many keys) falls back to looking up.
 */
class FreshRuns {
  readonly #store: Store;
  /** runId → the keys this memo put for it (a fresh run), or null (look up). */
  readonly #runs = new Map<string, Set<string> | null>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** True when `key` of `runId` is surely not stored. */
  miss(runId: string, key: string): boolean {
    const own = this.#own(runId);
    return own !== null && !own.has(key);
  }

  put(runId: string, key: string): void {
    const own = this.#runs.get(runId);
    if (!own) return;
    own.add(key);
    if (own.size > FRESH_KEYS) this.#runs.set(runId, null);
  }

  #own(runId: string): Set<string> | null {
    let own = this.#runs.get(runId);
    if (own === undefined) {
      own = this.#store.memo.hasRun?.(runId) === false ? new Set() : null;
      this.#runs.set(runId, own);
      if (this.#runs.size > FRESH_RUNS) this.#runs.delete(this.#runs.keys().next().value!);
    }
    return own;
  }
}

function unchanged(f: WrittenFile): boolean {
  return fileHash(f.path) === f.sha256;
}

function fileHash(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}
