// One-step set-up for a fresh machine that has only node and npm:
// installs the workspace with pnpm 10 fetched by npx (no global install), then builds every package.
// Re-running it is cheap: install is skipped when node_modules is current, turbo caches the build.
// Quiet: one line per step; the install's and build's output (a compiler's, when better-sqlite3 is
// built from source) go to node_modules/.weft-setup.log, printed only when a step fails.
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { quietStep } from './lib/quiet-step.mjs';

const bin = resolve('node_modules/.bin');
const LOG = 'node_modules/.weft-setup.log';
const env = {
  ...process.env,
  PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  npm_config_update_notifier: 'false',
};
const step = (title, cmd) => {
  const status = quietStep({ title, cmd, log: LOG, env });
  if (status !== 0) process.exit(status);
};

/** Whether pnpm already built better-sqlite3's native addon here (then install will not rebuild it). */
function sqliteBuilt() {
  const store = 'node_modules/.pnpm';
  if (!existsSync(store)) return false;
  return readdirSync(store)
    .filter((d) => d.startsWith('better-sqlite3@'))
    .some((d) => existsSync(join(store, d, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')));
}

if (process.env.CI || !existsSync('node_modules/.modules.yaml') || !existsSync(resolve(bin, 'turbo'))) {
  const why = sqliteBuilt()
    ? 'installing the workspace with pnpm 10'
    : 'installing the workspace with pnpm 10; better-sqlite3 (the run store) is compiled from source when no prebuilt binary can be downloaded, which can take a few minutes';
  step(
    why,
    `npx --yes pnpm@10.34.8 install${process.env.CI ? ' --frozen-lockfile' : ''} --reporter=append-only`,
  );
}
step(
  'building the packages (turbo; cached when nothing changed)',
  'turbo run build --output-logs=errors-only',
);
