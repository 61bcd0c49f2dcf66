// stepMemo: keys, the cross-run and run-scoped caches, and the lookups a fresh run skips.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoCall } from '@weft/core';
import { memoryStore, stepMemo, type MemoStats, type Store } from '../src/index.js';

const call = (runId: string, input: unknown, writes?: string[]): MemoCall => ({
  kind: 'item',
  pipeline: 'p',
  path: [],
  node: 'n',
  ref: { module: 'file:///nowhere/steps.mjs', export: 'n' },
  version: 'v1',
  params: {},
  state: {},
  input,
  runId,
  ...(writes ? { writes } : {}),
});

/** A memory store whose memo counts the lookups that reach it. */
function counted(): { store: Store; lookups: () => number } {
  const store = memoryStore();
  let n = 0;
  const get = store.memo.get.bind(store.memo);
  store.memo.get = (key) => {
    n++;
    return get(key);
  };
  return { store, lookups: () => n };
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('stepMemo', () => {
  it('global scope: a second run over the same input hits; another input misses', () => {
    const { store } = counted();
    const stats: MemoStats = { hits: 0, misses: 0, stored: 0, staleFiles: 0 };
    const memo = stepMemo(store, { stats });
    const k1 = memo.key(call('run-1', { x: 1 }))!;
    expect(memo.get(k1)).toBeUndefined();
    memo.put(k1, 42);
    const k2 = memo.key(call('run-2', { x: 1 }))!;
    expect(k2).toBe(k1);
    expect(memo.get(k2)).toEqual({ value: 42 });
    expect(memo.get(memo.key(call('run-2', { x: 2 }))!)).toBeUndefined();
    expect(stats).toMatchObject({ hits: 1, misses: 2, stored: 1 });
  });

  it('run scope: a fresh run looks up only what it put; a resumed run finds its entries', () => {
    const { store, lookups } = counted();
    const memo = stepMemo(store, { scope: 'run' });
    const keys = Array.from({ length: 100 }, (_, i) => memo.key(call('r1', { i }))!);
    for (const k of keys) expect(memo.get(k)).toBeUndefined();
    expect(lookups()).toBe(0);
    for (const k of keys.slice(0, 60)) memo.put(k, 'done');
    // The same key asked again in the same run (a loop) is found: it was put by this memo.
    expect(memo.get(memo.key(call('r1', { i: 0 }))!)).toEqual({ value: 'done' });
    expect(lookups()).toBe(1);
    // Another run does not see r1's entries.
    expect(memo.get(memo.key(call('r2', { i: 0 }))!)).toBeUndefined();

    // A later session (a new process: a new stepMemo) of r1 looks up and hits what was stored.
    const again = stepMemo(store, { scope: 'run' });
    const hits = Array.from({ length: 100 }, (_, i) => again.get(again.key(call('r1', { i }))!));
    expect(hits.filter((h) => h !== undefined)).toHaveLength(60);
    expect(lookups()).toBe(101);
  });

  it('a step that declares the files it writes hits only while they are unchanged', () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-memo-'));
    const { store } = counted();
    const memo = stepMemo(store, { filesRoot: dir });
    writeFileSync(join(dir, 'out.csv'), 'a,b\n');
    const k = memo.key(call('r', 1, ['out.csv']))!;
    memo.put(k, 'wrote');
    expect(memo.get(memo.key(call('r', 1, ['out.csv']))!)).toEqual({ value: 'wrote' });
    writeFileSync(join(dir, 'out.csv'), 'edited\n');
    expect(memo.get(memo.key(call('r', 1, ['out.csv']))!)).toBeUndefined();
    rmSync(join(dir, 'out.csv'));
    expect(memo.get(memo.key(call('r', 1, ['out.csv']))!)).toBeUndefined();
  });
});
