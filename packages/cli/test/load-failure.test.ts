import { describe, expect, it } from 'vitest';
import { failedPackage, loadFailure } from '../src/util/load-failure.js';

describe('loadFailure', () => {
  it('names the package Node could not find or link', () => {
    expect(failedPackage(new Error("Cannot find package '@weft/actors' imported from /x/bin.js"))).toBe(
      '@weft/actors',
    );
    expect(
      failedPackage(
        new SyntaxError("The requested module '@weft/actors' does not provide an export named 'x'"),
      ),
    ).toBe('@weft/actors');
  });

  it('finds the package of the file that threw from the stack', () => {
    const e = new Error('boom');
    e.stack = `Error: boom\n    at file://${new URL('../package.json', import.meta.url).pathname.replace('package.json', 'src/x.js')}:1:1`;
    // The CLI's own files are never the culprit: nothing else is named, so no package.
    expect(failedPackage(e)).toBeUndefined();
  });

  it('prints one envelope with --json and one coded line without', () => {
    const e = new Error("Cannot find package 'better-sqlite3' imported from /x.js");
    const j = loadFailure(e, true);
    expect(j.exit).toBe(2);
    expect(JSON.parse(j.text.stdout)).toMatchObject({
      ok: false,
      error: { code: 'DEPENDENCY_MISSING', data: { package: 'better-sqlite3' } },
    });
    expect(loadFailure(e, false).text.stderr).toMatch(
      /^error \[DEPENDENCY_MISSING\] weft cannot load its dependency better-sqlite3/,
    );
  });
});
