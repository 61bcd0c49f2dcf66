// The output contract of `weft run --out`: outputs JSON cannot hold are written losslessly (and read
// back with decodeOutput), values the encoding refuses fail the run with NOT_SERIALIZABLE, and a
// faulty output directory is OUTPUT_WRITE with the path and the cause. A run is recorded as
// succeeded only once its output is written.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeOutput } from '@weft/cli';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tempProjects, weft, weftJson, type JsonObject } from './cli.js';
import type { RunResult, RunShown } from './results.js';

const OUT = join(FIXTURES, 'output');
const project = tempProjects();

function runStatus(dir: string, runId: string): string {
  return weftJson<RunShown>(['runs', runId], dir).env.result.status;
}

describe('weft run --out: the output contract', () => {
  for (const orchestrator of ['workers', 'direct']) {
    it(`writes BigInt, Map, Set, Date, typed arrays, non-finite numbers and undefined losslessly (${orchestrator})`, () => {
      const dir = project();
      const r = weftJson<RunResult>(
        ['run', join(OUT, 'rich.json'), '--out', 'out', '--orchestrator', orchestrator],
        dir,
      );
      expect(r.code, r.stderr).toBe(0);
      const file = join(dir, 'out', 'output.json');
      expect(r.env.result.files.output).toBe(file);
      const text = readFileSync(file, 'utf8');
      expect((JSON.parse(text) as JsonObject).big).toEqual({
        $weft: 'bigint',
        value: '12345678901234567890',
      });
      const back = decodeOutput(JSON.parse(text)) as Record<string, unknown>;
      expect(back['big']).toBe(12345678901234567890n);
      expect(back['map']).toEqual(
        new Map<unknown, unknown>([
          ['a', 1],
          [2, { nested: new Set(['x']) }],
        ]),
      );
      expect(back['set']).toEqual(new Set([1, 2, 3]));
      expect(back['when']).toEqual(new Date('2024-02-29T12:00:00.000Z'));
      expect(back['bytes']).toEqual(new Uint8Array([0, 1, 255]));
      expect(back['floats']).toEqual(new Float64Array([1.5, -2.25]));
      // A Buffer crosses threads as a Uint8Array (msgpack); whichever arrives is written as such.
      expect(Buffer.isBuffer(back['buf'])).toBe(orchestrator === 'direct');
      expect(Buffer.from(back['buf'] as Uint8Array).toString()).toBe('hi');
      expect(back['nan']).toBeNaN();
      expect(back['inf']).toBe(Infinity);
      expect(back['minusInf']).toBe(-Infinity);
      expect('nothing' in back && back['nothing'] === undefined).toBe(true);
      expect(back['list']).toEqual([1, undefined, 'two']);
      expect(back['tagged']).toEqual({ $weft: 'a plain key that looks like a tag' });
      // The JSON envelope carries the same encoding.
      expect(decodeOutput(r.env.result.output)).toEqual(back);
      expect(runStatus(dir, r.env.result.runId)).toBe('succeeded');
    });
  }

  // On the main thread (under workers, a step's output crosses threads as msgpack, which carries no
  // class: the instance arrives as plain data; see the CLI README).
  it('refuses a class instance with NOT_SERIALIZABLE and its path, before the run counts as succeeded', () => {
    const dir = project();
    const r = weftJson<RunResult>(
      ['run', join(OUT, 'instance.json'), '--out', 'out', '--orchestrator', 'direct'],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.env.error).toMatchObject({ code: 'NOT_SERIALIZABLE', data: { path: '/points/1' } });
    expect(r.env.error?.message).toContain('an instance of Point at /points/1');
    expect(r.env.result.status).toBe('failed');
    expect(existsSync(join(dir, 'out', 'output.json'))).toBe(false);
    expect(runStatus(dir, r.env.result.runId)).toBe('failed');
    // Without --out the output is printed: the same contract, the same refusal.
    const printed = weft(['run', join(OUT, 'instance.json'), '--orchestrator', 'direct', '--no-cache'], dir);
    expect(printed.code).toBe(1);
    expect(printed.stderr).toContain('error [NOT_SERIALIZABLE]');
  });
});

describe('weft run --out: output directory faults', () => {
  it('an --out that is a file is OUTPUT_WRITE with the path, and no run is recorded', () => {
    const dir = project();
    writeFileSync(join(dir, 'taken'), 'a file\n');
    const r = weftJson(['run', join(OUT, 'rich.json'), '--out', 'taken'], dir);
    expect(r.code).toBe(1);
    expect(r.env.error).toMatchObject({
      code: 'OUTPUT_WRITE',
      data: { path: join(dir, 'taken'), errno: 'EEXIST' },
    });
    expect(r.env.error?.message).toContain(`${join(dir, 'taken')}: EEXIST: a file is in the way`);
    expect(weftJson(['runs'], dir).env.result.runs).toEqual([]);
  });

  it('an --out under a file is OUTPUT_WRITE (ENOTDIR), not INTERNAL', () => {
    const dir = project();
    writeFileSync(join(dir, 'taken'), 'a file\n');
    const plain = weft(['run', join(OUT, 'rich.json'), '--out', 'taken/sub/out'], dir);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(
      `error [OUTPUT_WRITE] cannot use the output directory ${join(dir, 'taken/sub/out')}: ENOTDIR`,
    );
    expect(plain.stderr).not.toContain('INTERNAL');
  });

  it('a write that fails at the end of the run is OUTPUT_WRITE naming output.json; the run is failed and resumes once fixed', () => {
    const dir = project();
    const out = join(dir, 'out');
    mkdirSync(out);
    const r = weftJson<RunResult>(
      ['run', join(OUT, 'blockOut.json'), '--out', out, '--input', JSON.stringify({ out })],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.env.error).toMatchObject({
      code: 'OUTPUT_WRITE',
      data: { path: join(out, 'output.json') },
    });
    expect(r.env.error?.message).toContain(`cannot write the run output to ${join(out, 'output.json')}`);
    expect(r.env.error?.message).not.toContain('.lock');
    const runId = r.env.result.runId;
    expect(runStatus(dir, runId)).toBe('failed');
    // Nothing partial is left beside the blocked path.
    expect(readdirSync(out).sort()).toEqual(['output.json']);
    rmSync(join(out, 'output.json'), { recursive: true });
    const resumed = weftJson(['resume', runId], dir);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'output.json'), 'utf8'))).toBe(42);
    expect(runStatus(dir, runId)).toBe('succeeded');
  });
});
