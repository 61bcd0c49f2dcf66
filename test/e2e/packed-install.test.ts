// The packages installed outside the monorepo, as a user gets them: `scripts/release.mjs` packs
// them (pnpm pack: no `workspace:*` left), npm installs the tarballs into a temporary project, and a
// pipeline runs through the installed CLI (`weft init`'s starter, the command it prints) and through
// the library (the top README's single-file example, on workers); `weft bench` works installed.
//
// better-sqlite3 (the run store) is installed by its own install script: by default from a local
// prebuild of the addon built in this checkout (release --prebuild; prebuild-install's
// npm_config_better_sqlite3_local_prebuilds), so the test does not spend minutes compiling SQLite;
// WEFT_PACK_FROM_SOURCE=1 leaves that out and npm compiles it from source as a new machine would.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from './cli.js';
import type { PackageJson, RunResult } from './results.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FROM_SOURCE = process.env.WEFT_PACK_FROM_SOURCE === '1';
const INSTALL_MS = (FROM_SOURCE ? 20 : 4) * 60_000;

let work = '';
let release = '';
let app = '';
let installLog = '';

/** The environment of a user's shell: none of the npm_* variables of the `pnpm run test` around us. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', ...extra };
}

function run(cmd: string, args: readonly string[], cwd: string, env = userEnv()): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
}

const show = (r: SpawnSyncReturns<string>): string => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'weft-packed-'));
  release = join(work, 'release');
  app = join(work, 'app');
  const packed = run(
    process.execPath,
    [join(ROOT, 'scripts', 'release.mjs'), '--out', release, ...(FROM_SOURCE ? [] : ['--prebuild'])],
    ROOT,
  );
  expect(packed.status, show(packed)).toBe(0);
  const tarballs = readdirSync(release)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(release, f));
  expect(tarballs.map((f) => f.replace(/^.*\//, '')).sort()).toEqual([
    'weft-actors-0.1.0.tgz',
    'weft-bench-0.1.0.tgz',
    'weft-bullmq-0.1.0.tgz',
    'weft-cli-0.1.0.tgz',
    'weft-core-0.1.0.tgz',
    'weft-dashboard-0.1.0.tgz',
    'weft-serve-0.1.0.tgz',
    'weft-store-0.1.0.tgz',
  ]);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const prebuilds = FROM_SOURCE
    ? {}
    : { npm_config_better_sqlite3_local_prebuilds: join(release, 'prebuilds') };
  const installed = run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=info', ...tarballs],
    app,
    userEnv(prebuilds),
  );
  installLog = show(installed);
  expect(installed.status, installLog).toBe(0);
}, INSTALL_MS);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed packages installed with npm outside the monorepo', () => {
  it('carry versions, not workspace:*, and install (better-sqlite3 by its install script)', () => {
    for (const name of ['actors', 'bench', 'bullmq', 'cli', 'dashboard', 'serve', 'store']) {
      const pkg = JSON.parse(
        readFileSync(join(app, 'node_modules', '@weft', name, 'package.json'), 'utf8'),
      ) as PackageJson & { dependencies: Readonly<Record<string, string>> };
      for (const [dep, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies })) {
        expect(String(range), `${name}: ${dep}`).not.toMatch(/^workspace:/);
      }
      expect(pkg.dependencies['@weft/core'], name).toBe('0.1.0');
    }
    expect(installLog).toMatch(/run better-sqlite3@[\d.]+ install/);
    expect(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
    // The app resolves one @weft/core: the tarball's, not a registry package of that name.
    expect(readdirSync(join(app, 'node_modules', '@weft')).sort()).toEqual([
      'actors',
      'bench',
      'bullmq',
      'cli',
      'core',
      'dashboard',
      'serve',
      'store',
    ]);
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved: string }>;
    };
    expect(lock.packages['node_modules/@weft/core']!.resolved).toMatch(/^file:.*weft-core-0\.1\.0\.tgz$/);
  });

  it('the installed `weft init` starter runs with the command it prints; the run is in the SQLite store', () => {
    const init = run('npx', ['--no-install', 'weft', 'init'], app);
    expect(init.status, show(init)).toBe(0);
    const command = /^\s+(npx weft run .*)$/m.exec(init.stdout)?.[1];
    expect(command, init.stdout).toBeDefined();
    const started = run('sh', ['-c', `${command!} --out out --json`], app);
    expect(started.status, show(started)).toBe(0);
    const envelope = JSON.parse(started.stdout) as Envelope<RunResult>;
    expect(envelope.ok).toBe(true);
    expect(envelope.result.status).toBe('succeeded');
    expect(JSON.parse(readFileSync(join(app, 'out', 'output.json'), 'utf8'))).toEqual(envelope.result.output);
    const runs = run('npx', ['--no-install', 'weft', 'runs', '--json'], app);
    expect(runs.status, show(runs)).toBe(0);
    expect(JSON.stringify((JSON.parse(runs.stdout) as Envelope).result)).toContain(envelope.result.runId);
  });

  it("the library: the top README's single-file example runs on workers with the installed packages", () => {
    const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(text.slice(text.indexOf('\n## A pipeline\n')))?.[1];
    expect(block).toContain("from '@weft/actors'");
    const code = ts.transpileModule(block!, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(app, 'wc.mjs'), code);
    const r = run(process.execPath, ['wc.mjs'], app);
    expect(r.status, show(r)).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('5');
    expect(lines).toContain('step.end total');
    const viaCli = run(
      'npx',
      ['--no-install', 'weft', 'run', 'wc.mjs#wc', '--input', '"a b c"', '--json'],
      app,
    );
    expect(viaCli.status, show(viaCli)).toBe(0);
    expect((JSON.parse(viaCli.stdout) as Envelope<RunResult>).result.output).toBe(3);
  });

  it('`weft bench` works installed; peers that are not installed are named, not a crash', () => {
    const r = run(
      'npx',
      [
        '--no-install',
        'weft',
        'bench',
        '--smoke',
        '--suite',
        'cpu-64us',
        '--runs',
        '1',
        '--out',
        'bench.json',
      ],
      app,
    );
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toContain('weft workers');
    expect(r.stdout).toMatch(/skipped\s+tinypool.*"tinypool" not installed/);
    const report = JSON.parse(readFileSync(join(app, 'bench.json'), 'utf8')) as unknown;
    expect(JSON.stringify(report)).toContain('cpu-64us');
  });
});
