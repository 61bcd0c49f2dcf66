// Steps that hold the main thread (`--orchestrator direct`), as a user at a terminal sees them
// (issue 12 item 10): Ctrl-C is sent to the whole process group, as a terminal does. A CPU-bound
// step cannot see it: the first Ctrl-C says so, the second ends the process with the run left
// resumable, and the next command tells what happened. A step that calls process.exit is told too.
// Every wait is for an output line or the process's end, never for a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempProjects, weftJson } from './cli.js';

const project = tempProjects();

const STEPS = `
import { existsSync } from 'node:fs';
// CPU-bound until release.flag exists (checked between rounds): the main thread is never free.
export function hold(n) {
  const flag = new URL('./release.flag', import.meta.url);
  let h = 0;
  while (!existsSync(flag)) for (let i = 0; i < 100000; i++) h = Math.imul(h ^ i, 16777619);
  return n + 1;
}
// Asynchronous: it waits (a timer keeps the process alive) until its cancellation signal.
export function wait(_n, ctx) {
  const alive = setInterval(() => {}, 1000);
  return new Promise((_resolve, reject) =>
    ctx.signal.addEventListener('abort', () => {
      clearInterval(alive);
      reject(ctx.signal.reason);
    }),
  );
}
// Waits for nothing that keeps the process alive: the process runs out of work mid-step.
export function stuck() {
  return new Promise(() => {});
}
export function exits() {
  process.exit(3);
}
`;

function pipelineFile(dir: string, step: string): string {
  writeFileSync(join(dir, 'steps.mjs'), STEPS);
  const file = join(dir, `${step}.json`);
  writeFileSync(
    file,
    JSON.stringify({ name: step, steps: { [step]: { run: `./steps.mjs#${step}`, cache: false } } }),
  );
  return file;
}

/** A `weft` process in a process group of its own, like a terminal's foreground job. */
class Job {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: (() => void)[] = [];

  constructor(args: readonly string[], cwd: string) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const wake = (): void => {
      for (const w of this.#waiters.splice(0)) w();
    };
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => ((this.stdout += s), wake()));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => ((this.stderr += s), wake()));
    this.closed = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        wake();
        resolve({ code, signal });
      }),
    );
  }

  /** Resolves once `test` holds on the output (rejects if the process ends first). */
  async until(test: () => boolean, what: string): Promise<void> {
    while (!test()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`ended before ${what}:\n${this.stdout}\n${this.stderr}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** Ctrl-C: SIGINT to the whole group (the weft process and anything it started). */
  interrupt(): void {
    process.kill(-this.child.pid!, 'SIGINT');
  }
}

const jobs: Job[] = [];
afterEach(() => {
  for (const j of jobs.splice(0)) {
    try {
      process.kill(-j.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function start(args: readonly string[], cwd: string): Job {
  const j = new Job(args, cwd);
  jobs.push(j);
  return j;
}

const runIdOf = (stdout: string): string => /"runId":"([^"]+)"/.exec(stdout)![1]!;

describe('a CPU-bound step on the main thread and Ctrl-C', () => {
  it('first Ctrl-C says what is happening, the second stops the process; the next command tells it; resume finishes the run', async () => {
    const dir = project();
    const file = pipelineFile(dir, 'hold');
    const job = start(['run', file, '--input', '41', '--orchestrator', 'direct', '--events'], dir);
    await job.until(() => /"type":"step\.start","step":"hold"/.test(job.stdout), 'step.start of hold');
    const runId = runIdOf(job.stdout);
    job.interrupt();
    await job.until(() => job.stderr.includes('cannot be interrupted until it returns'), 'the first message');
    expect(job.stderr).toContain('step "hold" is running on the main thread');
    expect(job.stderr).toContain(`weft resume ${runId}`);
    job.interrupt();
    const end = await job.closed;
    expect(end.signal).toBe('SIGKILL');
    expect(job.stderr).toContain(`Run ${runId} is left interrupted; resume it with: weft resume ${runId}`);

    // The next command says what happened, once.
    const next = weftJson(['runs'], dir);
    expect(next.env.warnings).toContainEqual({
      code: 'RUN_INTERRUPTED',
      message: expect.stringContaining(`run ${runId} was interrupted at`) as unknown,
    });
    expect(JSON.stringify(next.env.warnings)).toContain(
      'Ctrl-C twice while step \\"hold\\" held the main thread',
    );
    expect(weftJson(['runs'], dir).env.warnings).toEqual([]);

    writeFileSync(join(dir, 'release.flag'), '');
    const resumed = weftJson(['resume', runId, '--orchestrator', 'direct'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.env.result).toMatchObject({ runId, status: 'succeeded', output: 42 });
  });

  it('a step that can see its cancellation stops at the first Ctrl-C, which says so; no watchdog message', async () => {
    const dir = project();
    const file = pipelineFile(dir, 'wait');
    const job = start(['run', file, '--input', '1', '--orchestrator', 'direct', '--events'], dir);
    await job.until(() => /"type":"step\.start","step":"wait"/.test(job.stdout), 'step.start of wait');
    const runId = runIdOf(job.stdout);
    job.interrupt();
    const end = await job.closed;
    expect(end.code).toBe(1);
    expect(job.stderr).toContain(`Ctrl-C: cancelling run ${runId}`);
    expect(job.stdout).toContain('"type":"run.finish","status":"cancelled"');
    expect(job.stderr).not.toContain('cannot be interrupted');
  });
});

describe('a step that calls process.exit on the main thread', () => {
  it('a step waiting on a promise that never settles: the process ran out of work, and says so', async () => {
    const dir = project();
    const job = start(['run', pipelineFile(dir, 'stuck'), '--orchestrator', 'direct', '--events'], dir);
    const end = await job.closed;
    expect(end.code).not.toBe(0);
    const runId = runIdOf(job.stdout);
    expect(job.stderr).toContain(
      `weft: the process ran out of work while step "stuck" was still running (a promise that never settles?); run ${runId} is left interrupted`,
    );
  });

  it('is told at once and on the next command; the exit code is the step’s', async () => {
    const dir = project();
    const file = pipelineFile(dir, 'exits');
    const job = start(['run', file, '--input', '1', '--orchestrator', 'direct', '--events'], dir);
    const end = await job.closed;
    expect(end.code).toBe(3);
    const runId = runIdOf(job.stdout);
    expect(job.stderr).toContain(
      `weft: step "exits" ended the process (process.exit(3)) on the main thread; run ${runId} is left interrupted: resume it with: weft resume ${runId}`,
    );
    const next = weftJson(['runs'], dir);
    expect(next.env.warnings).toEqual([
      {
        code: 'RUN_INTERRUPTED',
        message: expect.stringMatching(
          new RegExp(
            `^run ${runId} was interrupted at .*: step "exits" ended the process \\(process\\.exit\\(3\\)\\) on the main thread; it is resumable: weft resume ${runId}$`,
          ),
        ) as unknown,
      },
    ]);
  });
});
