// The base imports no queue SDK: core, actors, cli and serve reach BullMQ and ioredis only through a
// plugin loaded by name at run time (the CLI's `import(name)`), never by a static import, and none of
// them depends on bullmq or ioredis directly.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../packages', import.meta.url));
const BASE = ['core', 'actors', 'cli', 'serve'];
const FORBIDDEN = /^(bullmq|ioredis|@weft\/bullmq)(\/|$)/;

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|js|mjs|cjs)$/.test(name) ? [p] : [];
  });
}

/** Module specifiers of static imports and exports, and of `import()`/`require()` with a literal. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const re of [
    /\b(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ])
    for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

describe('the base packages import no queue SDK', () => {
  for (const pkg of BASE.filter((p) => existsSync(join(PACKAGES, p)))) {
    it(`${pkg}: no static import of bullmq, ioredis or @weft/bullmq, and no dependency on bullmq or ioredis`, () => {
      const files = sources(join(PACKAGES, pkg, 'src'));
      expect(files.length).toBeGreaterThan(0);
      const bad = files.flatMap((f) =>
        specifiers(readFileSync(f, 'utf8'))
          .filter((s) => FORBIDDEN.test(s))
          .map((s) => `${f}: ${s}`),
      );
      expect(bad).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(PACKAGES, pkg, 'package.json'), 'utf8')) as Record<
        string,
        Record<string, string> | undefined
      >;
      const deps = Object.keys({ ...manifest['dependencies'], ...manifest['peerDependencies'] });
      expect(deps.filter((d) => d === 'bullmq' || d === 'ioredis' || d === '@weft/bullmq')).toEqual([]);
    });
  }

  it('the checker sees the import forms it looks for', () => {
    expect(
      specifiers(
        `import { Queue } from 'bullmq';\nconst r = await import('ioredis');\nexport * from "@weft/bullmq";`,
      ),
    ).toEqual(['bullmq', '@weft/bullmq', 'ioredis']);
  });
});
