import { Command, CommanderError, Option } from 'commander';
import { WeftError, pipelineSchema } from '@weft/core';
import { auditVerifyCommand, pruneCommand, runsCommand, type RunsOptions } from './commands/runs.js';
import { storeCheckCommand, storeRepairCommand } from './commands/store.js';
import { resumeCommand } from './commands/resume.js';
import { runCommand, type RunCommandOptions } from './commands/run.js';
import { graphCommand, validateCommand } from './commands/validate.js';
import { initCommand } from './commands/init.js';
import { catalogueCommands } from './commands/catalogue.js';
import { benchCommands } from './commands/bench.js';
import { serveCommand, type ServeCommandOptions } from './commands/serve.js';
import { EXIT, failure, finish, type Io, type Outcome } from './util/output.js';
import { findProjectRoot } from './util/project.js';
import { describeNote, takeInterruptedNotes } from './run/interrupted-note.js';
import type { LoadedPlugins } from '@weft/core/plugin';
import { usePluginOrchestrators } from './run/engine.js';
import { loadCliPlugins, pluginOrchestratorOptions, runOptionOf } from './plugins/cli-plugins.js';
import { pluginCommands } from './plugins/plugin-commands.js';

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
  let plugins: LoadedPlugins | undefined;
  try {
    plugins = await loadCliPlugins(argv);
  } catch (e) {
    return finish(io, failure(e));
  }
  usePluginOrchestrators(plugins?.orchestrators ?? []);
  try {
    return await parse(argv, io, plugins, act, () => outcome);
  } finally {
    for (const problem of (await plugins?.close()) ?? []) io.err(`warning [HOOK_FAILED] ${problem}\n`);
    usePluginOrchestrators([]);
  }
}

async function parse(
  argv: readonly string[],
  io: Io,
  plugins: LoadedPlugins | undefined,
  act: (fn: () => Promise<Outcome>) => () => Promise<void>,
  outcomeOf: () => Outcome | undefined,
): Promise<number> {
  const program = build(io, act, plugins);
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
  const outcome = outcomeOf();
  if (!outcome) return EXIT.ok;
  return finish(io, outcome);
}

const json = (): Option => new Option('--json', 'print one JSON envelope {ok, result | error, warnings}');
const quiet = (): Option => new Option('-q, --quiet', 'print only errors');

function build(
  io: Io,
  act: (fn: () => Promise<Outcome>) => () => Promise<void>,
  plugins: LoadedPlugins | undefined,
): Command {
  const runOptions = plugins?.runOptions ?? [];
  const pluginOptions =
    (given: object) =>
    (mode: string): Record<string, unknown> =>
      pluginOrchestratorOptions(given as Readonly<Record<string, unknown>>, mode, runOptions);
  const program = new Command('weft')
    .description('Run Weft pipelines from the command line: durable, resumable, cached batch runs.')
    .version(VERSION)
    .option(
      '--plugin <module>',
      'load a plugin (repeatable): its orchestration modes, commands and run options',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
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
Runs, events, snapshots, checkpoints and step outputs live in .weft/ under the project root (the
nearest directory holding a .weft/ of yours, else the current directory); see weft store --help.
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
      "where steps run: workers (all cores, the default when available), direct (main thread), or a plugin's mode (bullmq: weft worker processes on Redis)",
    )
    .option('--threads <n>', 'worker threads (default: one per core; at most 4 per core)')
    .option('--max-memory <MB>', "heap cap of each worker thread in MB (default: Node's heap size)")
    .option('--no-cache', 'run every step even when a completed result is stored')
    .option('--offline', 'refuse network use inside steps (NETWORK_REFUSED)')
    .option('--events', 'print every event as a JSON line on stdout')
    .addOption(json())
    .addOption(quiet())
    .action((target: string, opts: RunCommandOptions) =>
      act(() => runCommand(target, { ...opts, pluginOptions: pluginOptions(opts) }, io))(),
    );

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
      ) => act(() => resumeCommand(runId, { ...opts, pluginOptions: pluginOptions(opts) }, io))(),
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

  const runs = program
    .command('runs')
    .description('list runs (newest first), or show one with its sessions, steps and timings')
    .argument('[run-id]')
    .option('--limit <n>', 'runs to list (default 50, at most 1000)')
    .option(
      '--status <status>',
      'only runs with this status (running, interrupted, suspended, succeeded, failed, ...)',
    )
    .option('--pipeline <name>', 'only runs of this pipeline')
    .addOption(json())
    .action((runId: string | undefined, opts: RunsOptions) => act(() => runsCommand(runId, opts, io))());
  runs
    .command('prune')
    .description('remove finished runs (and what only they used) older than an age, keeping the newest n')
    .option('--older-than <age>', 'age of the runs to remove: 7d, 12h, 30m, ...')
    .option('--keep <n>', 'always keep the newest n runs')
    .addOption(json())
    .action((opts: { olderThan?: string; keep?: string }) => act(() => pruneCommand(opts, io))());

  const audit = program.command('audit').description('audit logs of runs');
  audit
    .command('verify')
    .description("verify the hash chain of a run's audit log against the head anchored in the store")
    .argument('<run-id>')
    .addOption(json())
    .action((runId: string) => act(() => auditVerifyCommand(runId, io))());

  const store = program.command('store').description('the project store (.weft/weft.db)');
  store
    .command('check')
    .description('check the store for damage (SQLite integrity_check), without changing it')
    .addOption(json())
    .action(() => act(() => storeCheckCommand(io))());
  store
    .command('repair')
    .description('salvage what can be read of a damaged store into a new file, keeping the old one aside')
    .addOption(json())
    .action(() => act(() => storeRepairCommand(io))());

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

  program
    .command('serve')
    .description(
      'serve pipelines over HTTP (execute, start, stream, validate, runs, events, cancel, resume); prints the URL first',
    )
    .argument('[pipeline...]', 'more pipelines to register: pipeline.json, or module.js[#export]')
    .option('--config <file>', 'service configuration (default: .weft/serve.json when present)')
    .option(
      '--host <host>',
      'address to listen on (default 127.0.0.1; another needs auth in the configuration)',
    )
    .option('--port <n>', 'port to listen on (default 8742; 0 picks a free one)')
    .option('--no-ui', 'do not serve the dashboard at /ui (the configuration\'s "ui": false does the same)')
    .addOption(quiet())
    .action((targets: string[], opts: ServeCommandOptions) => act(() => serveCommand(targets, opts, io))());

  for (const spec of runOptions) {
    for (const c of program.commands)
      if (c.name() === 'run' || c.name() === 'resume') c.addOption(runOptionOf(spec));
  }

  const catalogue = catalogueCommands(program, io, act, json);
  const bench = benchCommands(program, io, act, json, quiet);
  pluginCommands(program, plugins?.cliCommands ?? [], io, act, json);

  for (const c of [
    ...program.commands,
    ...runs.commands,
    ...audit.commands,
    ...store.commands,
    ...catalogue.commands,
    ...bench.commands,
  ])
    c.option('--verbose', 'print the stack of an error')
      .exitOverride()
      .configureOutput({
        writeOut: (s) => io.out(s),
        writeErr: (s) => (io.json ? undefined : io.err(s)),
        outputError: (s, write) => (io.json ? undefined : write(s)),
      });
  return program;
}
