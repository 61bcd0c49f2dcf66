import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunSnapshot } from '@weft/core';
import { SqliteRunStore } from '../src/store/sqlite-store.js';

let dir: string;
let store: SqliteRunStore | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});
const open = (): SqliteRunStore =>
  (store = SqliteRunStore.open(join((dir = mkdtempSync(join(tmpdir(), 'weft-store-'))), '.weft', 'weft.db')));

describe('SqliteRunStore', () => {
  it('keeps runs, sources and sessions', async () => {
    const s = open();
    s.saveSource(
      'r1',
      'p',
      {
        file: '/x/p.json',
        exportName: null,
        outDir: null,
        orchestrator: 'direct',
        offline: false,
        cache: true,
      },
      { n: 1 },
    );
    await s.put({
      runId: 'r1',
      pipeline: 'p',
      module: null,
      planId: 'abc',
      status: 'succeeded',
      startedAt: 1,
      finishedAt: 2,
      input: { n: 1 },
      output: Buffer.from('hi'),
    });
    expect(await s.get('r1')).toMatchObject({ status: 'succeeded', output: Buffer.from('hi') });
    expect(s.source('r1')).toMatchObject({ file: '/x/p.json' });
    expect((await s.list()).map((r) => r.runId)).toEqual(['r1']);
    expect(s.openSession('r1')).toBe(1);
    expect(s.openSession('r1')).toBe(2);
    s.closeSession('r1', 2, 'succeeded');
    expect(s.sessions('r1').map((x) => x.status)).toEqual(['running', 'succeeded']);
  });

  it('keeps snapshots, events, outputs and checkpoints; storing an output drops its checkpoint', async () => {
    const s = open();
    const snap = { formatVersion: 1, runId: 'r', planId: 'p' } as unknown as RunSnapshot;
    await s.saveSnapshot('r', snap);
    expect(await s.loadSnapshot('r')).toEqual(snap);
    await s.deleteSnapshot('r');
    expect(await s.loadSnapshot('r')).toBeUndefined();
    const e = {
      runId: 'r',
      seq: 1,
      time: 0,
      path: [],
      type: 'step.skip',
      step: 'a',
      reason: 'cached',
      cached: true,
    } as RunEvent;
    s.appendEvents('r', 1, [e]);
    expect(s.events('r')).toEqual([{ session: 1, seq: 1, type: 'step.skip', step: 'a', time: 0, event: e }]);
    s.putCheckpoint('k', { offset: 3 });
    expect(s.checkpoint('k')).toEqual({ value: { offset: 3 } });
    s.putOutput('k', new Map([['a', 1]]));
    expect(s.output('k')).toEqual({ value: new Map([['a', 1]]) });
    expect(s.checkpoint('k')).toBeUndefined();
  });

  it('refuses a value that cannot be stored with NOT_SERIALIZABLE', () => {
    const s = open();
    expect(() => s.putOutput('k', () => 1)).toThrow(expect.objectContaining({ code: 'NOT_SERIALIZABLE' }));
    expect(s.output('k')).toBeUndefined();
  });

  it('a damaged file or a foreign schema is STORE_CORRUPT', () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-store-'));
    const file = join(dir, 'weft.db');
    writeFileSync(file, 'garbage '.repeat(200));
    expect(() => SqliteRunStore.open(file)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    rmSync(file);
    const s = SqliteRunStore.open(file);
    s.close();
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = '99' WHERE key = 'schema'").run();
    raw.close();
    expect(() => SqliteRunStore.open(file)).toThrow(
      expect.objectContaining({ code: 'STORE_CORRUPT', message: expect.stringContaining('schema 99') }),
    );
  });
});
