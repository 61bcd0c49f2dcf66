import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { WeftError, isWeftError } from '@weft/core';
import { formatReport } from './report.js';
import { runSuites } from './runner.js';
import { selectSuites, suites } from './suites/index.js';
import { engineTuning, loadTuningProfile } from './tuning/profile-file.js';

/** Usage text of the bench command. */
export const USAGE = `usage: weft-bench [options]

Runs benchmark suites side by side and prints a table of medians (min–max) and ratios.

options:
  --suite <name>   run only this suite (repeatable); default: all
  --smoke          tiny sizes, one call per case: checks that suites work (figures meaningless)
  --runs <n>       repetitions per suite (default 5; smoke 1)
  --time <ms>      time budget per case and repetition (default 500)
  --json           write the report as JSON to stdout (or to --out) instead of the table
  --out <file>     write the JSON report to <file> (implies --json; the table still goes to stdout)
  --list           list the suites and exit
  -h, --help       this text`;

/** Where the command writes. */
export interface BenchIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: BenchIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

/**
 * The bench command: parses `argv` (without the node and script paths), runs the suites, prints.
 * Returns the exit code: 0 done, 1 a case failed, 2 usage error.
 */
export async function benchMain(argv: readonly string[], io: BenchIo = processIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        suite: { type: 'string', multiple: true },
        smoke: { type: 'boolean' },
        runs: { type: 'string' },
        time: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (values.list) {
    for (const s of suites) io.out(`${s.name.padEnd(16)} ${s.description}`);
    return 0;
  }
  try {
    const selected = selectSuites(values.suite ?? []);
    const runs = values.runs === undefined ? undefined : positiveInt('--runs', values.runs);
    const timeMs = values.time === undefined ? undefined : positiveInt('--time', values.time);
    const json = values.json === true || values.out !== undefined;
    const tuning = await loadTuningProfile(process.cwd());
    const report = await runSuites(selected, {
      smoke: values.smoke === true,
      ...(tuning ? { tuning: engineTuning(tuning) } : {}),
      ...(runs !== undefined ? { runs } : {}),
      ...(timeMs !== undefined ? { timeMs } : {}),
      onProgress: (m) => io.err(m),
    });
    const text = JSON.stringify(report, null, 2);
    if (values.out !== undefined) await writeFile(values.out, `${text}\n`);
    if (json && values.out === undefined) io.out(text);
    else io.out(formatReport(report));
    return 0;
  } catch (e) {
    if (isWeftError(e) && e.code === 'OPTION_INVALID') {
      io.err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`bench failed: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}

function positiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new WeftError('OPTION_INVALID', `${flag} needs a positive integer, got "${raw}"`);
  return n;
}
