// `npm test` after set-up and formatting: typecheck, lint and test every package with turbo (test
// tasks are cached on their inputs: a package whose files did not change replays its last result),
// then print the test totals, also when something failed. Exits with turbo's status.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { formatTotals, packageDirs, readTotals } from './lib/test-totals.mjs';

const root = resolve(import.meta.dirname, '..');
// Every report present afterwards was written, or restored from turbo's cache, by this run.
const dirs = packageDirs(root);
for (const d of dirs) rmSync(join(d, '.test-results'), { recursive: true, force: true });
const env = {
  ...process.env,
  PATH: `${resolve(root, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}`,
  TURBO_TELEMETRY_DISABLED: '1',
};
const turbo = spawnSync(
  'turbo',
  ['run', 'typecheck', 'lint', 'test', '--output-logs=errors-only', ...process.argv.slice(2)],
  { cwd: root, env, stdio: 'inherit' },
);
console.log(formatTotals(readTotals(dirs)));
process.exit(turbo.status ?? 1);
