// The top README's single-file pipeline (one file that defines a pipeline AND runs it), run as
// written on worker threads: the code block is taken from README.md, compiled, and started with
// `node`, and the same file is run by `weft run`. Without the guard the README shows, an engine
// refuses to start inside a worker (ENGINE_IN_WORKER) instead of starting a pool in every worker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, weftJson } from './cli.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const TEST_MODULES = fileURLToPath(new URL('../node_modules', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The first ```ts block of the README's "A pipeline" section, compiled to JS as written. */
function readmeExample(): string {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('\n## A pipeline\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block, 'README "A pipeline" code block').toBeDefined();
  return ts.transpileModule(block!, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

/** A temporary directory whose node_modules has @weft/core, @weft/actors and @weft/cli. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-single-file-'));
  dirs.push(dir);
  symlinkSync(TEST_MODULES, join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('the single-file pattern of the top README', () => {
  it('runs as written with `node wc.mjs`, its steps on worker threads', () => {
    const dir = project();
    const code = readmeExample();
    expect(code).toContain("from '@weft/actors'");
    expect(code).toContain('isMainModule(import.meta.url)');
    writeFileSync(join(dir, 'wc.mjs'), code);
    const r = spawnSync(process.execPath, ['wc.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('5');
    expect(lines).toContain('run.start ');
    expect(lines).toContain('step.end total');
    expect(lines).toContain('run.finish ');
    // The steps ran once, in this process's run: one start per step, however many workers imported the file.
    expect(lines.filter((l) => l === 'run.start ')).toHaveLength(1);
    expect(lines.filter((l) => l === 'step.start split')).toHaveLength(1);
  });

  it('the same file under `weft run` is imported, not run', () => {
    const dir = project();
    writeFileSync(join(dir, 'wc.mjs'), readmeExample());
    const r = weftJson(['run', 'wc.mjs#wc', '--input', '"a b c\\nd e f"'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.env.result.output).toBe(6);
    expect(r.env.result.status).toBe('succeeded');
  });

  it('without the guard, the run fails with ENGINE_IN_WORKER saying how to guard the module', () => {
    const r = spawnSync(process.execPath, [join(FIXTURES, 'single-file', 'unguarded.mjs')], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { message: string };
    expect(out).toMatchObject({ status: 'failed', code: 'ENGINE_IN_WORKER' });
    expect(out.message).toContain('createEngine() was called inside a Weft worker');
    expect(out.message).toContain('if (isMainModule(import.meta.url))');
  });
});
