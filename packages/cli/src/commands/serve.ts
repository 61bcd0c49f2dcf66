import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { WeftError } from '@weft/core';
import { loadPipeline } from '../run/load-pipeline.js';
import type { ServeConfig } from '@weft/serve';
import type { Io, Outcome } from '../util/output.js';
import { findProjectRoot } from '../util/project.js';

/** Options of `weft serve`. */
export interface ServeCommandOptions {
  readonly config?: string;
  readonly host?: string;
  readonly port?: string;
}

/** The configuration file `weft serve` reads when `--config` is not given (when it exists). */
export const SERVE_CONFIG_FILE = 'serve.json';

/**
 * `weft serve [--config FILE] [--host H] [--port N] [PIPELINE...]`: starts the HTTP service with the
 * pipelines of the configuration plus those named, prints the URL it listens on as its first line,
 * and runs until SIGTERM or SIGINT (or `stop` aborts), then shuts down gracefully and exits 0.
 * @weft/serve is imported only here, so the other commands do not load the HTTP stack.
 */
export async function serveCommand(
  targets: readonly string[],
  opts: ServeCommandOptions,
  io: Io,
  stop: AbortSignal = signalAbort(),
): Promise<Outcome> {
  const port = opts.port === undefined ? undefined : parsePort(opts.port);
  const root = findProjectRoot();
  const file = opts.config !== undefined ? resolve(opts.config) : join(root, '.weft', SERVE_CONFIG_FILE);
  if (opts.config !== undefined && !existsSync(file))
    throw new WeftError('CONFIG_INVALID', `configuration file not found: ${file}`, { data: { file } });
  const config = existsSync(file) ? readConfig(file) : {};
  const baseDir = existsSync(file) ? dirname(file) : root;
  const { startServer } = await import('@weft/serve');
  const server = await startServer({
    // Checked against the configuration schema by startServer (CONFIG_INVALID, every problem listed).
    config: config as ServeConfig,
    baseDir,
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(port !== undefined ? { port } : {}),
    pipelines: targets.map((t) => resolve(t)),
    loadPipeline: async (target) => (await loadPipeline(target, baseDir)).pipeline,
    logger: {
      info: () => {},
      warn: (_o, msg) => io.err(`warning ${msg ?? ''}\n`),
      error: (o, msg) => io.err(`error ${msg ?? ''} ${JSON.stringify(o, errorReplacer)}\n`),
    },
  });
  io.out(`${server.url}\n`);
  if (!io.quiet) {
    const names = server.context.pipelines.list().map((p) => p.name);
    io.err(
      `weft serve: ${names.length} pipeline(s) (${names.join(', ') || 'none'}), orchestration mode ${server.config.orchestrationMode}; Ctrl-C to stop\n`,
    );
  }
  await new Promise<void>((r) =>
    stop.aborted ? r() : stop.addEventListener('abort', () => r(), { once: true }),
  );
  if (!io.quiet) io.err('weft serve: shutting down\n');
  await server.close();
  return { exit: 0 };
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d{1,5}$/.test(v) || n > 65535)
    throw new WeftError('USAGE_INVALID', `--port must be an integer from 0 to 65535, got "${v}"`);
  return n;
}

function readConfig(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new WeftError('CONFIG_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, {
      data: { file },
    });
  }
}

/** Aborted on the first SIGTERM or SIGINT. */
function signalAbort(): AbortSignal {
  const ac = new AbortController();
  const on = (): void => {
    process.off('SIGTERM', on);
    process.off('SIGINT', on);
    ac.abort();
  };
  process.once('SIGTERM', on);
  process.once('SIGINT', on);
  return ac.signal;
}

function errorReplacer(_k: string, v: unknown): unknown {
  return v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;
}
