// Pins the public surface of @weft/core: every entry point of package.json `exports`, its runtime
// values and its type-only names, against the checked-in list in exports.json. The surface only grows
// (or moves) on purpose: after a deliberate change, regenerate the list with
//   WEFT_UPDATE_EXPORTS=1 npx vitest run test/exports.test.ts   (in packages/core)
// and review the diff of test/exports.json in the same commit.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const LIST = here('./exports.json');
const HOW =
  'regenerate on purpose: WEFT_UPDATE_EXPORTS=1 npx vitest run test/exports.test.ts (in packages/core)';

/** One entry point's surface: what `Object.keys(await import(entry))` shows, and the type-only rest. */
interface Surface {
  readonly values: string[];
  readonly types: string[];
}

/** The package's code entry points (subpath -> source index), read from package.json `exports`. */
function entries(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(here('../package.json'), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  const out: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue; // a data file (pipeline.schema.json)
    out[subpath] = here(`../${target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')}`);
  }
  return out;
}

/** Every exported name of each source entry (values and types), from the TypeScript checker. */
function exportedNames(files: Record<string, string>): Record<string, string[]> {
  const program = ts.createProgram(Object.values(files), {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    noLib: true, // names only: no need to load the standard library or @types
    types: [],
  });
  const checker = program.getTypeChecker();
  const out: Record<string, string[]> = {};
  for (const [subpath, file] of Object.entries(files)) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`cannot read the exports of ${file}`);
    out[subpath] = checker.getExportsOfModule(module).map((s) => s.name);
  }
  return out;
}

async function surfaces(): Promise<Record<string, Surface>> {
  const files = entries();
  const names = exportedNames(files);
  const out: Record<string, Surface> = {};
  for (const [subpath, file] of Object.entries(files)) {
    const mod = (await import(file)) as Record<string, unknown>;
    const values = Object.keys(mod).sort();
    const types = (names[subpath] ?? []).filter((n) => !values.includes(n)).sort();
    out[subpath] = { values, types };
  }
  return out;
}

describe('the public surface of @weft/core', () => {
  it('matches the checked-in export lists of every entry point', async () => {
    const actual = await surfaces();
    if (process.env.WEFT_UPDATE_EXPORTS === '1') {
      writeFileSync(LIST, `${JSON.stringify(actual, null, 2)}\n`);
    }
    const pinned = JSON.parse(readFileSync(LIST, 'utf8')) as Record<string, Surface>;
    expect(Object.keys(actual).sort(), `the entry points changed; ${HOW}`).toEqual(
      Object.keys(pinned).sort(),
    );
    for (const [subpath, surface] of Object.entries(actual)) {
      expect(surface.values, `runtime exports of '${subpath}' changed; ${HOW}`).toEqual(
        pinned[subpath]?.values,
      );
      expect(surface.types, `type exports of '${subpath}' changed; ${HOW}`).toEqual(pinned[subpath]?.types);
    }
  }, 60_000);

  it('keeps orchestrator internals and the catalogue out of the root', async () => {
    const root = Object.keys(await import('../src/index.js'));
    for (const internal of [
      'ActorTable',
      'invokeStep',
      'createStepContext',
      'resolveStep',
      'RunSupervisor',
    ]) {
      expect(root).not.toContain(internal);
    }
    expect(root.filter((n) => /catalogue/i.test(n))).toEqual([]);
  });
});
