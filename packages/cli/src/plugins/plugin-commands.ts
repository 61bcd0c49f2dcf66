import { Option, type Command } from 'commander';
import type { CliCommandIo, CliCommandSpec } from '@weft/core/plugin';
import type { Io, Outcome } from '../util/output.js';

/**
 * Adds the plugins' commands as `weft <name>` (`weft worker` from @weft/bullmq). A command gets the
 * CLI's streams, `--json`, and a signal aborted on SIGINT/SIGTERM so that a long-running command
 * stops gracefully; its return value is the exit code. A name the CLI already has is not replaced.
 */
export function pluginCommands(
  program: Command,
  specs: readonly CliCommandSpec[],
  io: Io,
  act: (fn: () => Promise<Outcome>) => () => Promise<void>,
  json: () => Option,
): void {
  const taken = new Set(program.commands.map((c) => c.name()));
  for (const spec of specs) {
    if (taken.has(spec.name)) {
      io.warnings.push({
        code: 'PLUGIN_INVALID',
        message: `a plugin's command "${spec.name}" is not added: weft already has one`,
      });
      continue;
    }
    taken.add(spec.name);
    const cmd = program.command(spec.name).description(spec.description);
    for (const a of spec.arguments ?? []) cmd.argument(a);
    for (const o of spec.options) {
      const opt = new Option(o.flags, o.description);
      if (o.default !== undefined) opt.default(o.default);
      cmd.addOption(opt);
    }
    cmd.addOption(json());
    cmd.action((...all: unknown[]) => {
      const command = all[all.length - 1] as Command;
      const args = command.args;
      const options = command.opts();
      return act(async () => {
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const cio: CliCommandIo = {
          out: (s) => io.out(s),
          err: (s) => io.err(s),
          json: io.json,
          signal: stop.signal,
        };
        try {
          return { exit: await spec.action(args, options, cio) };
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      })();
    });
  }
}
