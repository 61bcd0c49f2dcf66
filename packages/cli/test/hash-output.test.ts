import { describe, expect, it } from 'vitest';
import { WeftError } from '@weft/core';
import { stableHash } from '@weft/store';
import { EXIT, exitCodeFor, finish, type Io } from '../src/util/output.js';

describe('stableHash', () => {
  it('ignores key order, sees every value, hashes bytes as bytes', () => {
    expect(stableHash({ a: 1, b: [1, 'x'] })).toBe(stableHash({ b: [1, 'x'], a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: '1' }));
    expect(stableHash([1, 2])).not.toBe(stableHash([2, 1]));
    expect(stableHash(Buffer.from('ab'))).toBe(stableHash(Buffer.from('ab')));
    expect(stableHash(Buffer.from('ab'))).not.toBe(stableHash(Buffer.from('ac')));
    expect(stableHash(new Map([['k', 1]]))).not.toBe(stableHash({ k: 1 }));
  });

  it('refuses what is not plain data (so that it is never memoised under a wrong key)', () => {
    expect(() => stableHash({ it: (async function* () {})() })).toThrow(/not plain data/);
    class Thing {}
    expect(() => stableHash(new Thing())).toThrow(/Thing/);
  });
});

describe('exit codes and the JSON envelope', () => {
  it('maps run failures to 1 and usage/configuration errors to 2', () => {
    expect(exitCodeFor(new WeftError('STEP_FAILED', 'x'))).toBe(EXIT.runFailed);
    expect(exitCodeFor(new WeftError('NOT_SERIALIZABLE', 'x'))).toBe(EXIT.runFailed);
    expect(exitCodeFor(new WeftError('SPEC_INVALID', 'x'))).toBe(EXIT.usage);
    expect(exitCodeFor(new WeftError('LOCK_HELD', 'x'))).toBe(EXIT.usage);
    expect(exitCodeFor(new WeftError('STORE_CORRUPT', 'x'))).toBe(EXIT.usage);
  });

  it('prints exactly one envelope with --json', () => {
    const out: string[] = [];
    const io: Io = {
      json: true,
      quiet: false,
      tty: false,
      out: (s) => void out.push(s),
      err: (s) => void out.push(`ERR ${s}`),
      warnings: [{ code: 'W', message: 'careful' }],
    };
    expect(finish(io, { exit: 2, error: new WeftError('USAGE_INVALID', 'bad', { data: { x: 1 } }) })).toBe(2);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toEqual({
      ok: false,
      error: {
        code: 'USAGE_INVALID',
        message: 'bad',
        data: { x: 1 },
        stack: expect.stringContaining('bad') as unknown,
      },
      warnings: [{ code: 'W', message: 'careful' }],
    });
  });
});
