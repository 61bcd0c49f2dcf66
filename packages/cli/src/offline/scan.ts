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

/** A step module that reaches the network. */
export interface NetworkUse {
  readonly module: string;
  readonly line: number;
  readonly uses: string;
}

const IMPORT =
  /(?:\bimport\s*(?:[^'"`;]*?\sfrom\s*)?|\bimport\s*\(\s*|\brequire\s*\(\s*|\bexport\s+[^'"`;]*?\sfrom\s*)['"]([^'"]+)['"]/g;
const FETCH = /(?<![.\w$])(fetch|WebSocket)\s*\(/g;

/** The package name of a specifier: `node:http` → `http`, `@scope/pkg/sub` → `@scope/pkg`. */
function bare(spec: string): string {
  const s = spec.startsWith('node:') ? spec.slice(5) : spec;
  const parts = s.split('/');
  return s.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Statically scans step modules (and the local modules they import, transitively) for imports of
 * network modules and calls of `fetch`/`WebSocket`. Used by `weft validate --offline`.
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
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1]!;
      if (spec.startsWith('.') || spec.startsWith('/')) {
        queue.push(resolve(dirname(file), spec));
        continue;
      }
      if (NETWORK_MODULES.includes(bare(spec)))
        found.push({ module: file, line: lineOf(m.index), uses: spec });
    }
    for (const m of text.matchAll(FETCH))
      found.push({ module: file, line: lineOf(m.index), uses: `${m[1]!}()` });
  }
  return found;
}
