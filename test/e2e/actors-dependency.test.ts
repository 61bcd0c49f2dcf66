// @weft/actors is a declared dependency of the CLI: when it cannot load, `weft` fails loudly with
// DEPENDENCY_MISSING instead of running every pipeline on the main thread. The CLI is laid out as an
// installed package in a temporary node_modules, with @weft/actors broken in two ways.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, type Envelope } from './cli.js';
import { readJson, type MetricsFile, type RunResult } from './results.js';

const CLI = fileURLToPath(new URL('../../packages/cli/', import.meta.url));
const SUM = join(FIXTURES, 'misc', 'sum.json');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** node_modules with @weft/cli copied in and each of its dependencies linked; `actors` decides @weft/actors. */
function install(actors: 'ok' | 'throws' | 'missing'): { bin: string; project: string } {
  const root = mkdtempSync(join(tmpdir(), 'weft-actors-dep-'));
  dirs.push(root);
  const nm = join(root, 'node_modules');
  const cli = join(nm, '@weft', 'cli');
  mkdirSync(cli, { recursive: true });
  cpSync(join(CLI, 'dist'), join(cli, 'dist'), { recursive: true });
  cpSync(join(CLI, 'package.json'), join(cli, 'package.json'));
  const deps = Object.keys(
    (JSON.parse(readFileSync(join(CLI, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies,
  );
  for (const dep of deps) {
    const at = join(nm, dep);
    mkdirSync(dirname(at), { recursive: true });
    if (dep === '@weft/actors' && actors !== 'ok') {
      if (actors === 'missing') continue;
      mkdirSync(join(at, 'dist'), { recursive: true });
      writeFileSync(
        join(at, 'package.json'),
        JSON.stringify({ name: '@weft/actors', type: 'module', exports: { '.': './dist/index.js' } }),
      );
      writeFileSync(
        join(at, 'dist', 'index.js'),
        "export const workersEntry = undefined;\nthrow new Error('half-built: dist/index.js is broken');\n",
      );
      continue;
    }
    symlinkSync(realpathSync(join(CLI, 'node_modules', dep)), at, 'dir');
  }
  const project = join(root, 'project');
  mkdirSync(join(project, '.weft'), { recursive: true });
  return { bin: join(cli, 'dist', 'bin.js'), project };
}

function run(bin: string, cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the CLI and @weft/actors', () => {
  it('runs on workers when @weft/actors loads (the layout is sound)', () => {
    const { bin, project } = install('ok');
    const r = run(bin, project, ['run', SUM, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const env = JSON.parse(r.stdout) as Envelope<RunResult>;
    expect(env.result.status).toBe('succeeded');
    const metrics = readJson<MetricsFile>(env.result.files.metrics);
    expect(metrics.orchestrator).toBe('workers');
  });

  it('fails loudly with DEPENDENCY_MISSING when @weft/actors throws while loading', () => {
    const { bin, project } = install('throws');
    const r = run(bin, project, ['run', SUM]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error [DEPENDENCY_MISSING] weft cannot load its dependency @weft/actors');
    expect(r.stderr).toContain('half-built');
    const j = run(bin, project, ['run', SUM, '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({
      ok: false,
      error: { code: 'DEPENDENCY_MISSING', data: { package: '@weft/actors' } },
    });
  });

  it('fails loudly with DEPENDENCY_MISSING when @weft/actors is not installed', () => {
    const { bin, project } = install('missing');
    const r = run(bin, project, ['run', SUM, '--orchestrator', 'direct']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "DEPENDENCY_MISSING] weft cannot load its dependency @weft/actors: Cannot find package '@weft/actors'",
    );
  });
});
