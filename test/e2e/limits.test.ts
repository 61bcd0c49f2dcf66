// Limits on the command line: --max-memory caps each worker's heap (printed before the run, in the
// result, and in the failure), and --threads is bounded by the cores (refused far above them,
// warned above them).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tempProjects, weft, weftJson } from './cli.js';
import type { RunResult } from './results.js';

const LIMITS = join(FIXTURES, 'limits');
const cores = availableParallelism();
const project = tempProjects();

describe('weft run: limits', () => {
  it('--max-memory caps each worker: printed, reported, and named when a step exceeds it', () => {
    const dir = project();
    const r = weft(['run', join(LIMITS, 'hog.json'), '--max-memory', '64', '--threads', '1'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('weft: workers, 1 threads on');
    expect(r.stderr).toContain('memory cap 64 MB per worker (--max-memory)');
    expect(r.stderr).toContain(`error [QUOTA_EXCEEDED] step "hog" exceeded the worker's memory cap (64 MB)`);
    const ok = weftJson<RunResult>(
      ['run', join(LIMITS, 'one.json'), '--max-memory', '256', '--threads', '1'],
      dir,
    );
    expect(ok.code).toBe(0);
    expect(ok.env.result.limits).toEqual({
      orchestrator: 'workers',
      threads: 1,
      cores,
      memoryCapMb: 256,
      memoryCapFrom: 'option',
    });
  });

  it('without --max-memory the cap is Node default heap size, printed as such (never "?")', () => {
    const dir = project();
    const r = weft(['run', join(LIMITS, 'one.json'), '--threads', '1'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /memory cap \d+ MB per worker \(Node's default heap size; set it with --max-memory <MB>\)/,
    );
    const j = weftJson<RunResult>(['run', join(LIMITS, 'one.json'), '--threads', '1'], dir);
    expect(j.env.result.limits.memoryCapFrom).toBe('default');
    expect(j.env.result.limits.memoryCapMb).toBeGreaterThan(0);
  });

  it('--max-memory is refused where it means nothing, and when it is not a size', () => {
    const dir = project();
    const direct = weftJson(
      ['run', join(LIMITS, 'one.json'), '--max-memory', '64', '--orchestrator', 'direct'],
      dir,
    );
    expect(direct.code).toBe(2);
    expect(direct.env.error?.code).toBe('USAGE_INVALID');
    expect(direct.env.error?.message).toContain('does not apply to direct');
    for (const bad of ['0', '8', '1.5', 'lots']) {
      const r = weftJson(['run', join(LIMITS, 'one.json'), '--max-memory', bad], dir);
      expect(r.code, bad).toBe(2);
      expect(r.env.error?.message).toContain('--max-memory must be a whole number of MB');
    }
  });

  it('--threads far above the cores is refused; above them, warned', () => {
    const dir = project();
    const far = weftJson(['run', join(LIMITS, 'one.json'), '--threads', '500'], dir);
    expect(far.code).toBe(2);
    expect(far.env.error).toMatchObject({
      code: 'USAGE_INVALID',
      data: { threads: 500, cores, max: 4 * cores },
    });
    expect(far.env.error?.message).toContain(`--threads 500 is far above the ${cores} cores`);
    const resume = weftJson(['resume', 'no-such-run', '--threads', '500'], dir);
    expect(resume.env.error?.code).toBe('USAGE_INVALID');
    const above = weftJson<RunResult>(['run', join(LIMITS, 'one.json'), '--threads', String(cores + 1)], dir);
    expect(above.code).toBe(0);
    expect(above.env.warnings).toContainEqual(expect.objectContaining({ code: 'THREADS_ABOVE_CORES' }));
    expect(above.env.result.limits.threads).toBe(cores + 1);
  });
});
