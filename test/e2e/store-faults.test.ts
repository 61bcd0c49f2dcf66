// Issue 11's faults, as a user meets them through the `weft` command: each gives a coded error and
// the documented exit code (an envelope under --json), loses nothing committed, releases its locks,
// and leaves the run resumable.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { processStartTime } from '@weft/store';
import { BIN, FIXTURES, tempProjects, weft, weftJson, type Envelope, type JsonObject } from './cli.js';
import type { ProblemsData, RunList, RunResult, RunShown } from './results.js';

const STORE = join(FIXTURES, 'store');
const MISC = join(FIXTURES, 'misc');
const project = tempProjects();

/** Runs `weft args… --json` with extra environment variables. */
function weftEnv(args: readonly string[], cwd: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--json'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  return {
    code: r.status,
    stdout: r.stdout,
    env: JSON.parse(r.stdout) as Envelope,
  };
}

const db = (dir: string) => join(dir, '.weft', 'weft.db');

function withDb<T>(dir: string, fn: (d: Database.Database) => T): T {
  const d = new Database(db(dir));
  try {
    d.pragma('busy_timeout = 5000');
    return fn(d);
  } finally {
    d.close();
  }
}

/** Every lock file left in a project (the store's and the output directory's). */
function locks(dir: string): string[] {
  const l = join(dir, '.weft', 'locks');
  const left = existsSync(l) ? readdirSync(l).filter((f) => f.endsWith('.lock')) : [];
  return [...left, ...(existsSync(join(dir, 'out', '.weft.lock')) ? ['out/.weft.lock'] : [])];
}

describe('disk full (ENOSPC, or the store size cap)', () => {
  it('is STORE_FULL with exit 2; the run stays interrupted, keeps what it wrote and resumes once there is room', () => {
    const dir = project();
    const args = [
      'run',
      join(STORE, 'doubles.json'),
      '--orchestrator',
      'direct',
      '--input',
      JSON.stringify({ n: 6000 }),
      '--run-id',
      'full',
      '--out',
      'out',
    ];
    const full = weftEnv(args, dir, { WEFT_STORE_MAX_BYTES: '900k' });
    expect(full.code, full.stdout).toBe(2);
    expect(full.env.ok).toBe(false);
    expect(full.env.error!.code).toBe('STORE_FULL');
    expect(full.env.error!.message).not.toMatch(/\n\s+at /);
    expect(locks(dir)).toEqual([]);
    const shown = weftJson<RunShown>(['runs', 'full'], dir);
    expect(shown.env.result.status).toBe('interrupted');
    const firstLast = shown.env.result.sessions[0]!.lastSeq;
    expect(firstLast).toBeGreaterThan(10);
    const resumed = weftJson<RunResult>(['resume', 'full'], dir);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.env.result.output).toBe(6000 * 5999);
    expect(resumed.env.result.cached.items).toBeGreaterThan(0);
    const after = weftJson<RunShown>(['runs', 'full'], dir).env.result;
    expect(after.sessions.map((s) => [s.kind, s.firstSeq])).toEqual([
      ['start', 1],
      ['recover', firstLast + 1],
    ]);
    expect(weftJson(['audit', 'verify', 'full'], dir).env.result.ok).toBe(true);
  });

  const root = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
  (root ? it : it.skip)(
    'on a real small tmpfs: STORE_FULL, then resumes after the mount grows (needs root)',
    () => {
      const dir = project();
      const mnt = join(dir, 'tmpfs');
      mkdirSync(mnt);
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status).toBe(0);
      try {
        mkdirSync(join(mnt, '.weft'));
        const args = [
          'run',
          join(STORE, 'doubles.json'),
          '--orchestrator',
          'direct',
          '--input',
          JSON.stringify({ n: 8000 }),
          '--run-id',
          't',
        ];
        const full = weftEnv(args, mnt, {});
        expect(full.code, full.stdout).toBe(2);
        expect(full.env.error!.code).toBe('STORE_FULL');
        expect(spawnSync('mount', ['-o', 'remount,size=64m', mnt]).status).toBe(0);
        const resumed = weftJson(['resume', 't'], mnt);
        expect(resumed.code, resumed.stdout).toBe(0);
        expect(resumed.env.result.output).toBe(8000 * 7999);
        expect(weftJson(['audit', 'verify', 't'], mnt).env.result.ok).toBe(true);
      } finally {
        spawnSync('umount', [mnt]);
      }
    },
  );
});

