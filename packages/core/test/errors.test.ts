import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  WeftError,
  deserializeError,
  isErrorCode,
  isWeftError,
  serializeError,
  toWeftError,
  type SerializedError,
} from '../src/index.js';

const junk = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withSet: true,
  withTypedArray: true,
});

describe('WeftError', () => {
  it('carries a code, retryable, data and cause, and is recognised by its brand', () => {
    const cause = new Error('low');
    const e = new WeftError('STEP_TIMEOUT', 'too slow', { retryable: true, data: { ms: 5 }, cause });
    expect(e).toMatchObject({
      name: 'WeftError',
      code: 'STEP_TIMEOUT',
      message: 'too slow',
      retryable: true,
      data: { ms: 5 },
    });
    expect(e.cause).toBe(cause);
    expect(isWeftError(e)).toBe(true);
    expect(isWeftError({ ...e })).toBe(true);
    expect(isWeftError(new Error('x'))).toBe(false);
    expect(new WeftError('INTERNAL', 'x')).toMatchObject({ retryable: false, data: {} });
  });

  it('survives serialisation and msgpack with its code, name, stack and cause chain', () => {
    const e = new WeftError('WORKER_CRASHED', 'died', {
      retryable: true,
      data: { pid: 1 },
      cause: new WeftError('QUOTA_EXCEEDED', 'oom'),
    });
    const back = deserializeError(unpack(pack(serializeError(e))) as SerializedError);
    expect(isWeftError(back)).toBe(true);
    expect(back).toMatchObject({
      code: 'WORKER_CRASHED',
      message: 'died',
      retryable: true,
      data: { pid: 1 },
      stack: e.stack,
    });
    expect(back.cause).toMatchObject({ code: 'QUOTA_EXCEEDED', message: 'oom' });
  });

  it('turns a foreign error into STEP_FAILED, keeping its name, retryable flag and original code', () => {
    const io = Object.assign(new TypeError('reset'), { code: 'ECONNRESET', retryable: true });
    const s = serializeError(io);
    expect(s).toMatchObject({
      name: 'TypeError',
      code: 'STEP_FAILED',
      message: 'reset',
      retryable: true,
      originalCode: 'ECONNRESET',
    });
    expect(deserializeError(s).data['originalCode']).toBe('ECONNRESET');
    expect(toWeftError(io, 'HOOK_FAILED').code).toBe('HOOK_FAILED');
    const w = new WeftError('STEP_LIMIT', 'x');
    expect(toWeftError(w)).toBe(w);
  });

  it('reads an unknown code from serialised data as INTERNAL', () => {
    const e = deserializeError({
      name: 'X',
      code: 'NOPE' as never,
      message: 'm',
      retryable: false,
      data: {},
    });
    expect(e.code).toBe('INTERNAL');
    expect(isErrorCode('NOPE')).toBe(false);
    for (const c of ERROR_CODES) expect(isErrorCode(c)).toBe(true);
  });

  it('serialises anything thrown without throwing, as plain data that survives msgpack', () => {
    fc.assert(
      fc.property(junk, (thrown) => {
        const s = serializeError(thrown);
        expect(ERROR_CODES).toContain(s.code);
        expect(typeof s.message).toBe('string');
        const back = deserializeError(unpack(pack(s)) as SerializedError);
        expect(isWeftError(back)).toBe(true);
        expect(isWeftError(toWeftError(thrown))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('serialises errors with cyclic data, cyclic causes and unprintable thrown values', () => {
    const data: Record<string, unknown> = {};
    data['self'] = data;
    expect(serializeError(new WeftError('INTERNAL', 'x', { data })).data).toEqual({ unserializable: true });
    const a = new Error('a');
    (a as { cause?: unknown }).cause = a;
    expect(() => serializeError(a)).not.toThrow();
    const odd: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    odd['self'] = odd;
    expect(serializeError(odd)).toMatchObject({ code: 'STEP_FAILED' });
  });
});
