// The weft command end to end: every command, the JSON envelope, exit codes, and bad input.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '@weft/store';
import { FIXTURES, tempProjects, weft, weftJson, type JsonObject } from './cli.js';
import { readJson, type ProblemsData, type RunResult, type RunShown } from './results.js';

const MISC = join(FIXTURES, 'misc');
const project = tempProjects();

describe('weft --help and usage errors', () => {
  it('prints help for the program and every command with exit 0', () => {
    const dir = project();
    for (const args of [
      ['--help'],
      ['run', '--help'],
      ['resume', '--help'],
      ['validate', '--help'],
      ['graph', '--help'],
      ['runs', '--help'],
      ['audit', 'verify', '--help'],
    ]) {
      const r = weft(args, dir);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: weft');
    }
  });

  it('an unknown command or option is a usage error (exit 2), as an envelope with --json', () => {
    const dir = project();
    const r = weftJson(['frobnicate'], dir);
    expect(r.code).toBe(2);
    expect(r.env).toMatchObject({ ok: false, error: { code: 'USAGE_INVALID' }, warnings: [] });
    const opt = weftJson(['run', join(MISC, 'sum.json'), '--bogus'], dir);
    expect(opt.code).toBe(2);
    expect(opt.env.error?.code).toBe('USAGE_INVALID');
    const plain = weft(['run'], dir);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("missing required argument 'pipeline'");
  });
});

describe('bad input gives a coded error and exit 2, never a stack trace', () => {
  const cases: [string, string, string | RegExp][] = [
    ['malformed.json', 'SPEC_INVALID', 'line 3, column 1'],
    ['schema-invalid.json', 'SPEC_INVALID', '/steps/list/retry/attempts'],
    ['cycle.json', 'SPEC_INVALID', 'STATIC_CYCLE'],
    ['unknown-target.json', 'SPEC_INVALID', '/steps/list/to'],
    ['missing-module.json', 'MODULE_NOT_FOUND', 'nowhere.mjs'],
    ['missing-export.json', 'EXPORT_NOT_FOUND', 'did you mean "list"'],
    ['no-such-file.json', 'INPUT_INVALID', 'not found'],
  ];
  for (const [file, code, text] of cases) {
    it(`${file}: ${code}`, () => {
      const dir = project();
      for (const cmd of ['run', 'validate']) {
        const r = weftJson([cmd, join(MISC, file)], dir);
        expect(r.code, `${cmd} ${file}`).toBe(2);
        expect(r.env.ok).toBe(false);
        expect(r.env.error?.code).toBe(code);
        expect(r.env.error?.message).toMatch(text);
        const human = weft([cmd, join(MISC, file)], dir);
        expect(human.code).toBe(2);
        expect(human.stderr).toContain(`error [${code}]`);
        expect(human.stderr).not.toMatch(/\n\s+at /);
      }
    });
  }

  it('schema problems carry their JSON paths as data', () => {
    const r = weftJson<unknown, ProblemsData>(['validate', join(MISC, 'schema-invalid.json')], project());
    expect(r.env.error?.data.problems.map((p: { path: string }) => p.path)).toEqual([
      '/steps/list/retry/attempts',
      '/steps/list/timeoutMs',
    ]);
  });

  it('an unknown orchestration mode is ORCHESTRATOR_UNKNOWN and records no run', () => {
    const dir = project();
    const r = weftJson(['run', join(MISC, 'sum.json'), '--orchestrator', 'frob'], dir);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('ORCHESTRATOR_UNKNOWN');
    expect(weftJson(['runs'], dir).env.result.runs).toEqual([]);
  });

  it('a missing --input file is INPUT_INVALID', () => {
    const r = weftJson(['run', join(MISC, 'sum.json'), '--input', '@nope.json'], project());
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('INPUT_INVALID');
  });

  it('a corrupt run store is STORE_CORRUPT', () => {
    const dir = project();
    writeFileSync(
      join(dir, '.weft', 'weft.db'),
      'this is not a database, just text that fills the header '.repeat(20),
    );
    for (const args of [['run', join(MISC, 'sum.json')], ['runs']]) {
      const r = weftJson(args, dir);
      expect(r.code).toBe(2);
      expect(r.env.error?.code).toBe('STORE_CORRUPT');
    }
  });

  it('a step returning something that cannot be serialised fails the run (exit 1) and writes no output', () => {
    const dir = project();
    const r = weftJson(['run', join(MISC, 'unserializable.json'), '--out', 'out'], dir);
    expect(r.code).toBe(1);
    expect(r.env.error?.code).toBe('NOT_SERIALIZABLE');
    expect(existsSync(join(dir, 'out', 'output.json'))).toBe(false);
  });

  it('a failing step is exit 1 with its code; a module exporting no pipeline is exit 2', () => {
    const dir = project();
    const r = weftJson(['run', join(MISC, 'fatal.json')], dir);
    expect(r.code).toBe(1);
    expect(r.env.error?.code).toBe('STEP_FAILED');
    const mod = weftJson(['run', join(MISC, 'steps.mjs')], dir);
    expect(mod.code).toBe(2);
    expect(mod.env.error?.code).toBe('EXPORT_NOT_FOUND');
  });
});