describe('damaged pages found mid-run', () => {
  it('is STORE_CORRUPT with exit 2 and an envelope; store check finds it, store repair salvages it, the run resumes', () => {
    const dir = project();
    // A store large enough that its memo index is not all in one process's page cache.
    const fill = weftJson(
      [
        'run',
        join(STORE, 'doubles.json'),
        '--orchestrator',
        'direct',
        '--input',
        JSON.stringify({ n: 4000 }),
      ],
      dir,
    );
    expect(fill.code, fill.stdout).toBe(0);
    const pages = withDb(dir, (d) =>
      (
        d
          .prepare("SELECT pageno FROM dbstat WHERE name = 'sqlite_autoindex_memo_1' ORDER BY pageno")
          .all() as { pageno: number }[]
      ).map((r) => r.pageno),
    );
    expect(pages.length).toBeGreaterThan(8);
    const input = { db: db(dir), pages: pages.slice(1), n: 500 };
    const hit = weftJson(
      [
        'run',
        join(STORE, 'smash.json'),
        '--orchestrator',
        'direct',
        '--input',
        JSON.stringify(input),
        '--run-id',
        'hit',
      ],
      dir,
    );
    expect(hit.code, hit.stdout).toBe(2);
    expect(hit.env.error!.code).toBe('STORE_CORRUPT');
    expect(hit.env.error!.message).toMatch(/weft store repair/);
    expect(locks(dir)).toEqual([]);
    const check = weftJson(['store', 'check'], dir);
    expect(check.code).toBe(2);
    expect(check.env.error!.code).toBe('STORE_CORRUPT');
    const repair = weftJson<{ keptAside: string; tables: { memo: { lost: boolean } } }>(
      ['store', 'repair'],
      dir,
    );
    expect(repair.code, repair.stdout).toBe(0);
    expect(existsSync(repair.env.result.keptAside)).toBe(true);
    expect(repair.env.result.tables.memo.lost).toBe(false);
    expect(weftJson(['store', 'check'], dir).code).toBe(0);
    const list = weftJson(['runs', 'hit'], dir);
    expect(list.env.result.status).toBe('interrupted');
    // The pages are sound again: resume without damaging them (same input, so a fresh smash of nothing).
    withDb(dir, (d) => {
      const row = d.prepare("SELECT record FROM runs WHERE run_id = 'hit'").get() as { record: string };
      const r = JSON.parse(row.record) as { input: JsonObject };
      r.input = { ...r.input, pages: [] };
      d.prepare("UPDATE runs SET record = ? WHERE run_id = 'hit'").run(JSON.stringify(r));
    });
    const resumed = weftJson(['resume', 'hit'], dir);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.env.result.output).toBe(500 * 499);
  });
});

describe('a store file that is not a store', () => {
  it('zero-length: STORE_CORRUPT, exit 2, never replaced by a fresh store', () => {
    const dir = project();
    expect(weft(['run', join(MISC, 'sum.json')], dir).code).toBe(0);
    writeFileSync(db(dir), '');
    const r = weftJson(['runs'], dir);
    expect(r.code).toBe(2);
    expect(r.env.error!.code).toBe('STORE_CORRUPT');
    expect(r.env.error!.message).toMatch(/empty/);
    expect(statSync(db(dir)).size).toBe(0);
    const check = weftJson<unknown, ProblemsData<string>>(['store', 'check'], dir);
    expect(check.code).toBe(2);
    expect(check.env.error!.data.problems[0]).toMatch(/empty/);
  });

  it('foreign: STORE_CORRUPT, exit 2, the file untouched', () => {
    const dir = project();
    writeFileSync(db(dir), 'not a database, just text that happens to be here\n'.repeat(100));
    const before = readFileSync(db(dir));
    const r = weftJson(['run', join(MISC, 'sum.json')], dir);
    expect(r.code).toBe(2);
    expect(r.env.error!.code).toBe('STORE_CORRUPT');
    expect(readFileSync(db(dir)).equals(before)).toBe(true);
  });
});

