import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOutput, encodeOutput, stringifyOutput } from '../src/output/lossless-json.js';

const roundTrip = (v: unknown): unknown => decodeOutput(JSON.parse(stringifyOutput(v)));

describe('the lossless output encoding', () => {
  it('leaves plain JSON data as it is', () => {
    const v = { a: [1, 'two', { three: true }], b: null, c: 1.5 };
    expect(encodeOutput(v)).toEqual(v);
    expect(stringifyOutput(v)).toBe(JSON.stringify(v, null, 2) + '\n');
  });

  it('reads back every value it encodes (property)', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.double(), // NaN, ±Infinity and -0 included
      fc.bigInt(),
      fc.date(),
      fc.uint8Array(),
      fc.float64Array().map((a) => new Float64Array(a)),
      fc.int32Array(),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object'), tie('map'), tie('set')),
      array: fc.array(tie('node'), { maxLength: 4 }),
      object: fc.dictionary(
        fc.oneof(fc.string(), fc.constant('$weft'), fc.constant('__proto__')),
        tie('node'),
        {
          maxKeys: 4,
          noNullPrototype: true, // a null-prototype object reads back as a plain one (documented)
        },
      ),
      map: fc.array(fc.tuple(tie('node'), tie('node')), { maxLength: 3 }).map((e) => new Map(e)),
      set: fc.array(tie('node'), { maxLength: 3 }).map((e) => new Set(e)),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps -0, invalid dates, Buffers, ArrayBuffers and object keys named "$weft" or "__proto__"', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Number.isNaN((roundTrip(new Date(NaN)) as Date).getTime())).toBe(true);
    expect(Buffer.isBuffer(roundTrip(Buffer.from('x')))).toBe(true);
    expect(roundTrip(new Uint8Array([1, 2]).buffer)).toEqual(new Uint8Array([1, 2]).buffer);
    const tricky = JSON.parse('{"__proto__": {"$weft": "bigint"}, "$weft": 1}') as object;
    const back = roundTrip(tricky) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', '$weft']);
    expect(back['$weft']).toBe(1);
  });

  it('refuses what it cannot read back, with a JSON Pointer to it', () => {
    class Point {
      x = 1;
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const cases: [unknown, string, string][] = [
      [{ p: [0, new Point()] }, '/p/1', 'an instance of Point'],
      [{ f: () => 1 }, '/f', 'a function (f)'],
      [{ s: Symbol('x') }, '/s', 'a symbol'],
      [cyclic, '/self', 'a cycle'],
      [{ e: new Error('x') }, '/e', 'an instance of Error'],
      [{ [Symbol('k')]: 1 }, '/', 'a symbol-keyed property'],
    ];
    for (const [v, path, what] of cases) {
      let caught: unknown;
      try {
        encodeOutput(v);
      } catch (e) {
        caught = e;
      }
      expect(caught, path).toMatchObject({ code: 'NOT_SERIALIZABLE', data: { path } });
      expect((caught as Error).message).toContain(what);
    }
  });

  it('rejects a file that is not an encoded output with INPUT_INVALID', () => {
    expect(() => decodeOutput({ $weft: 'nonsense' })).toThrow(/unknown tag "nonsense"/);
  });
});
