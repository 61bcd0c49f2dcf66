import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { WeftError, didYouMean, isObject, pointer, type CatalogueRetry } from '@weft/core';
import type { PluginSpec } from '@weft/core/plugin';

/** The environment variable that overrides the catalogue URL (staging, tests). */
export const CATALOGUE_URL_ENV = 'WEFT_CATALOGUE_URL';

/** Name of the project configuration file, under `.weft/`. */
export const CONFIG_FILE = 'config.json';

/** Where the project's catalogue comes from. */
export type CatalogueSetting =
  | {
      readonly kind: 'url';
      readonly url: string;
      /** `config`: `.weft/config.json`; `env`: the WEFT_CATALOGUE_URL variable (which wins). */
      readonly from: 'config' | 'env';
      readonly retry: Partial<CatalogueRetry>;
    }
  | { readonly kind: 'file'; readonly path: string };

/** The project configuration, validated. */
export interface ProjectConfig {
  readonly root: string;
  readonly file: string;
  readonly exists: boolean;
  /** The raw document (an empty object when there is no file). */
  readonly raw: Record<string, unknown>;
  readonly catalogue: CatalogueSetting | null;
  /** Plugins to load (`plugins`: module names, or `{ module, options }`). */
  readonly plugins: readonly PluginSpec[];
}

const TOP_KEYS = ['$schema', 'weft', 'catalogue', 'plugins'];
const CATALOGUE_KEYS = ['url', 'file', 'timeoutMs', 'retries', 'retryDelayMs'];
function didYouMeanKey(key: string, known: readonly string[]): string {
  const guess = didYouMean(key, known);
  return guess ? ` (did you mean "${guess}"?)` : '';
}

/** The path of a project's configuration file. */
export function configPath(root: string): string {
  return join(root, '.weft', CONFIG_FILE);
}

/** True for an absolute http(s) URL. */
export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Reads and validates `.weft/config.json` of the project at `root` (a missing file is an empty
 * configuration), then applies WEFT_CATALOGUE_URL, which overrides the catalogue's URL (or file).
 * Every problem is reported at once as CONFIG_INVALID, each with its JSON path.
 */
export function loadProjectConfig(root: string, env: NodeJS.ProcessEnv = process.env): ProjectConfig {
  const file = configPath(root);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      throw new WeftError('CONFIG_INVALID', `cannot read ${file}: ${(e as Error).message}`, {
        data: { file },
      });
  }
  let raw: unknown = {};
  if (text !== undefined) {
    try {
      raw = JSON.parse(text) as unknown;
    } catch (e) {
      throw new WeftError('CONFIG_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, {
        data: { file, problems: [{ path: '', message: 'not JSON' }] },
      });
    }
  }
  const problems: { path: string; message: string }[] = [];
  const push = (path: string, message: string): void => void problems.push({ path, message });
  const envUrl = env[CATALOGUE_URL_ENV];
  const override = envUrl !== undefined && envUrl.trim() !== '' ? envUrl.trim() : undefined;
  const catalogue = isObject(raw)
    ? check(raw, root, override, push)
    : (push('', 'the configuration must be a JSON object'), null);
  if (override !== undefined && !isHttpUrl(override))
    push(
      `$${CATALOGUE_URL_ENV}`,
      `${CATALOGUE_URL_ENV} must be an http(s) URL, got ${JSON.stringify(override)}`,
    );
  const plugins = isObject(raw) ? checkPlugins(raw['plugins'], push) : [];
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n');
    throw new WeftError('CONFIG_INVALID', `the project configuration is invalid (${file}):\n${lines}`, {
      data: { file, problems },
    });
  }
  return { root, file, exists: text !== undefined, raw: isObject(raw) ? raw : {}, catalogue, plugins };
}

