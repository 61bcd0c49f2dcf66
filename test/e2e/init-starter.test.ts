// `weft init` in an empty directory writes a starter pipeline (pipeline.json + steps.mjs) and prints
// the command that runs it; that command, run as printed by a shell, succeeds on worker threads.
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempProjects, weft, weftJson, type Envelope } from './cli.js';
import type { RunResult } from './results.js';

const project = tempProjects();

describe('weft init: the starter pipeline', () => {
  it('writes a runnable starter and prints the command that runs it', () => {
    const dir = project();
    const r = weft(['init'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('starter pipeline: pipeline.json + steps.mjs; run it with:');
    const command = r.stdout.split('run it with:\n')[1]!.split('\n')[0]!.trim();
    expect(command).toMatch(/ run pipeline\.json --input '"the quick brown fox jumps over the lazy dog"'$/);
    // Exactly as printed, through a shell, from the project root.
    const out = execSync(`${command} --json`, { cwd: dir, encoding: 'utf8' });
    const env = JSON.parse(out) as Envelope<RunResult>;
    expect(env.ok).toBe(true);
    expect(env.result.status).toBe('succeeded');
    expect(env.result.limits.orchestrator).toBe('workers');
    expect(env.result.output).toEqual({ words: 9, letters: 35, longest: 'quick' });
  });

  it('never replaces a project file, and --no-starter writes none', () => {
    const dir = project();
    writeFileSync(join(dir, 'pipeline.json'), '{"mine":true}');
    const r = weftJson(['init'], dir);
    expect(r.code).toBe(0);
    expect(r.env.result.starter).toMatchObject({ action: 'kept' });
    expect(readFileSync(join(dir, 'pipeline.json'), 'utf8')).toBe('{"mine":true}');
    expect(weft(['init'], dir).stdout).toContain(
      'starter pipeline not written: pipeline.json or steps.mjs is already here',
    );
    const bare = project();
    const none = weftJson(['init', '--no-starter'], bare);
    expect(none.env.result.starter).toBeNull();
    expect(() => readFileSync(join(bare, 'steps.mjs'))).toThrow();
  });
});
