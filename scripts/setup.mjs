// One-step set-up for a fresh machine that has only node and npm:
// installs the workspace with pnpm 10 fetched by npx (no global install), then builds every package.
// Re-running it is cheap: install is skipped when node_modules is current, turbo caches the build.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';

const bin = resolve('node_modules/.bin');
const env = {
  ...process.env,
  PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  npm_config_update_notifier: 'false',
};
const run = (cmd) => {
  try {
    execSync(cmd, { stdio: 'inherit', env });
  } catch (e) {
    // The command already printed its own errors; exit with its status, without a Node stack trace.
    console.error(`setup: "${cmd}" failed (exit ${e.status ?? e.signal ?? 'unknown'})`);
    process.exit(typeof e.status === 'number' && e.status > 0 ? e.status : 1);
  }
};

if (process.env.CI || !existsSync('node_modules/.modules.yaml') || !existsSync(resolve(bin, 'turbo'))) {
  run(`npx --yes pnpm@10.34.8 install${process.env.CI ? ' --frozen-lockfile' : ''} --reporter=append-only`);
}
run('turbo run build --output-logs=errors-only');
