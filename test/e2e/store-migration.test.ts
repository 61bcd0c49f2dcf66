// A project whose store was written by the release before @weft/store (fixtures/legacy-v1, made
// with that release's CLI) works with this one: its runs, sessions, cache and audit logs intact.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tempProjects, weftJson } from './cli.js';
import type { RunList, RunShown } from './results.js';

const LEGACY = join(FIXTURES, 'legacy-v1');
const project = tempProjects();

function legacyProject(): string {
  const dir = project();
  cpSync(join(LEGACY, 'weft'), join(dir, '.weft'), { recursive: true });
  return dir;
}

describe('a store of the first release', () => {
  it('lists its runs; the crashed one is interrupted, not running', () => {
    const dir = legacyProject();
    const r = weftJson<RunList>(['runs'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(Object.fromEntries(r.env.result.runs.map((x) => [x.runId, x.status]))).toEqual({
      'legacy-sum': 'succeeded',
      'legacy-approval': 'succeeded',
      'legacy-waiting': 'suspended',
      'legacy-failed': 'failed',
      'legacy-crashed': 'interrupted',
    });
    const codes = r.env.warnings.map((w) => w.code);
    expect(codes).toContain('STORE_MIGRATED');
    expect(codes).toContain('RUN_INTERRUPTED');
    // Opened once, migrated once.
    expect(weftJson(['runs'], dir).env.warnings).toEqual([]);
  });

  it('shows each run with its sessions, events numbered across them', () => {
    const dir = legacyProject();
    const r = weftJson<RunShown>(['runs', 'legacy-approval'], dir).env.result;
    expect(r.sessions.map((s) => [s.session, s.kind, s.status, s.firstSeq, s.lastSeq])).toEqual([
      [1, 'start', 'suspended', 1, 4],
      [2, 'resume', 'succeeded', 5, 10],
    ]);
    expect(r.sessions[1]!.steps.map((s) => [s.step, s.status])).toEqual([
      ['ask', 'ran'],
      ['done', 'ran'],
    ]);
  });

  it('verifies every audit log', () => {
    const dir = legacyProject();
    for (const id of ['legacy-sum', 'legacy-approval', 'legacy-waiting', 'legacy-failed']) {
      const v = weftJson(['audit', 'verify', id], dir);
      expect(v.code, v.stdout).toBe(0);
      expect(v.env.result.ok).toBe(true);
    }
  });

  it('keeps its cache: the same pipeline and input run no step again', () => {
    const dir = legacyProject();
    const r = weftJson(['run', join(LEGACY, 'sum.json'), '--input', '6', '--orchestrator', 'direct'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result).toMatchObject({ output: 42, cached: { steps: 3 } });
  });
});
