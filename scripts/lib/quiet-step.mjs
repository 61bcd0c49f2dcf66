// One set-up step, quietly: one line saying what runs and why, the command's whole output kept in
// a log file, and that log shown only when the command fails.
import { execSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Lines of the log printed when a step fails (the whole log stays in the file). */
export const FAILURE_TAIL = 200;

/** `1m 05s`, `12s`. */
export function elapsed(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Runs `cmd` (a shell command, in `cwd`) with its stdout and stderr appended to `log`, after printing
 * `<label>: <title> (log: <log>)` (label: `setup` unless given); prints ` done in …` on success. On failure prints the last
 * FAILURE_TAIL lines of the log and returns the exit status (never throws).
 * @returns 0 on success, else the command's exit status (1 when it has none).
 */
export function quietStep({
  title,
  cmd,
  label = 'setup',
  log,
  env = process.env,
  cwd = process.cwd(),
  out = process.stdout,
  err = process.stderr,
}) {
  mkdirSync(dirname(log), { recursive: true });
  appendFileSync(log, `\n$ ${cmd}\n`);
  out.write(`${label}: ${title} (log: ${log})…`);
  const started = Date.now();
  const fd = openSync(log, 'a');
  let status = 0;
  try {
    execSync(cmd, { stdio: ['ignore', fd, fd], env, cwd });
  } catch (e) {
    status = typeof e.status === 'number' && e.status > 0 ? e.status : 1;
  } finally {
    closeSync(fd);
  }
  if (status === 0) {
    out.write(` done in ${elapsed(Date.now() - started)}\n`);
    return 0;
  }
  out.write(' FAILED\n');
  const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
  const shown = lines.slice(-FAILURE_TAIL);
  err.write(
    `${label}: "${cmd}" failed (exit ${status}). ${
      shown.length < lines.length ? `The last ${shown.length} lines of ${log}` : `Its log (${log})`
    }:\n${shown.join('\n')}\n`,
  );
  return status;
}
