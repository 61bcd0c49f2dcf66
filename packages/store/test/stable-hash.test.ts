// Memo keys must not change between releases (a store's cache would be lost): the digests below
// were computed by the first implementation, which fed the hash token by token.
import { describe, expect, it } from 'vitest';
import { stableHash } from '../src/index.js';

describe('stableHash', () => {
  it('gives the digests of earlier releases', () => {
    const cases: [unknown, string][] = [
      [1, '9474fb1cdec61961a8fce26f02f8a66d7dbd3ffb113ead69c628935d765b1bc4'],
      [-0, 'f7e4698f29bdc3cb0f85a7cb1804e2a3185b68b979d6f0ef8ed3225f5d39da57'],
      ['é\ud83d', '38288c29d04ad2a2b165e9e55f31fb618a45c31671fd853740187a10620e56fb'],
      [
        { b: [1, 2, { c: new Uint8Array([1, 2, 3]) }], a: 'x' },
        '9f136cd2d5a7dabd957ea32ad96692362af2a8bc39dbc7619a5debc204b74643',
      ],
      [new Map([[1, new Set([2, 'z'])]]), '3d0120056da91d027f284ec6b12fd728dd0644af4af93aecc9286616a6e09aa6'],
      ['ab'.repeat(40_000), 'ff55c6533697f6367c610b4d497c7f886c163bade38c21fa4f67224409277730'],
    ];
    for (const [value, digest] of cases) expect(stableHash(value)).toBe(digest);
  });

  it('orders object keys, and tells apart what JSON would confuse', () => {
    expect(stableHash({ a: 1, b: 2 })).toBe(stableHash({ b: 2, a: 1 }));
    expect(stableHash(-0)).not.toBe(stableHash(0));
    expect(stableHash(['a', 'b'])).not.toBe(stableHash(['ab']));
    expect(stableHash(new Uint8Array([1]))).not.toBe(stableHash(new Uint16Array([1])));
    expect(() => stableHash(new (class Thing {})())).toThrow(/Thing instance/);
  });
});
