// Errors say where they happened: the step, its sub-pipeline path and the attempt (and the map item);
// the step's stack with --verbose and in the JSON envelope; MODULE_NOT_FOUND names the user's
// pipeline file, never a path inside the engine.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tempProjects, weft, weftJson } from './cli.js';

const ERRORS = join(FIXTURES, 'errors');
const STEPS = join(ERRORS, 'steps.mjs');
const project = tempProjects();

describe('weft run: where an error happened', () => {
  for (const orchestrator of ['workers', 'direct']) {
    it(`names the step, the sub-pipeline path and the attempt (${orchestrator})`, () => {
      const dir = project();
      const r = weft(['run', join(ERRORS, 'sub.json'), '--orchestrator', orchestrator], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'error [STEP_FAILED] step "b" of sub-pipeline "inner" (attempt 2 of 2) failed: boom in a sub-pipeline step',
      );
      expect(r.stderr).not.toContain(`${STEPS}:`);
      expect(r.stderr).toContain('run again with --verbose for the stack');

      const verbose = weft(
        ['run', join(ERRORS, 'sub.json'), '--orchestrator', orchestrator, '--verbose'],
        dir,
      );
      expect(verbose.code).toBe(1);
      expect(verbose.stderr).toMatch(
        /\n {2}Error: boom in a sub-pipeline step\n {6}at boom \(file:\/\/.*steps\.mjs:\d+:\d+\)/,
      );

      const j = weftJson(['run', join(ERRORS, 'sub.json'), '--orchestrator', orchestrator], dir);
      expect(j.env.error).toMatchObject({
        code: 'STEP_FAILED',
        data: { step: 'b', path: ['inner'], attempt: 2, attempts: 2 },
      });
      expect(j.env.error?.message).toMatch(/^step "b" of sub-pipeline "inner" \(attempt 2 of 2\) failed/);
      expect((j.env.error as { stack?: string }).stack).toContain('at boom (file://');
    });
  }

  it('names the map item that failed', () => {
    const dir = project();
    const j = weftJson(['run', join(ERRORS, 'map.json')], dir);
    expect(j.code).toBe(1);
    expect(j.env.error?.message).toBe('step "m" (attempt 1 of 1, item 2) failed: bad item 3');
    expect(j.env.error?.data).toMatchObject({ step: 'm', path: [], attempt: 1, index: 2 });
  });
});

describe('MODULE_NOT_FOUND names the user file', () => {
  for (const name of ['missing-file', 'missing-package']) {
    it(name, () => {
      const dir = project();
      const file = join(ERRORS, `${name}.json`);
      for (const command of ['run', 'validate']) {
        const r = weftJson([command, file], dir);
        expect(r.code).toBe(2);
        expect(r.env.error?.code).toBe('MODULE_NOT_FOUND');
        expect(r.env.error?.message).toContain(`step "a" (in ${file})`);
        expect(r.env.error?.data.file).toBe(file);
        // Nothing of the engine's own files: not its path, not its file names.
        expect(r.env.error?.message).not.toMatch(/packages\/core|resolve-step|@weft|node_modules/);
      }
    });
  }
});
