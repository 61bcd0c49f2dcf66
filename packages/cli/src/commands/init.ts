import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WeftError, toWeftError } from '@weft/core';
import { catalogueFromFile, type PrimeReport } from '@weft/core/catalogue';
import { configPath, isHttpUrl, loadProjectConfig, type CatalogueSetting } from '../catalogue/config.js';
import { catalogueCachePath } from '../catalogue/file-cache.js';
import { primeProjectCatalogue } from '../catalogue/project-catalogue.js';
import { writeFileAtomic } from '../util/atomic.js';
import { exitCodeFor, type Io, type Outcome } from '../util/output.js';
import { writeStarter, type StarterReport } from './init-starter.js';

/** Options of `weft init`. */
export interface InitOptions {
  /** A catalogue URL (http/https) or a local catalogue file, written into the configuration. */
  readonly catalogue?: string;
  /** Do not try to prime the cache. */
  readonly offline?: boolean;
  /** `false` (`--no-starter`): do not write the starter pipeline. */
  readonly starter?: boolean;
}

/** What `weft init` reports about the catalogue. */
export type InitCatalogue =
  | null
  | ({ readonly kind: 'url'; readonly from: 'config' | 'env' } & Omit<PrimeReport, 'warnings'>)
  | { readonly kind: 'file'; readonly path: string; readonly processors: number | null };

const GITIGNORE =
  '# Local state of weft (run store, caches, locks): only the configuration is shared.\n*\n!.gitignore\n!config.json\n';

/**
 * `weft init`: makes the current directory a project root (`.weft/`), writes a starter
 * `.weft/config.json` (or sets its catalogue with `--catalogue`), a runnable starter pipeline
 * (`pipeline.json` + `steps.mjs`, unless either exists or `--no-starter`) whose command it prints,
 * and, when a remote catalogue is
 * configured, primes its cache and reports whether that worked — judged by reading the cache back
 * from disk and validating it. Offline, init still succeeds, with a CATALOGUE_NOT_PRIMED warning.
 * Running it again is safe: it keeps what exists and primes again.
 */
export async function initCommand(opts: InitOptions, io: Io, cwd = process.cwd()): Promise<Outcome> {
  const root = cwd;
  const dir = join(root, '.weft');
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new WeftError('USAGE_INVALID', `${dir} exists and is not a directory`, { data: { path: dir } });
  const createdDir = !existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const config = writeConfig(root, opts.catalogue);
  const gitignore = join(dir, '.gitignore');
  const createdGitignore = !existsSync(gitignore);
  if (createdGitignore) writeFileAtomic(gitignore, GITIGNORE);
  const setting = loadProjectConfig(root).catalogue;
  const starter: StarterReport | null = opts.starter === false ? null : writeStarter(root);
  const base = {
    root,
    weftDir: dir,
    created: createdDir,
    config: { file: configPath(root), action: config },
    gitignore: createdGitignore,
    starter,
  };
  const text = [`${createdDir ? 'initialised' : 'already a project:'} ${root} (.weft/; config ${config})`];
  if (starter?.action === 'created')
    text.push(`starter pipeline: ${starter.files.join(' + ')}; run it with:\n  ${starter.command}`);
  else if (starter) text.push(`starter pipeline not written: ${starter.files.join(' or ')} is already here`);
  let catalogue: InitCatalogue = null;
  try {
    catalogue = await checkCatalogue(root, setting, opts, io, text);
  } catch (e) {
    const error = toWeftError(e);
    return { exit: exitCodeFor(error), error, result: { ...base, catalogue: null } };
  }
  if (!setting) text.push('no catalogue configured (add one with: weft init --catalogue <url|file>)');
  return { exit: 0, result: { ...base, catalogue }, text: text.join('\n') };
}

/** Writes the starter configuration, or sets its catalogue; returns what it did. */
function writeConfig(root: string, catalogue: string | undefined): 'created' | 'updated' | 'kept' {
  const file = configPath(root);
  const entry =
    catalogue === undefined ? undefined : isHttpUrl(catalogue) ? { url: catalogue } : { file: catalogue };
  if (!existsSync(file)) {
    writeFileAtomic(
      file,
      JSON.stringify({ weft: 1, ...(entry ? { catalogue: entry } : {}) }, null, 2) + '\n',
    );
    return 'created';
  }
  if (!entry) return 'kept';
  const current = loadProjectConfig(root, {}); // validates the existing file first (CONFIG_INVALID)
  const prev = (current.raw['catalogue'] ?? {}) as Record<string, unknown>;
  const { url: _u, file: _f, ...tuning } = prev;
  writeFileAtomic(
    file,
    JSON.stringify({ ...current.raw, catalogue: { ...entry, ...tuning } }, null, 2) + '\n',
  );
  return 'updated';
}

async function checkCatalogue(
  root: string,
  setting: CatalogueSetting | null,
  opts: InitOptions,
  io: Io,
  text: string[],
): Promise<InitCatalogue> {
  if (!setting) return null;
  if (setting.kind === 'file') {
    if (!existsSync(setting.path)) {
      io.warnings.push({
        code: 'CATALOGUE_FILE_MISSING',
        message: `the catalogue file ${setting.path} does not exist yet: create it before running pipelines that name processors`,
      });
      text.push(`catalogue: local file ${setting.path} (not there yet)`);
      return { kind: 'file', path: setting.path, processors: null };
    }
    const loaded = catalogueFromFile(readFileSync(setting.path, 'utf8'), setting.path);
    const n = Object.keys(loaded.document.processors).length;
    text.push(`catalogue: local file ${setting.path} (${n} processors; nothing to prime)`);
    return { kind: 'file', path: setting.path, processors: n };
  }
  if (opts.offline) {
    const reason = 'offline mode is on';
    io.warnings.push({
      code: 'CATALOGUE_NOT_PRIMED',
      message: `the catalogue cache of ${setting.url} was not primed (${reason}): run \`weft init\` again once online`,
    });
    text.push(`catalogue: ${setting.url} — not primed (${reason})`);
    return {
      kind: 'url',
      from: setting.from,
      url: setting.url,
      cache: catalogueCachePath(root, setting.url),
      primed: false,
      reason,
      attempts: 0,
    };
  }
  const { warnings, ...report } = await primeProjectCatalogue(root, setting);
  for (const w of warnings) io.warnings.push({ code: w.code, message: w.message });
  if (report.primed) {
    text.push(
      `catalogue: ${setting.url} — cache primed and read back (${report.processors} processors, ${report.profiles} profiles, snapshot ${report.snapshotAt})`,
    );
  } else {
    io.warnings.push({
      code: 'CATALOGUE_NOT_PRIMED',
      message: `the catalogue cache of ${setting.url} was not primed: ${report.reason}. Pipelines that name processors need it when offline: run \`weft init\` again once online`,
    });
    text.push(`catalogue: ${setting.url} — not primed`);
  }
  return { kind: 'url', from: setting.from, ...report };
}
