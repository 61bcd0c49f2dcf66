import { isWeftError } from '@weft/core';
import type { Memo, MemoPutOptions, WrittenFile } from '@weft/core/store';
import { encodeValue, decodeValue, joinEncoded } from '../shared/value-codec.js';
import type { Values } from '../shared/values.js';

interface Entry {
  readonly hash: string;
  readonly files?: readonly WrittenFile[];
  readonly runId?: string;
  readonly savedAt: number;
}

/** The memo in memory: keys to value hashes (values stored once in the value store). */
export class MemoryMemo implements Memo {
  readonly #entries = new Map<string, Entry>();
  readonly #checkpoints = new Map<string, { bytes: Uint8Array; runId?: string; savedAt: number }>();
  readonly #values: Values;

  constructor(values: Values) {
    this.#values = values;
  }

  get(key: string): { readonly value: unknown; readonly files?: readonly WrittenFile[] } | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    let found: { readonly value: unknown } | undefined;
    try {
      found = this.#values.lookup(e.hash);
    } catch (err) {
      // Reported by the value store; the step runs again and its put stores the value anew.
      if (!isWeftError(err) || err.data['edited'] !== true) throw err;
    }
    if (!found) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.files ? { value: found.value, files: e.files } : { value: found.value };
  }

  put(key: string, value: unknown, o: MemoPutOptions = {}): void {
    const ref = this.#values.put(value);
    this.#entries.set(key, {
      hash: ref.$weftValue,
      ...(o.files ? { files: o.files } : {}),
      ...(o.runId !== undefined ? { runId: o.runId } : {}),
      savedAt: Date.now(),
    });
    this.#checkpoints.delete(key);
  }

  checkpoint(key: string): { readonly value: unknown } | undefined {
    const c = this.#checkpoints.get(key);
    return c ? { value: decodeValue(c.bytes) } : undefined;
  }

  putCheckpoint(key: string, value: unknown, o: { readonly runId?: string } = {}): void {
    const bytes = joinEncoded(encodeValue(value, 'a checkpoint'));
    this.#checkpoints.set(key, {
      bytes,
      ...(o.runId !== undefined ? { runId: o.runId } : {}),
      savedAt: Date.now(),
    });
  }

  flush(): void {}

  clear(): number {
    let n = 0;
    for (const [k, e] of this.#entries)
      if (e.runId === undefined) {
        this.#entries.delete(k);
        n++;
      }
    return n;
  }

  hasRun(runId: string): boolean {
    for (const e of this.#entries.values()) if (e.runId === runId) return true;
    for (const c of this.#checkpoints.values()) if (c.runId === runId) return true;
    return false;
  }

  /** Drops cross-run entries and checkpoints of no run stored at or before `before` (ms since the epoch). */
  expire(before: number): number {
    let n = 0;
    for (const [k, e] of this.#entries)
      if (e.runId === undefined && e.savedAt <= before) {
        this.#entries.delete(k);
        n++;
      }
    for (const [k, c] of this.#checkpoints)
      if (c.runId === undefined && c.savedAt <= before) this.#checkpoints.delete(k);
    return n;
  }

  /** Forgets a run's run-scoped entries and checkpoints. */
  forget(runId: string): void {
    for (const [k, e] of this.#entries) if (e.runId === runId) this.#entries.delete(k);
    for (const [k, c] of this.#checkpoints) if (c.runId === runId) this.#checkpoints.delete(k);
  }

  /** Value hashes the entries refer to. */
  refs(): string[] {
    return [...this.#entries.values()].map((e) => e.hash);
  }

  /** Test support: the hash a key's value is stored under. */
  hashOf(key: string): string | undefined {
    return this.#entries.get(key)?.hash;
  }
}
