import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { WeftError, isWeftError } from '@weft/core';
import { engineTuning, loadTuningProfile } from '@weft/bench/tuning';
import { writeFileAtomic } from '../util/atomic.js';
import type { Io, Outcome } from '../util/output.js';
import { findProjectRoot } from '../util/project.js';

/** Options of `weft bench`. */
export interface BenchCommandOptions {
  readonly suite?: readonly string[];
  readonly smoke?: boolean;
  readonly runs?: string;
  readonly time?: string;
  readonly out?: string;
  readonly list?: boolean;
}

/** Options of `weft bench tune`. */
export interface TuneCommandOptions {
  readonly smoke?: boolean;
  readonly runs?: string;
  readonly time?: string;
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new WeftError('USAGE_INVALID', `${flag} must be an integer ≥ 1, got "${v}"`);
  return n;
}

/** The bench package, loaded only by the bench commands (it brings the suites and their peers). */
async function benchPackage(): Promise<typeof import('@weft/bench')> {
  return import('@weft/bench');
}

const progress = (io: Io): { onProgress?: (m: string) => void } =>
  io.quiet ? {} : { onProgress: (m: string) => io.err(`${m}\n`) };

/**
 * `weft bench`: runs the suites side by side, prints the table, and writes the JSON report to
 * `--out` or `.weft/bench/bench-<time>.json` under the project root. A missed target is reported,
 * not an error (exit 0); a case that fails is exit 1.
 */
export async function benchCommand(opts: BenchCommandOptions, io: Io, cwd = process.cwd()): Promise<Outcome> {
  const bench = await benchPackage();
  if (opts.list) {
    const list = bench.suites.map((s) => ({ name: s.name, description: s.description }));
    return {
      exit: 0,
      result: list,
      text: list.map((s) => `${s.name.padEnd(16)} ${s.description}`).join('\n'),
    };
  }
  let selected;
  try {
    selected = bench.selectSuites(opts.suite ?? []);
  } catch (e) {
    if (isWeftError(e)) throw new WeftError('USAGE_INVALID', e.message, { data: e.data });
    throw e;
  }
  const runs = positiveInt('--runs', opts.runs);
  const timeMs = positiveInt('--time', opts.time);
  const root = findProjectRoot(cwd);
  const tuning = await loadTuningProfile(root);
  let report;
  try {
    report = await bench.runSuites(selected, {
      smoke: opts.smoke === true,
      ...(runs !== undefined ? { runs } : {}),
      ...(timeMs !== undefined ? { timeMs } : {}),
      ...(tuning ? { tuning: engineTuning(tuning) } : {}),
      ...progress(io),
    });
  } catch (e) {
    // A case checks its own output and throws when it is wrong: the bench failed (exit 1).
    throw new WeftError('STEP_FAILED', `bench failed: ${(e as Error).message}`, { cause: e });
  }
  const stamp = report.createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file =
    opts.out !== undefined ? resolve(cwd, opts.out) : join(root, '.weft', 'bench', `bench-${stamp}.json`);
  writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  return { exit: 0, result: { file, report }, text: `${bench.formatReport(report)}\nreport: ${file}` };
}

/**
 * `weft bench tune`: measures the pool size, map chunk size and codec threshold that serve best on
 * this machine and writes them to `.weft/tuning.json` (atomically), which `weft run` then uses.
 */
export async function benchTuneCommand(
  opts: TuneCommandOptions,
  io: Io,
  cwd = process.cwd(),
): Promise<Outcome> {
  const bench = await benchPackage();
  const runs = positiveInt('--runs', opts.runs);
  const timeMs = positiveInt('--time', opts.time);
  const root = findProjectRoot(cwd);
  const { profile, suites } = await bench.tuneMachine({
    smoke: opts.smoke === true,
    ...(runs !== undefined ? { runs } : {}),
    ...(timeMs !== undefined ? { timeMs } : {}),
    ...progress(io),
  });
  const file = await bench.writeTuningProfile(root, profile);
  const { loadAverage, cores } = profile.machine;
  if (loadAverage > cores / 2) {
    io.warnings.push({
      code: 'MACHINE_BUSY',
      message: `the load average was ${loadAverage} on ${cores} cores while tuning: other work competed for the CPU, and the profile reflects that (a busy machine favours fewer threads); tune again when it is quiet`,
    });
  }
  const v = profile.values;
  const d = profile.defaults;
  const text = [
    ...suites.map((s) => bench.formatSuite(s)),
    '',
    `threads         ${String(v.threads).padEnd(8)} (default ${d.threads})`,
    `chunk size      ${String(v.chunkSize).padEnd(8)} (default ${d.chunkSize})`,
    `codec threshold ${String(v.codecThreshold).padEnd(8)} (default ${d.codecThreshold}; binary outputs from this many bytes are transferred)`,
    `profile: ${file} (weft run and engines created with it use these values; delete it to go back to the defaults)`,
  ].join('\n');
  return { exit: 0, result: { file, profile, suites }, text };
}

/** Registers `weft bench` and `weft bench tune` on the program; returns the `bench` command. */
export function benchCommands(
  program: Command,
  io: Io,
  act: (fn: () => Promise<Outcome>) => () => Promise<void>,
  json: () => Option,
  quiet: () => Option,
): Command {
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  const bench = program
    .command('bench')
    .description(
      'benchmark Weft side by side with its peers on this machine (a table, and a JSON report under .weft/bench/)',
    )
    .option('--suite <name>', 'run only this suite (repeatable); --list shows them', collect)
    .option('--smoke', 'tiny sizes, one call per case: checks that the suites work (figures meaningless)')
    .option('--runs <n>', 'repetitions per suite (default 5)')
    .option('--time <ms>', 'time budget per case and repetition (default 500)')
    .option('--out <file>', 'write the JSON report here instead of .weft/bench/bench-<time>.json')
    .option('--list', 'list the suites')
    .addOption(json())
    .addOption(quiet())
    .action((opts: BenchCommandOptions) => act(() => benchCommand(opts, io))());
  bench
    .command('tune')
    .description(
      'measure the pool size, chunk size and codec threshold that serve best here; write .weft/tuning.json',
    )
    .option('--smoke', 'tiny sizes: checks that tuning works (the profile is meaningless)')
    .option('--runs <n>', 'repetitions per candidate (default 3)')
    .option('--time <ms>', 'time budget per candidate and repetition (default 300)')
    .addOption(json())
    .addOption(quiet())
    // Flags written after `tune` that `bench` also declares are parsed by `bench`: take them from there.
    .action((opts: TuneCommandOptions, cmd: Command) =>
      act(() => benchTuneCommand({ ...(cmd.parent?.opts<TuneCommandOptions>() ?? {}), ...opts }, io))(),
    );
  return bench;
}