describe('run, runs, graph, validate', () => {
  it('runs a JSON pipeline, lists it and shows its steps with timings', () => {
    const dir = project();
    const r = weftJson(
      ['run', join(MISC, 'sum.json'), '--input', '4', '--run-id', 'r1', '--out', 'out'],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.env.result).toMatchObject({ runId: 'r1', status: 'succeeded', output: 20 });
    expect(JSON.parse(readFileSync(join(dir, 'out', 'output.json'), 'utf8'))).toBe(20);
    const list = weftJson(['runs'], dir);
    expect(list.env.result.runs).toEqual([
      expect.objectContaining({ runId: 'r1', pipeline: 'sum', status: 'succeeded' }),
    ]);
    const one = weftJson<RunShown>(['runs', 'r1'], dir);
    expect(one.env.result.steps.map((s: { step: string; status: string }) => [s.step, s.status])).toEqual([
      ['list', 'ran'],
      ['double', 'ran'],
      ['sum', 'ran'],
    ]);
    expect(one.env.result.steps[1]).toMatchObject({ items: 4 });
    expect(typeof one.env.result.steps[0]!.totalMs).toBe('number');
    expect(weft(['runs', 'r1'], dir).stdout).toContain('double');
    const metrics = readJson(join(dir, '.weft', 'runs', 'r1', 'metrics.json'));
    expect(metrics).toMatchObject({
      runId: 'r1',
      status: 'succeeded',
      items: { double: { items: 4, failed: 0 } },
      retries: 0,
    });
    const again = weftJson(['run', join(MISC, 'sum.json'), '--run-id', 'r1'], dir);
    expect(again.code).toBe(2);
    expect(weftJson(['runs', 'nope'], dir).env.error?.code).toBe('RUN_NOT_FOUND');
  });

  it('reruns only what changed: one new map item, the rest from the store', () => {
    const dir = project();
    weftJson(['run', join(MISC, 'sum.json'), '--input', '4'], dir);
    const same = weftJson(['run', join(MISC, 'sum.json'), '--input', '4'], dir);
    expect(same.env.result.cached).toEqual({ steps: 3, items: 0 });
    const more = weftJson(['run', join(MISC, 'sum.json'), '--input', '5'], dir);
    expect(more.env.result.output).toBe(30);
    expect(more.env.result.cached).toEqual({ steps: 0, items: 4 });
    const fresh = weftJson(['run', join(MISC, 'sum.json'), '--input', '5', '--no-cache'], dir);
    expect(fresh.env.result.cached).toEqual({ steps: 0, items: 0 });
  });

  it('runs a JS module exporting a pipeline (file.mjs#name)', () => {
    const dir = project();
    const wf = join(FIXTURES, '..', '..', '..', 'examples', 'word-freq', 'pipeline.mjs');
    const r = weftJson<RunResult<{ words: number }>>(
      ['run', `${wf}#wordFreq`, '--input', '{"chunks":3,"wordsPerChunk":500}'],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.env.result.output.words).toBe(1500);
  });

  it('graph prints Mermaid; validate reports the plan; schema prints the JSON Schema', () => {
    const dir = project();
    const g = weft(['graph', join(MISC, 'sum.json')], dir);
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('flowchart TD');
    expect(g.stdout).toContain('list --> double');
    const v = weftJson(['validate', join(MISC, 'sum.json')], dir);
    expect(v.env.result).toMatchObject({
      valid: true,
      pipeline: 'sum',
      steps: [{ name: 'list' }, { name: 'double', kind: 'map' }, { name: 'sum' }],
    });
    const s = weftJson(['schema'], dir);
    expect(s.env.result.$id).toContain('pipeline-1.json');
  });
});

