import { RUN_FAILURE_CODES, toWeftError, type ErrorCode, type WeftError } from '@weft/core';

/** Exit codes of the `weft` command. */
export const EXIT = { ok: 0, runFailed: 1, usage: 2 } as const;

/** Codes that mean "the run itself failed" (exit 1); every other code is a usage or configuration error (exit 2). */
const RUN_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(RUN_FAILURE_CODES);

/** The exit code for an error: 1 when a run (or a check) failed, 2 for usage and configuration errors. */
export function exitCodeFor(error: WeftError): number {
  return RUN_CODES.has(error.code) ? EXIT.runFailed : EXIT.usage;
}

/** The one JSON object `--json` prints. */
export type Envelope =
  | { readonly ok: true; readonly result: unknown; readonly warnings: readonly Warning[] }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: string;
        readonly message: string;
        readonly data: Record<string, unknown>;
        /** The stack of the error (for a step's failure, the step's own stack). */
        readonly stack?: string;
      };
      readonly result?: unknown;
      readonly warnings: readonly Warning[];
    };

/** A non-fatal problem reported alongside a result. */
export interface Warning {
  readonly code: string;
  readonly message: string;
}

/** Where a command writes: stdout/stderr, and whether `--json` is on. Injected so tests can capture. */
export interface Io {
  readonly json: boolean;
  readonly quiet: boolean;
  /** `--verbose`: print an error's stack. */
  readonly verbose?: boolean;
  readonly tty: boolean;
  out(text: string): void;
  err(text: string): void;
  readonly warnings: Warning[];
}

/** A command's outcome: what to print and the exit code. */
export interface Outcome {
  readonly exit: number;
  readonly result?: unknown;
  readonly error?: WeftError;
  /** Human text printed without --json. */
  readonly text?: string;
}

/** Prints an outcome (the envelope with --json) and returns its exit code. */
export function finish(io: Io, o: Outcome): number {
  if (io.json) {
    const env: Envelope = o.error
      ? {
          ok: false,
          error: {
            code: o.error.code,
            message: o.error.message,
            data: plain(o.error.data),
            ...(o.error.stack ? { stack: o.error.stack } : {}),
          },
          ...(o.result !== undefined ? { result: o.result } : {}),
          warnings: io.warnings,
        }
      : { ok: true, result: o.result ?? null, warnings: io.warnings };
    io.out(stringifyEnvelope(env) + '\n');
    return o.exit;
  }
  for (const w of io.warnings) io.err(`warning [${w.code}] ${w.message}\n`);
  if (o.text && !io.quiet) io.out(o.text.endsWith('\n') ? o.text : o.text + '\n');
  if (o.error) {
    io.err(`error [${o.error.code}] ${o.error.message}\n`);
    if (io.verbose && o.error.stack) io.err(`${indent(o.error.stack)}\n`);
    else if (o.exit === EXIT.runFailed && o.error.stack && !io.quiet)
      io.err('(run again with --verbose for the stack, or see "stack" in the --json envelope)\n');
  }
  return o.exit;
}

/** An error outcome from anything thrown: a coded WeftError, never a bare stack. */
export function failure(e: unknown, fallback: ErrorCode = 'INTERNAL'): Outcome {
  const error = toWeftError(e, fallback);
  return { exit: exitCodeFor(error), error };
}

function plain(data: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function indent(stack: string): string {
  return stack
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** The envelope as JSON; a value JSON cannot hold (a BigInt in error data, say) becomes a string. */
function stringifyEnvelope(env: Envelope): string {
  return JSON.stringify(env, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