describe('the audit log', () => {
  function audited(dir: string): string {
    expect(weft(['run', join(MISC, 'sum.json'), '--run-id', 'a1'], dir).code).toBe(0);
    return join(dir, '.weft', 'runs', 'a1', 'audit.jsonl');
  }

  it('a torn last line from a crash is repaired on open and reported, not taken for tampering', () => {
    const dir = project();
    const file = audited(dir);
    const good = readFileSync(file, 'utf8');
    appendFileSync(file, '{"i":16,"prev":"3f2a');
    const r = weftJson(['audit', 'verify', 'a1'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result).toMatchObject({ ok: true, repaired: expect.stringMatching(/torn/) as unknown });
    expect(r.env.warnings).toContainEqual(expect.objectContaining({ code: 'AUDIT_REPAIRED' }));
    expect(readFileSync(file, 'utf8')).toBe(good);
    expect(weftJson(['audit', 'verify', 'a1'], dir).code).toBe(0);
  });

  it('an entry appended after the anchored head, with a correct hash, is AUDIT_BROKEN (appended)', () => {
    const dir = project();
    const file = audited(dir);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const last = JSON.parse(lines.at(-1)!) as { i: number; hash: string };
    const json = JSON.stringify({
      runId: 'a1',
      seq: 99,
      time: 1,
      path: [],
      type: 'warning',
      code: 'X',
      message: 'forged',
    });
    const i = last.i + 1;
    const hash = createHash('sha256').update(`${last.hash}\n${i}\n${json}`).digest('hex');
    appendFileSync(file, `{"i":${i},"prev":"${last.hash}","hash":"${hash}","event":${json}}\n`);
    const r = weftJson(['audit', 'verify', 'a1'], dir);
    expect(r.code).toBe(1);
    expect(r.env.error!.code).toBe('AUDIT_BROKEN');
    expect(r.env.error!.data).toMatchObject({ reason: 'appended', index: i });
    expect(r.env.result.head).toBe(last.hash);
  });
});

describe('a stored output edited behind the store', () => {
  it('is detected, recomputed and never served; the audit still verifies', () => {
    const dir = project();
    const args = ['run', join(MISC, 'sum.json'), '--input', '3'];
    expect(weftJson(args, dir).env.result.output).toBe(12);
    // Wherever the output is kept: a value row, or (small values) the memo row itself.
    const changed = withDb(dir, (d) =>
      ['vals', 'memo']
        .map(
          (t) =>
            d.prepare(`UPDATE ${t} SET data = CAST('J666' AS BLOB) WHERE data = CAST('J12' AS BLOB)`).run()
              .changes,
        )
        .reduce((a, b) => a + b, 0),
    );
    expect(changed).toBeGreaterThanOrEqual(1);
    const again = weftJson<RunResult>(args, dir);
    expect(again.env.result.output).toBe(12);
    expect(again.env.warnings).toContainEqual(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    expect(again.env.result.cached.steps).toBeLessThan(3);
    expect(weftJson(['audit', 'verify', again.env.result.runId], dir).code).toBe(0);
    // Healed: the next run is answered from the store again.
    expect(weftJson(args, dir).env.result).toMatchObject({ output: 12, cached: { steps: 3 } });
  });
});

describe('a pid reused by another process', () => {
  const sleepers: ReturnType<typeof spawn>[] = [];
  afterAll(() => {
    for (const s of sleepers) s.kill('SIGKILL');
  });
  async function liveOtherProcess(): Promise<number> {
    const s = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    sleepers.push(s);
    await new Promise((r) => s.once('spawn', r));
    return s.pid!;
  }

  it('does not hold a stale run lock: it is taken over', async () => {
    const dir = project();
    const pid = await liveOtherProcess();
    mkdirSync(join(dir, '.weft', 'locks'), { recursive: true });
    // The lock names the live pid, but a start time that process does not have: the holder died and its pid was reused.
    const stale = {
      owner: {
        id: `${hostname()}:${pid}:1`,
        host: hostname(),
        pid,
        processStart: processStartTime(pid) - 3_600_000,
      },
      purpose: 'run r',
      since: Date.now() - 3_600_000,
    };
    writeFileSync(join(dir, '.weft', 'locks', 'run-r.lock'), JSON.stringify(stale));
    const r = weftJson(['run', join(MISC, 'sum.json'), '--run-id', 'r'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(locks(dir)).toEqual([]);
  });

  it('does not keep a crashed run `running`: it is reconciled to interrupted, and resumes', async () => {
    const dir = project();
    expect(weft(['run', join(MISC, 'sum.json'), '--run-id', 'c'], dir).code).toBe(0);
    const pid = await liveOtherProcess();
    // As a crash would leave it: running, owned by a pid now used by another process.
    withDb(dir, (d) => {
      const row = d.prepare("SELECT record FROM runs WHERE run_id = 'c'").get() as { record: string };
      const r = JSON.parse(row.record) as Record<string, unknown>;
      r.status = 'running';
      r.owner = {
        id: `${hostname()}:${pid}:1`,
        host: hostname(),
        pid,
        processStart: processStartTime(pid) - 3_600_000,
      };
      d.prepare("UPDATE runs SET status = 'running', record = ? WHERE run_id = 'c'").run(JSON.stringify(r));
    });
    const list = weftJson<RunList>(['runs'], dir);
    expect(list.env.result.runs.find((x) => x.runId === 'c')?.status).toBe('interrupted');
    expect(list.env.warnings).toContainEqual(
      expect.objectContaining({
        code: 'RUN_INTERRUPTED',
        message: expect.stringContaining('weft resume c') as unknown,
      }),
    );
    const resumed = weftJson(['resume', 'c'], dir);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.env.result).toMatchObject({ output: 30, cached: { steps: 3 } });
  });
});

describe('permissions and the project root', () => {
  it('.weft/ is 0700 and its files 0600', () => {
    const dir = project();
    expect(weft(['run', join(MISC, 'sum.json'), '--run-id', 'p'], dir).code).toBe(0);
    const mode = (p: string) => statSync(join(dir, '.weft', p)).mode & 0o777;
    expect(mode('.')).toBe(0o700);
    expect(mode('weft.db')).toBe(0o600);
    expect(mode('runs/p/audit.jsonl')).toBe(0o600);
    expect(mode('runs/p/metrics.json')).toBe(0o600);
    expect(mode('runs/p')).toBe(0o700);
  });
});
