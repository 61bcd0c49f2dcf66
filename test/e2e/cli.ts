// Spawns the built `weft` command (packages/cli/dist/bin.js) the way a user does.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The result of one `weft` invocation. */
export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `weft args…` in `cwd` to completion. */
export function weft(args: readonly string[], cwd: string, env: Record<string, string> = {}): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `weft args… --json` and parses the envelope. `R` and `D` are what the test expects the
 * envelope's `result` and `error.data` to hold (the parse does not check them: an assertion on a
 * field that is not there fails).
 */
export function weftJson<R = JsonObject, D = JsonObject>(
  args: readonly string[],
  cwd: string,
): Ran & { env: Envelope<R, D> } {
  const r = weft([...args, '--json'], cwd);
  let env: Envelope<R, D>;
  try {
    env = JSON.parse(r.stdout) as Envelope<R, D>;
  } catch {
    throw new Error(`not one JSON envelope (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, env };
}

/** Runs `weft args…` without blocking the test process (so a server in it can answer meanwhile). */
export function weftAsync(
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, WEFT_CATALOGUE_URL: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A JSON object whose fields a test reads as `unknown` (to compare, not to compute with). */
export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * The JSON envelope of a `--json` run (the CLI's `Envelope`, as a test reads it). `R` is the
 * `result` the test expects (present when `ok`, and in a failed run's report; a test reads it only
 * where it expects one), `D` the `error.data` it expects.
 */
export interface Envelope<R = JsonObject, D = JsonObject> {
  readonly ok: boolean;
  readonly result: R;
  readonly error?: { readonly code: string; readonly message: string; readonly data: D };
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
}

/** Runs `weft args… --json` without blocking the test process, and parses the one envelope on stdout. */
export async function weftJsonAsync<R = JsonObject, D = JsonObject>(
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<Ran & { env: Envelope<R, D> }> {
  const r = await weftAsync([...args, '--json'], cwd, env);
  try {
    return { ...r, env: JSON.parse(r.stdout) as Envelope<R, D> };
  } catch {
    throw new Error(`not one JSON envelope (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/**
 * Starts `weft args…` and SIGKILLs it once it has printed `lines` lines on stdout (an event-count
 * trigger: with --events each line is one event). Resolves with how many lines it saw and whether
 * the kill happened (the process may finish first).
 */
export function killAfterLines(
  args: readonly string[],
  cwd: string,
  lines: number,
): Promise<{ seen: number; killed: boolean; code: number | null }> {
  return killWhen(args, cwd, (_line, n) => n >= lines);
}

/**
 * Starts `weft args…` and SIGKILLs it at the first stdout line for which `when(line, count)` holds;
 * a `when` that returns a promise is awaited (lines arriving meanwhile are counted, not checked), so a
 * test can wait for an outside condition before the kill.
 */
export function killWhen(
  args: readonly string[],
  cwd: string,
  when: (line: string, count: number) => boolean | Promise<boolean>,
  env: Record<string, string> = {},
): Promise<{ seen: number; killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let seen = 0;
    let killed = false;
    let waiting = false;
    const decide = (verdict: boolean): void => {
      if (verdict && !killed) killed = child.kill('SIGKILL');
    };
    child.stdout.setEncoding('utf8');
    let partial = '';
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        seen++;
        if (killed || waiting) continue;
        const verdict = when(line, seen);
        if (typeof verdict === 'boolean') decide(verdict);
        else {
          waiting = true;
          verdict.then((v) => {
            waiting = false;
            decide(v);
          }, reject);
        }
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ seen, killed, code }));
  });
}

/** A fresh temporary project directory (with its own `.weft/`). */
export function tempProject(prefix = 'weft-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, '.weft'), { recursive: true });
  return dir;
}

/** For one test file: makes temp projects, and removes them all after its tests. */
export function tempProjects(): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = tempProject();
    dirs.push(d);
    return d;
  };
}

/** Writes the crash fixture's input: `n` numbered lines. */
export function writeLines(file: string, n: number): void {
  let s = '';
  for (let i = 0; i < n; i++)
    s += `line ${i}: the quick brown fox jumps over the lazy dog ${(i * 7919) % 1000}\n`;
  writeFileSync(file, s);
}
