// `checkStore` finds damaged pages; `repairStore` salvages what can be read into a new file,
// keeping the damaged one aside; the store then opens and serves what was salvaged.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkStore, openStore, repairStore } from '../src/index.js';
import { pagesOf, smashPages } from './support.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function filled(n: number): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'weft-repair-'));
  const d = join(dir, '.weft');
  const s = await openStore(d);
  for (let i = 0; i < n; i++) s.memo.put(`key-${String(i).padStart(6, '0')}`, { i, text: `value ${i}` });
  await s.runs.put({
    runId: 'r',
    pipeline: 'p',
    module: null,
    planId: 'x',
    status: 'succeeded',
    startedAt: 1,
    input: 1,
  });
  await s.close();
  return d;
}

describe('check and repair', () => {
  it('reports a sound store as ok', async () => {
    const d = await filled(10);
    expect(checkStore(d)).toMatchObject({ ok: true, problems: [], schema: 2, runs: 1 });
  });

  it('finds damaged index pages and salvages every row into a new file, the old one kept aside', async () => {
    const d = await filled(5000);
    const db = join(d, 'weft.db');
    const pages = pagesOf(db, 'sqlite_autoindex_memo_1');
    expect(pages.length).toBeGreaterThan(10);
    smashPages(db, pages.slice(2, 8));
    const check = checkStore(d);
    expect(check.ok).toBe(false);
    expect(check.problems.length).toBeGreaterThan(0);
    const r = repairStore(d);
    expect(existsSync(r.keptAside)).toBe(true);
    expect(r.tables['memo']).toMatchObject({ copied: 5000, lost: false });
    expect(checkStore(d)).toMatchObject({ ok: true });
    const s = await openStore(d);
    try {
      for (const i of [0, 1234, 4999])
        expect(s.memo.get(`key-${String(i).padStart(6, '0')}`)).toEqual({ value: { i, text: `value ${i}` } });
      expect((await s.runs.get('r'))?.status).toBe('succeeded');
    } finally {
      await s.close();
    }
  });

  it('salvages the rows around damaged table pages', async () => {
    const d = await filled(5000);
    const db = join(d, 'weft.db');
    const pages = pagesOf(db, 'memo');
    smashPages(db, pages.slice(Math.floor(pages.length / 2), Math.floor(pages.length / 2) + 3));
    expect(checkStore(d).ok).toBe(false);
    const r = repairStore(d);
    expect(r.tables['memo']!.lost).toBe(true);
    expect(r.tables['memo']!.copied).toBeGreaterThan(4000);
    const s = await openStore(d);
    try {
      expect(s.memo.get('key-000000')).toEqual({ value: { i: 0, text: 'value 0' } });
      expect(s.memo.get('key-004999')).toEqual({ value: { i: 4999, text: 'value 4999' } });
    } finally {
      await s.close();
    }
  });
});
