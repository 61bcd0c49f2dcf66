import { Command, CommanderError, Option } from 'commander';
import { WeftError, pipelineSchema } from '@weft/core';
import { auditVerifyCommand, runsCommand } from './commands/runs.js';
import { resumeCommand } from './commands/resume.js';
import { runCommand, type RunCommandOptions } from './commands/run.js';
import { graphCommand, validateCommand } from './commands/validate.js';
import { initCommand } from './commands/init.js';
import { catalogueCommands } from './commands/catalogue.js';
import { benchCommands } from './commands/bench.js';
import { EXIT, failure, finish, type Io, type Outcome } from './util/output.js';
import { findProjectRoot } from './util/project.js';
import { describeNote, takeInterruptedNotes } from './run/interrupted-note.js';

/** The version printed by `weft --version`. */
export const VERSION = '0.1.0';

/** Where the process writes; tests pass their own. */
export interface Streams {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean };
}

function makeIo(argv: readonly string[], streams: Streams): Io {
  const json = argv.includes('--json');
  return {
    json,
    quiet: argv.includes('--quiet') || argv.includes('-q'),
    verbose: argv.includes('--verbose'),
    tty: streams.stderr.isTTY === true,
    out: (s) => void streams.stdout.write(s),
    err: (s) => void streams.stderr.write(s),
    warnings: [],
  };
}

