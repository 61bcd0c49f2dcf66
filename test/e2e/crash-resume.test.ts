// Crash safety end to end: a real `weft run` is SIGKILLed after its Nth event line, at 24 points
// spread over the whole run, and `weft resume` must finish with output byte-identical to an
// uninterrupted run: no line lost, none doubled, the audit log intact.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, killAfterLines, killWhen, tempProject, weft, weftJson, writeLines } from './cli.js';
import type { RunResult, RunShown } from './results.js';

const PIPELINE = join(FIXTURES, 'crash', 'pipeline.json');
const LINES = 120;
const FILES = ['output.json', 'hashes.txt', 'copy.txt'];
const dirs: string[] = [];

function project(): { dir: string; input: string } {
  const dir = tempProject();
  dirs.push(dir);
  const input = join(dir, 'in.txt');
  writeLines(input, LINES);
  return { dir, input };
}

function read(dir: string): Record<string, string> {
  return Object.fromEntries(FILES.map((f) => [f, readFileSync(join(dir, 'out', f), 'utf8')]));
}

let reference: Record<string, string>;
let events = 0;

beforeAll(() => {
  const { dir, input } = project();
  const r = weft(
    [
      'run',
      PIPELINE,
      '--out',
      'out',
      '--input',
      JSON.stringify({ file: input }),
      '--run-id',
      'ref',
      '--events',
    ],
    dir,
  );
  expect(r.code, r.stderr).toBe(0);
  events = r.stdout.split('\n').filter((l) => l.length > 0).length;
  reference = read(dir);
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('weft resume after SIGKILL', () => {
  it('the reference run writes every line exactly once', () => {
    const hashes = reference['hashes.txt']!.trimEnd().split('\n');
    expect(hashes).toHaveLength(LINES);
    expect(hashes.map((h) => Number(h.slice(0, 5)))).toEqual([...Array(LINES).keys()]);
    expect(reference['copy.txt']!.trimEnd().split('\n')).toHaveLength(LINES);
    expect(events).toBeGreaterThan(LINES);
  });

  const POINTS = 24;
  it(`ends byte-identical after a kill at each of ${POINTS} points`, async () => {
    const killedAt: number[] = [];
    for (let k = 0; k < POINTS; k++) {
      // Spread kill points from the first event to the last one.
      const n = 1 + Math.floor((k * (events - 1)) / (POINTS - 1));
      const { dir, input } = project();
      const args = [
        'run',
        PIPELINE,
        '--out',
        'out',
        '--input',
        JSON.stringify({ file: input }),
        '--run-id',
        `crash-${k}`,
        '--events',
      ];
      const kill = await killAfterLines(args, dir, n);
      if (kill.killed) killedAt.push(n);
      const resumed = weft(['resume', `crash-${k}`], dir);
      expect(resumed.code, `kill after ${n} events: ${resumed.stderr}`).toBe(0);
      expect(read(dir), `kill after ${n} events`).toEqual(reference);
      const audit = weft(['audit', 'verify', `crash-${k}`], dir);
      expect(audit.code, audit.stderr).toBe(0);
    }
    // Most points must really have interrupted the run (the last ones may see it finish first).
    expect(killedAt.length).toBeGreaterThanOrEqual(20);
  }, 600_000);

  it('a step killed after a checkpoint continues from it, and writes no line twice', async () => {
    const { dir, input } = project();
    const args = [
      'run',
      PIPELINE,
      '--out',
      'out',
      '--input',
      JSON.stringify({ file: input }),
      '--run-id',
      'cp',
      '--events',
    ];
    const isCheckpointAt = (line: string, next: number): boolean => {
      const e = JSON.parse(line) as { type: string; value?: { next: number } };
      return e.type === 'checkpoint' && (e.value?.next ?? 0) >= next;
    };
    // The copy step hangs right after its checkpoint at line 50 (a fixture hook), so the kill lands there.
    const kill = await killWhen(args, dir, (line) => isCheckpointAt(line, 50), {
      WEFT_FIXTURE_HANG_AT: '50',
    });
    expect(kill.killed).toBe(true);
    const resumed = weft(['resume', 'cp', '--events'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    const checkpoints = resumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; value?: { next: number } })
      .filter((e) => e.type === 'checkpoint');
    // Restarted from scratch, the first checkpoint would be at 10 lines.
    expect(checkpoints[0]!.value!.next).toBeGreaterThan(50);
    expect(read(dir)).toEqual(reference);
  });

  it('a second run over the same input does no step work', () => {
    const { dir, input } = project();
    const args = ['run', PIPELINE, '--out', 'out', '--input', JSON.stringify({ file: input })];
    expect(weftJson(args, dir).env.ok).toBe(true);
    const again = weftJson<RunResult>(args, dir);
    expect(again.env.ok).toBe(true);
    // read is `cache: false` (it reads the file); everything downstream is answered from the store.
    expect(again.env.result.cached).toEqual({ steps: 3, items: 0 });
    const shown = weftJson<RunShown>(['runs', again.env.result.runId], dir);
    const ran = shown.env.result.steps
      .filter((s: { status: string }) => s.status === 'ran')
      .map((s: { step: string }) => s.step);
    expect(ran).toEqual(['read']);
  });
});