describe('retries, suspend and resume', () => {
  it('a retryable failure is retried; events and metrics tell it from a fatal one', () => {
    const dir = project();
    const r = weft(['run', join(MISC, 'retry.json'), '--run-id', 'rt', '--events'], dir);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonObject);
    expect(events.find((e) => e.type === 'step.error')).toMatchObject({
      willRetry: true,
      error: { retryable: true },
    });
    expect(events.find((e) => e.type === 'step.retry')).toMatchObject({ attempt: 2, delayMs: 1 });
    const m = readJson(join(dir, '.weft', 'runs', 'rt', 'metrics.json'));
    expect(m).toMatchObject({ retries: 1, errors: { retryable: 1, fatal: 0 } });
    weft(['run', join(MISC, 'fatal.json'), '--run-id', 'ft'], dir);
    const f = readJson(join(dir, '.weft', 'runs', 'ft', 'metrics.json'));
    expect(f).toMatchObject({ retries: 0, errors: { retryable: 0, fatal: 1 } });
  });

  it('a suspended run resumes with --input', () => {
    const dir = project();
    const s = weftJson(['run', join(MISC, 'suspend.json'), '--input', '"x"', '--run-id', 's1'], dir);
    expect(s.code).toBe(0);
    expect(s.env.result).toMatchObject({
      status: 'suspended',
      suspended: [{ step: 'ask', reason: 'needs approval' }],
    });
    const r = weftJson(['resume', 's1', '--input', '"ann"'], dir);
    expect(r.code).toBe(0);
    expect(r.env.result).toMatchObject({ status: 'succeeded', output: 'APPROVED BY ANN' });
    // `weft runs` shows both sessions with the steps each one ran.
    const shown = weftJson<RunShown>(['runs', 's1'], dir).env.result;
    const stepsOf = (s: { steps: readonly { step: string; status: string }[] }) =>
      s.steps.map((x) => [x.step, x.status]);
    expect(shown.sessions.map((s: { session: number; status: string }) => [s.session, s.status])).toEqual([
      [1, 'suspended'],
      [2, 'succeeded'],
    ]);
    expect(stepsOf(shown.sessions[0]!)).toEqual([['ask', 'suspended']]);
    expect(stepsOf(shown.sessions[1]!)).toEqual([
      ['ask', 'ran'],
      ['done', 'ran'],
    ]);
    expect(shown.steps).toEqual(shown.sessions[1]!.steps);
    const text = weft(['runs', 's1'], dir).stdout;
    expect(text).toContain('session #1 suspended');
    expect(text).toContain('session #2 succeeded');
    const again = weftJson(['resume', 's1'], dir);
    expect(again.env.result).toMatchObject({ status: 'succeeded', alreadyFinished: true });
    expect(weftJson(['resume', 'nope'], dir).env.error?.code).toBe('RUN_NOT_FOUND');
  });
});

describe('locks', () => {
  it('a run or output directory locked by a live process is LOCK_HELD at once; a dead holder is taken over', async () => {
    const dir = project();
    const sleeper = spawn(process.execPath, ['-e', 'process.stdin.resume()'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    await new Promise((r) => sleeper.once('spawn', r));
    // The lock file of @weft/store: the holder with its process start time (a reused pid is told apart).
    const lock = (pid: number) =>
      JSON.stringify({
        owner: { id: `${hostname()}:${pid}`, host: hostname(), pid, processStart: processStartTime(pid) },
        purpose: 'test',
        since: Date.now(),
      });
    mkdirSync(join(dir, 'out'), { recursive: true });
    writeFileSync(join(dir, 'out', '.weft.lock'), lock(sleeper.pid!));
    const held = weftJson<unknown, { holder: { pid: number } }>(
      ['run', join(MISC, 'sum.json'), '--out', 'out'],
      dir,
    );
    expect(held.code).toBe(2);
    expect(held.env.error?.code).toBe('LOCK_HELD');
    expect(held.env.error?.data.holder.pid).toBe(sleeper.pid);
    expect(weftJson(['runs'], dir).env.result.runs).toEqual([]);
    const exited = new Promise((r) => sleeper.once('exit', r));
    sleeper.kill('SIGKILL');
    await exited;
    const taken = weftJson(['run', join(MISC, 'sum.json'), '--out', 'out'], dir);
    expect(taken.code).toBe(0);
    expect(existsSync(join(dir, 'out', '.weft.lock'))).toBe(false);
  });
});

describe('audit verify', () => {
  function auditedRun(): { dir: string; file: string; lines: string[] } {
    const dir = project();
    expect(weft(['run', join(MISC, 'sum.json'), '--run-id', 'a1'], dir).code).toBe(0);
    const file = join(dir, '.weft', 'runs', 'a1', 'audit.jsonl');
    return { dir, file, lines: readFileSync(file, 'utf8').trimEnd().split('\n') };
  }
  const verify = (dir: string) => weftJson(['audit', 'verify', 'a1'], dir);

  it('an intact log verifies', () => {
    const { dir, lines } = auditedRun();
    const r = verify(dir);
    expect(r.code).toBe(0);
    expect(r.env.result).toMatchObject({ ok: true, entries: lines.length });
  });

  const tamper: [string, (lines: string[]) => string[], number, string][] = [
    ['an edit', (l) => l.map((x, i) => (i === 3 ? x.replace('"step"', '"stEp"') : x)), 3, 'edited'],
    ['a deletion', (l) => l.filter((_, i) => i !== 4), 4, 'out-of-order'],
    ['a reordering', (l) => [...l.slice(0, 2), l[3]!, l[2]!, ...l.slice(4)], 2, 'out-of-order'],
    ['a truncation', (l) => l.slice(0, l.length - 2), -2, 'truncated'],
  ];
  for (const [what, change, index, reason] of tamper) {
    it(`reports the first bad entry after ${what}`, () => {
      const { dir, file, lines } = auditedRun();
      writeFileSync(file, change(lines).join('\n') + '\n');
      const r = verify(dir);
      expect(r.code).toBe(1);
      expect(r.env.error?.code).toBe('AUDIT_BROKEN');
      expect(r.env.error?.data).toMatchObject({ index: index < 0 ? lines.length + index : index, reason });
    });
  }
});
