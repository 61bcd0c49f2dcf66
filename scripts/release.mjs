// Packs the publishable packages (every packages/* that is not private) into npm tarballs that
// install outside this monorepo: `pnpm pack` turns each `workspace:*` dependency into the version it
// names (`npm pack` would leave `workspace:*`, which npm refuses with EUNSUPPORTEDPROTOCOL).
//
//   node scripts/release.mjs [--out <dir>] [--prebuild]
//
// --out       where the tarballs go (default: release/)
// --prebuild  also write better-sqlite3's native addon, as built here, as a prebuild tarball under
//             <dir>/prebuilds/ (for machines of the same platform that cannot download one: see
//             the printed npm_config_better_sqlite3_local_prebuilds)
//
// Builds first (turbo, cached), checks each tarball's package.json for a left-over `workspace:`
// protocol, prints the tarballs and the npm command that installs them. Exit 1 on any failure.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { quietStep } from './lib/quiet-step.mjs';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { out: { type: 'string', default: 'release' }, prebuild: { type: 'boolean', default: false } },
});
const out = resolve(values.out);
const bin = join(root, 'node_modules', '.bin');
const env = {
  ...process.env,
  PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
  TURBO_TELEMETRY_DISABLED: '1',
};
/** A path as the user best reads it: relative below the current directory, else absolute. */
const shown = (p) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p));
const fail = (message) => {
  console.error(`release: ${message}`);
  process.exit(1);
};

if (!existsSync(join(bin, 'pnpm'))) fail('run `npm run setup` first (no node_modules/.bin/pnpm)');
mkdirSync(out, { recursive: true });
const log = join(out, 'release.log');
const built = quietStep({
  label: 'release',
  title: 'building the packages',
  cmd: 'turbo run build --output-logs=errors-only',
  log,
  env,
  cwd: root,
});
if (built !== 0) process.exit(built);

const packages = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((d) => existsSync(join(d, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private);

const tarballs = [];
for (const { dir, pkg } of packages) {
  let packed;
  try {
    packed = execFileSync(join(bin, 'pnpm'), ['pack', '--pack-destination', out, '--json'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    fail(`pnpm pack of ${pkg.name} failed:\n${e.stderr ?? e.message}`);
  }
  const file = resolve(dir, JSON.parse(packed).filename);
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' }),
  );
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) {
        fail(`${shown(file)}: ${field}.${name} is still "${range}"`);
      }
    }
  }
  tarballs.push(file);
  console.log(`release: ${pkg.name}@${pkg.version} -> ${shown(file)}`);
}

if (values.prebuild) {
  const prebuild = writeSqlitePrebuild(join(out, 'prebuilds'));
  console.log(
    `release: better-sqlite3's addon as built here -> ${shown(prebuild)}\n` +
      `         (install with npm_config_better_sqlite3_local_prebuilds=${dirname(prebuild)})`,
  );
}
console.log(`release: install with\n  npm install ${tarballs.map(shown).join(' ')}`);

/**
 * better-sqlite3's addon as prebuild-install looks for it in a local prebuilds directory:
 * `better-sqlite3-v<version>-node-v<abi>-<platform>-<arch>.tar.gz` holding build/Release/*.node.
 */
function writeSqlitePrebuild(dir) {
  const requireFromStore = createRequire(join(root, 'packages', 'store', 'package.json'));
  let pkgDir;
  try {
    pkgDir = dirname(requireFromStore.resolve('better-sqlite3/package.json'));
  } catch {
    fail('better-sqlite3 is not installed here: run `npm run setup` first');
  }
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const addon = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(addon)) fail(`better-sqlite3 has no built addon at ${addon}`);
  mkdirSync(dir, { recursive: true });
  const { platform, arch } = process;
  const file = join(
    dir,
    `better-sqlite3-v${version}-node-v${process.versions.modules}-${platform}-${arch}.tar.gz`,
  );
  execFileSync('tar', ['-czf', file, '-C', pkgDir, 'build/Release/better_sqlite3.node']);
  return file;
}