/**
 * Runs the `weft` command with `argv` (without `node` and the script) and returns the exit code:
 * 0 ok, 1 the run (or a check) failed, 2 usage or configuration error. Never throws.
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], streams: Streams = process): Promise<number> {
  const io = makeIo(argv, streams);
  // A run that ended with its process (process.exit in a step, Ctrl-C on a busy main thread) is told once, here.
  if (!argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a)))
    for (const n of takeInterruptedNotes(findProjectRoot()))
      io.warnings.push({ code: 'RUN_INTERRUPTED', message: describeNote(n) });
  let outcome: Outcome | undefined;
  const act = (fn: () => Promise<Outcome>) => async (): Promise<void> => {
    try {
      outcome = await fn();
    } catch (e) {
      outcome = failure(e);
    }
  };
  const program = build(io, act);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return EXIT.ok;
      return finish(io, {
        exit: EXIT.usage,
        error: new WeftError('USAGE_INVALID', e.message.replace(/^error: /, ''), {
          data: { commander: e.code },
        }),
      });
    }
    return finish(io, failure(e));
  }
  if (!outcome) return EXIT.ok;
  return finish(io, outcome);
}

const json = (): Option => new Option('--json', 'print one JSON envelope {ok, result | error, warnings}');
const quiet = (): Option => new Option('-q, --quiet', 'print only errors');

function build(io: Io, act: (fn: () => Promise<Outcome>) => () => Promise<void>): Command {
  const program = new Command('weft')
    .description('Run Weft pipelines from the command line: durable, resumable, cached batch runs.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError(!io.json)
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => (io.json ? undefined : io.err(s)),
      outputError: (s, write) => (io.json ? undefined : write(s)),
    });
  program.addHelpText(
    'after',
    `
Pipelines are JSON declarations (pipeline.json) or JS modules exporting one (file.js or file.js#name).
Runs, events, snapshots, checkpoints and step outputs live in .weft/weft.db under the project root
(the nearest directory holding .weft/, else the current directory).
Configuration: .weft/config.json (weft init writes it); WEFT_CATALOGUE_URL overrides the catalogue URL.
Exit codes: 0 ok, 1 the run failed, 2 usage or configuration error.`,
  );

  program
    .command('run')
    .description('run a pipeline; completed step invocations are taken from the store instead of run again')
    .argument('<pipeline>', 'pipeline.json, or module.js[#export]')
    .option(
      '-i, --input <value>',
      'run input: JSON, a plain string, or @file (.json parsed, other files as text)',
    )
    .option('--run-id <id>', 'id of the run (default: time plus random hex)')
    .option(
      '-o, --out <dir>',
      'output directory: locked for the run; the output is written atomically to <dir>/output.json',
    )
    .option(
      '--orchestrator <mode>',
      'where steps run: workers (all cores, the default when available) or direct (main thread)',
    )
    .option('--threads <n>', 'worker threads (default: one per core; at most 4 per core)')
    .option('--max-memory <MB>', "heap cap of each worker thread in MB (default: Node's heap size)")
    .option('--no-cache', 'run every step even when a completed result is stored')
    .option('--offline', 'refuse network use inside steps (NETWORK_REFUSED)')
    .option('--events', 'print every event as a JSON line on stdout')
    .addOption(json())
    .addOption(quiet())
    .action((target: string, opts: RunCommandOptions) => act(() => runCommand(target, opts, io))());

  program
    .command('resume')
    .description(
      'continue a run: a suspended one with --input, a crashed or failed one from what it had completed',
    )
    .argument('<run-id>')
    .option('-i, --input <value>', 'resume value for a suspended run (JSON, string or @file)')
    .option('--orchestrator <mode>', 'override the orchestration mode the run was started with')
    .option('--threads <n>', 'worker threads (default: one per core; at most 4 per core)')
    .option('--max-memory <MB>', "heap cap of each worker thread in MB (default: Node's heap size)")
    .option('--offline', 'refuse network use inside steps (required for a run started with --offline)')
    .option('--events', 'print every event as a JSON line on stdout')
    .addOption(json())
    .addOption(quiet())
    .action(
      (
        runId: string,
        opts: {
          input?: string;
          events?: boolean;
          threads?: string;
          maxMemory?: string;
          orchestrator?: string;
          offline?: boolean;
        },
      ) => act(() => resumeCommand(runId, opts, io))(),
    );

  program
    .command('validate')
    .description('check a pipeline file without running it (schema, graph, step code references)')
    .argument('<pipeline>', 'pipeline.json, or module.js[#export]')
    .option('--offline', 'also report step modules that import network modules or call fetch')
    .addOption(json())
    .action((target: string, opts: { offline?: boolean }) => act(() => validateCommand(target, opts, io))());

  program
    .command('graph')
    .description('print the pipeline as a Mermaid flowchart')
    .argument('<pipeline>', 'pipeline.json, or module.js[#export]')
    .addOption(json())
    .action((target: string) => act(() => graphCommand(target, io))());

  program
    .command('runs')
    .description('list runs, or show one with its sessions, steps and timings')
    .argument('[run-id]')
    .addOption(json())
    .action((runId: string | undefined) => act(() => runsCommand(runId))());

  const audit = program.command('audit').description('audit logs of runs');
  audit
    .command('verify')
    .description("verify the hash chain of a run's audit log; reports the first bad entry")
    .argument('<run-id>')
    .addOption(json())
    .action((runId: string) => act(() => auditVerifyCommand(runId))());

  program
    .command('schema')
    .description('print the JSON Schema of pipeline files')
    .addOption(json())
    .action(() =>
      act(async () => ({ exit: 0, result: pipelineSchema, text: JSON.stringify(pipelineSchema, null, 2) }))(),
    );

  program
    .command('init')
    .description(
      'make the current directory a project (.weft/, a starter config, a starter pipeline it prints the command of); with a remote catalogue, prime its cache for offline use',
    )
    .option('--no-starter', 'do not write the starter pipeline (pipeline.json + steps.mjs)')
    .option(
      '--catalogue <url|file>',
      'set the catalogue: an http(s) URL, or a local catalogue file (relative to the project root)',
    )
    .option('--offline', 'do not prime the catalogue cache (init still succeeds, with a warning)')
    .addOption(json())
    .addOption(quiet())
    .action((opts: { catalogue?: string; offline?: boolean; starter?: boolean }) =>
      act(() => initCommand(opts, io))(),
    );

  const catalogue = catalogueCommands(program, io, act, json);
  const bench = benchCommands(program, io, act, json, quiet);

  for (const c of [...program.commands, ...audit.commands, ...catalogue.commands, ...bench.commands])
    c.option('--verbose', 'print the stack of an error')
      .exitOverride()
      .configureOutput({
        writeOut: (s) => io.out(s),
        writeErr: (s) => (io.json ? undefined : io.err(s)),
        outputError: (s, write) => (io.json ? undefined : write(s)),
      });
  return program;
}