/** `plugins`: a list of module names or `{ module, options }` objects. */
function checkPlugins(value: unknown, push: (path: string, message: string) => void): PluginSpec[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    push('/plugins', 'plugins must be a list of module names or { "module": …, "options": {…} }');
    return [];
  }
  const out: PluginSpec[] = [];
  value.forEach((v: unknown, i) => {
    if (typeof v === 'string' && v.length > 0) out.push(v);
    else if (isObject(v) && typeof v['module'] === 'string' && v['module'].length > 0) {
      for (const k of Object.keys(v))
        if (k !== 'module' && k !== 'options')
          push(`/plugins/${i}${pointer(k)}`, `unknown plugin setting "${k}"`);
      if (v['options'] !== undefined && !isObject(v['options']))
        push(`/plugins/${i}/options`, 'options must be an object');
      else out.push({ module: v['module'], ...(isObject(v['options']) ? { options: v['options'] } : {}) });
    } else
      push(
        `/plugins/${i}`,
        `a plugin is a module name or { "module": …, "options": {…} }, got ${JSON.stringify(v)}`,
      );
  });
  return out;
}

function check(
  raw: Record<string, unknown>,
  root: string,
  override: string | undefined,
  push: (path: string, message: string) => void,
): CatalogueSetting | null {
  for (const k of Object.keys(raw))
    if (!TOP_KEYS.includes(k)) push(pointer(k), `unknown setting "${k}"${didYouMeanKey(k, TOP_KEYS)}`);
  if (raw['weft'] !== undefined && raw['weft'] !== 1)
    push(
      '/weft',
      `unsupported configuration format ${JSON.stringify(raw['weft'])}; this Weft reads format 1`,
    );
  const c = raw['catalogue'];
  if (c === undefined)
    return override !== undefined ? { kind: 'url', url: override, from: 'env', retry: {} } : null;
  if (!isObject(c)) {
    push('/catalogue', 'catalogue must be an object: { "url": "https://…" } or { "file": "catalogue.json" }');
    return null;
  }
  for (const k of Object.keys(c))
    if (!CATALOGUE_KEYS.includes(k))
      push(`/catalogue${pointer(k)}`, `unknown catalogue setting "${k}"${didYouMeanKey(k, CATALOGUE_KEYS)}`);
  const { url, file } = c;
  if (url !== undefined && file !== undefined)
    push('/catalogue', 'catalogue has both "url" and "file": give one');
  if (url === undefined && file === undefined && override === undefined)
    push('/catalogue', 'catalogue needs "url" (a remote catalogue) or "file" (a local one)');
  if (url !== undefined && (typeof url !== 'string' || !isHttpUrl(url)))
    push('/catalogue/url', `url must be an http(s) URL, got ${JSON.stringify(url)}`);
  if (file !== undefined && (typeof file !== 'string' || file.length === 0))
    push(
      '/catalogue/file',
      `file must be a path (relative to the project root), got ${JSON.stringify(file)}`,
    );
  const retry: { -readonly [K in keyof CatalogueRetry]?: CatalogueRetry[K] } = {};
  if (c['timeoutMs'] !== undefined) {
    if (typeof c['timeoutMs'] === 'number' && c['timeoutMs'] > 0 && Number.isFinite(c['timeoutMs']))
      retry.timeoutMs = c['timeoutMs'];
    else
      push(
        '/catalogue/timeoutMs',
        `timeoutMs must be a positive number of ms, got ${JSON.stringify(c['timeoutMs'])}`,
      );
  }
  if (c['retries'] !== undefined) {
    if (Number.isInteger(c['retries']) && (c['retries'] as number) >= 0)
      retry.attempts = (c['retries'] as number) + 1;
    else push('/catalogue/retries', `retries must be an integer ≥ 0, got ${JSON.stringify(c['retries'])}`);
  }
  if (c['retryDelayMs'] !== undefined) {
    if (typeof c['retryDelayMs'] === 'number' && c['retryDelayMs'] >= 0 && Number.isFinite(c['retryDelayMs']))
      retry.initialDelayMs = c['retryDelayMs'];
    else
      push(
        '/catalogue/retryDelayMs',
        `retryDelayMs must be a number ≥ 0, got ${JSON.stringify(c['retryDelayMs'])}`,
      );
  }
  if (override !== undefined) return { kind: 'url', url: override, from: 'env', retry };
  if (typeof url === 'string') return { kind: 'url', url, from: 'config', retry };
  if (typeof file === 'string' && file.length > 0)
    return { kind: 'file', path: isAbsolute(file) ? file : resolve(root, file) };
  return null;
}
