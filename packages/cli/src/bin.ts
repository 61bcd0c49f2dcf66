#!/usr/bin/env node
// The `weft` command. With --offline, the process re-runs itself with the offline guard preloaded
// (`node --require`), so that network use is refused in the main thread and in every worker thread.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { offlineNodeArgs } from './offline/node-args.js';
import { loadFailure } from './util/load-failure.js';

// A closed pipe (`weft runs | head`) ends the output quietly instead of with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const argv = process.argv.slice(2);
const offline = argv.includes('--offline') && argv[0] !== 'validate';
const guarded = (globalThis as Record<string, unknown>)['__weftOffline'] === true;

if (offline && !guarded) {
  const guard = fileURLToPath(new URL('./offline/guard.cjs', import.meta.url));
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, ...offlineNodeArgs(guard), fileURLToPath(import.meta.url), ...argv],
    { stdio: 'inherit' },
  );
  process.exitCode = child.status ?? 1;
} else {
  // The command's modules (and @weft/actors, @weft/core, better-sqlite3 under them) load here: a
  // broken or missing dependency is reported as DEPENDENCY_MISSING, never worked around.
  let main: typeof import('./program.js').main | undefined;
  try {
    ({ main } = await import('./program.js'));
  } catch (e) {
    const { text, exit } = loadFailure(e, argv.includes('--json'));
    process.stdout.write(text.stdout);
    process.stderr.write(text.stderr);
    process.exitCode = exit;
  }
  if (main) process.exitCode = await main(argv);
}
