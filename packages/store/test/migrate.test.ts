// A store written by the first release (test/e2e/fixtures/legacy-v1, made with its CLI) opens in
// this one with its runs, sessions, events, snapshot, cache and audit logs intact.
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, pipelineFromSpec } from '@weft/core';
import { isOwnerAlive, openStore, stepMemo, type MemoStats, type StoreWarning } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('../../../test/e2e/fixtures/legacy-v1/', import.meta.url));
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function legacyProject(): string {
  dir = mkdtempSync(join(tmpdir(), 'weft-legacy-'));
  cpSync(join(FIXTURE, 'weft'), join(dir, '.weft'), { recursive: true });
  return join(dir, '.weft');
}

describe('a store of the first release (schema 1)', () => {
  it('is migrated on open: runs, sessions, events renumbered across sessions, snapshot, audit', async () => {
    const warnings: StoreWarning[] = [];
    const store = await openStore(legacyProject(), { onWarning: (w) => void warnings.push(w) });
    try {
      expect(warnings.map((w) => w.code)).toEqual(['STORE_MIGRATED']);
      const runs = (await store.runs.query()).runs;
      expect(Object.fromEntries(runs.map((r) => [r.runId, r.status]))).toEqual({
        'legacy-sum': 'succeeded',
        'legacy-approval': 'succeeded',
        'legacy-waiting': 'suspended',
        'legacy-failed': 'failed',
        'legacy-crashed': 'running',
      });
      expect(await store.runs.reconcile(isOwnerAlive)).toEqual(['legacy-crashed']);
      expect((await store.runs.get('legacy-crashed'))?.status).toBe('interrupted');
      const sum = await store.runs.get('legacy-sum');
      expect(sum).toMatchObject({ output: 42, input: 6, sessions: 1, lastSeq: 16 });
      expect(sum?.source).toMatchObject({ exportName: null, outDir: null, cache: true });
      const approval = await store.runs.sessions('legacy-approval');
      expect(approval.map((s) => [s.session, s.kind, s.status, s.firstSeq, s.lastSeq])).toEqual([
        [1, 'start', 'suspended', 1, 4],
        [2, 'resume', 'succeeded', 5, 10],
      ]);
      const events = await store.events.read('legacy-approval', 0);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(events.map((e) => e.type)).toContain('run.suspend');
      expect(await store.events.lastId('legacy-approval')).toBe(10);
      // The first release's snapshot is kept as it was written (formatVersion 1, which the engine still reads).
      const snapshot = (await store.runs.loadSnapshot('legacy-waiting')) as unknown as
        { formatVersion: number; suspended: { node: string }[] } | undefined;
      expect(snapshot?.formatVersion).toBe(1);
      expect(snapshot?.suspended.map((s) => s.node)).toEqual(['ask']);
      for (const id of ['legacy-sum', 'legacy-approval', 'legacy-waiting', 'legacy-failed', 'legacy-crashed'])
        expect(store.audit.verify(id)).toMatchObject({ ok: true });
      expect(store.audit.verify('legacy-sum')).toMatchObject({ entries: 16 });
      const next = await store.runs.openSession('legacy-waiting', 'resume', store.owner);
      expect(next).toMatchObject({ session: 2, firstSeq: 5 });
    } finally {
      await store.close();
    }
    expect(statSync(join(dir!, '.weft', 'weft.db')).mode & 0o777).toBe(0o600);
  });

  it('keeps its cache: the same pipeline over the same input runs no step again', async () => {
    const store = await openStore(legacyProject());
    const file = join(FIXTURE, 'sum.json');
    const spec = pipelineFromSpec(JSON.parse(readFileSync(file, 'utf8')), {
      url: new URL(`file://${file}`).href,
    });
    if (!spec.ok) throw new Error(JSON.stringify(spec.problems));
    const stats: MemoStats = { hits: 0, misses: 0, stored: 0, staleFiles: 0 };
    const engine = createEngine({ store, memo: stepMemo(store, { salt: { outDir: null }, stats }) });
    try {
      const r = await engine.execute(spec.pipeline, 6, { runId: 'again' });
      expect(r.error).toBeUndefined();
      expect(r.output).toBe(42);
      expect(stats).toMatchObject({ misses: 0, stored: 0 });
      expect(stats.hits).toBeGreaterThan(0);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('is refused when newer than this release, or when it is not a store', async () => {
    const { writeFileSync } = await import('node:fs');
    const d = legacyProject();
    writeFileSync(join(d, 'weft.db'), '');
    await expect(openStore(d)).rejects.toMatchObject({
      code: 'STORE_CORRUPT',
      message: expect.stringMatching(/empty/),
    });
    writeFileSync(join(d, 'weft.db'), 'hello, this is a text file, not a database at all');
    await expect(openStore(d)).rejects.toMatchObject({
      code: 'STORE_CORRUPT',
      message: expect.stringMatching(/not a Weft store/),
    });
  });
});
