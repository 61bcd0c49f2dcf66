// Issue 12, items 4 and 5: a cached step whose declared output file is gone or changed runs again;
// a `--no-cache` run killed near its end resumes from what it had completed.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FIXTURES, killWhen, tempProjects, weftJson } from './cli.js';
import type { RunResult } from './results.js';

const STORE = join(FIXTURES, 'store');
const project = tempProjects();

describe('a step declares the files it writes (`writes`)', () => {
  it('is answered from the cache only while its files are there with their content', () => {
    const dir = project();
    const args = [
      'run',
      join(STORE, 'report.json'),
      '--out',
      'out',
      '--input',
      JSON.stringify({ out: 'out', words: ['a', 'b'] }),
    ];
    const file = join(dir, 'out', 'report.txt');
    const first = weftJson(args, dir);
    expect(first.code, first.stdout).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('report: a b\n');
    // Untouched: answered from the cache.
    expect(weftJson<RunResult>(args, dir).env.result.cached.steps).toBe(1);
    // Deleted: the step runs again and writes it again.
    rmSync(file);
    const deleted = weftJson<RunResult>(args, dir);
    expect(deleted.env.result.cached.steps).toBe(0);
    expect(deleted.env.warnings).toContainEqual(expect.objectContaining({ code: 'CACHE_FILES_CHANGED' }));
    expect(readFileSync(file, 'utf8')).toBe('report: a b\n');
    // Edited: the same.
    writeFileSync(file, 'tampered\n');
    expect(weftJson<RunResult>(args, dir).env.result.cached.steps).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('report: a b\n');
    expect(weftJson<RunResult>(args, dir).env.result.cached.steps).toBe(1);
  });

  it('is refused in a spec when it is not a list of paths', () => {
    const dir = project();
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        name: 'bad',
        steps: { a: { run: `${join(STORE, 'steps.mjs')}#report`, writes: 'report.txt' } },
      }),
    );
    const r = weftJson(['validate', 'bad.json'], dir);
    expect(r.code).toBe(2);
    expect(JSON.stringify(r.env)).toContain('/steps/a/writes');
  });
});

describe('checkpoints without the cross-run cache', () => {
  it('a --no-cache run killed near its end resumes incrementally', async () => {
    const dir = project();
    const n = 300;
    const args = [
      'run',
      join(STORE, 'doubles.json'),
      '--no-cache',
      '--orchestrator',
      'direct',
      '--input',
      JSON.stringify({ n }),
      '--run-id',
      'nc',
      '--events',
    ];
    // Item 290 hangs (a fixture hook), so the run stays unfinished. Once 250 items are done, wait
    // until the store has committed at least 250 of them (read from the database itself), then kill:
    // what the resume must find is what was committed, whatever the machine's load.
    const committed = (): number => {
      const db = new Database(join(dir, '.weft', 'weft.db'), { readonly: true, fileMustExist: true });
      try {
        // Committed entries are in memo_log until they are moved into memo (see SqliteMemo).
        const sql =
          "SELECT (SELECT count(*) FROM memo WHERE run_id = 'nc') + (SELECT count(*) FROM memo_log WHERE run_id = 'nc') AS n";
        return (db.prepare(sql).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    let items = 0;
    const kill = await killWhen(
      args,
      dir,
      (line) => {
        if ((JSON.parse(line) as { type: string }).type !== 'map.item' || ++items !== 250) return false;
        return (async () => {
          while (committed() < 250) await new Promise((r) => setTimeout(r, 20));
          return true;
        })();
      },
      { WEFT_FIXTURE_HANG_ITEM: '290' },
    );
    expect(kill.killed).toBe(true);
    const resumed = weftJson<RunResult>(['resume', 'nc'], dir);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.env.result.output).toBe(n * (n - 1));
    // What the first session committed is not done again.
    expect(resumed.env.result.cached.items).toBeGreaterThanOrEqual(250);
    // And a new --no-cache run of the same input shares nothing with it.
    const fresh = weftJson(
      [
        'run',
        join(STORE, 'doubles.json'),
        '--no-cache',
        '--orchestrator',
        'direct',
        '--input',
        JSON.stringify({ n }),
      ],
      dir,
    );
    expect(fresh.env.result.cached).toEqual({ steps: 0, items: 0 });
    expect(existsSync(join(dir, '.weft', 'weft.db'))).toBe(true);
  });
});
