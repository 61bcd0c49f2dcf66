// What `weft` prints when its own modules cannot load (a dependency missing, not built, or throwing
// while it loads). Imports only node builtins: @weft/core itself may be what is broken.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package that holds `file` (the nearest package.json's name), if any. */
function packageOf(file: string): string | undefined {
  let dir = dirname(file);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name;
        if (typeof name === 'string') return name;
      } catch {
        // not a readable manifest: keep looking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * The package at fault in a load error: named by Node (`Cannot find package 'x'`), or the package
 * of the first file named in the message or the stack that is not the CLI itself.
 */
export function failedPackage(e: unknown): string | undefined {
  const err = e as { message?: unknown; stack?: unknown };
  const message = typeof err.message === 'string' ? err.message : String(e);
  const named =
    /Cannot find package '([^']+)'/.exec(message)?.[1] ??
    /The requested module '([^'.][^']*)' does not provide/.exec(message)?.[1];
  if (named) return named;
  const text = `${message}\n${typeof err.stack === 'string' ? err.stack : ''}`;
  for (const m of text.matchAll(/(file:\/\/[^\s'")]+|\/[^\s'"():]+\.(?:c|m)?js)/g)) {
    let file = m[1]!;
    try {
      if (file.startsWith('file:')) file = fileURLToPath(file);
    } catch {
      continue;
    }
    const name = packageOf(file);
    if (name && name !== '@weft/cli') return name;
  }
  return undefined;
}

/**
 * The DEPENDENCY_MISSING report (exit 2) for an error thrown while the command's modules load:
 * one JSON envelope with `--json`, else one line on stderr naming the package and the cause.
 */
export function loadFailure(
  e: unknown,
  json: boolean,
): { exit: number; text: { stdout: string; stderr: string } } {
  const pkg = failedPackage(e);
  const cause = e instanceof Error ? e.message : String(e);
  const message = `weft cannot load ${pkg ? `its dependency ${pkg}` : 'its modules'}: ${cause}. Reinstall @weft/cli (in the Weft repository: npm run setup).`;
  const error = {
    code: 'DEPENDENCY_MISSING',
    message,
    data: { ...(pkg ? { package: pkg } : {}), cause },
  };
  return json
    ? { exit: 2, text: { stdout: JSON.stringify({ ok: false, error, warnings: [] }) + '\n', stderr: '' } }
    : { exit: 2, text: { stdout: '', stderr: `error [DEPENDENCY_MISSING] ${message}\n` } };
}
