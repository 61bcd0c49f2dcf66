#!/usr/bin/env node
// The `weft` command. With --offline, the process re-runs itself with the offline guard preloaded
// (`node --require`), so that network use is refused in the main thread and in every worker thread.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from './program.js';

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
    [...process.execArgv, '--require', guard, fileURLToPath(import.meta.url), ...argv],
    { stdio: 'inherit' },
  );
  process.exitCode = child.status ?? 1;
} else {
  process.exitCode = await main(argv);
}
