import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Modules whose import means network use. */
export const NETWORK_MODULES = [
  'net',
  'tls',
  'http',
  'https',
  'http2',
  'dns',
  'dgram',
  'undici',
  'node-fetch',
  'axios',
  'ws',
  'got',
];

/** Modules whose import means starting child processes (outside the guard: refused under --offline). */
export const CHILD_PROCESS_MODULES = ['child_process', 'execa', 'cross-spawn', 'shelljs', 'node-pty'];

/** What a use found by {@link scanNetworkUse} is. */
export type OfflineUseKind = 'network' | 'child-process' | 'internals' | 'addon' | 'worker';

/** A step module that reaches the network, or reaches past the offline guard. */
export interface NetworkUse {
  readonly module: string;
  readonly line: number;
  readonly uses: string;
  /** `network`: a network API; `child-process`, `internals` (process.binding), `addon` (a native addon): ways past a JS guard; `worker`: a worker thread the step starts. */
  readonly kind: OfflineUseKind;
  /** Whether `--offline` refuses it (a worker thread is allowed: the guard is forced into it). */
  readonly refused: boolean;
}

const IMPORT =
  /(?:\bimport\s*(?:[^'"`;]*?\sfrom\s*)?|\bimport\s*\(\s*|\brequire\s*\(\s*|\bexport\s+[^'"`;]*?\sfrom\s*)['"]([^'"]+)['"]/g;
const CALLS: readonly [RegExp, OfflineUseKind][] = [
  [/(?<![.\w$])(fetch|WebSocket|EventSource)\s*\(/g, 'network'],
  [/\bprocess\s*\.\s*(binding|_linkedBinding)\s*\(/g, 'internals'],
  [/\bprocess\s*\.\s*(dlopen)\s*\(/g, 'addon'],
  [/\bnew\s+(Worker)\s*\(/g, 'worker'],
];

/** The package name of a specifier: `node:http` → `http`, `@scope/pkg/sub` → `@scope/pkg`. */
function bare(spec: string): string {
  const s = spec.startsWith('node:') ? spec.slice(5) : spec;
  const parts = s.split('/');
  return s.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function importKind(spec: string): OfflineUseKind | undefined {
  const name = bare(spec);
  if (NETWORK_MODULES.includes(name)) return 'network';
  if (CHILD_PROCESS_MODULES.includes(name)) return 'child-process';
  if (spec.endsWith('.node') || name === 'bindings' || name === 'node-gyp-build') return 'addon';
  return undefined;
}

/**
 * Statically scans step modules (and the local modules they import, transitively) for what
 * `--offline` refuses: imports of network modules and calls of `fetch`/`WebSocket`, child processes,
 * `process.binding`, native addons; and lists the worker threads they start (allowed, guarded).
 * Used by `weft validate --offline`.
 */
export function scanNetworkUse(moduleUrls: readonly string[]): NetworkUse[] {
  const found: NetworkUse[] = [];
  const seen = new Set<string>();
  const queue = moduleUrls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
    const here: NetworkUse[] = [];
    const add = (index: number, uses: string, kind: OfflineUseKind): void =>
      void here.push({ module: file, line: lineOf(index), uses, kind, refused: kind !== 'worker' });
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1]!;
      if ((spec.startsWith('.') || spec.startsWith('/')) && !spec.endsWith('.node')) {
        queue.push(resolve(dirname(file), spec));
        continue;
      }
      const kind = importKind(spec);
      if (kind) add(m.index, spec, kind);
    }
    for (const [re, kind] of CALLS)
      for (const m of text.matchAll(re))
        add(
          m.index,
          kind === 'internals' || kind === 'addon'
            ? `process.${m[1]!}()`
            : kind === 'worker'
              ? 'new Worker()'
              : `${m[1]!}()`,
          kind,
        );
    found.push(...here.sort((a, b) => a.line - b.line));
  }
  return found;
}
