import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '@weft/core';
import { IdempotencyCache } from '../src/http/idempotency.js';
import { assertJsonDepth } from '../src/http/json-depth.js';
import { TenantQuotas } from '../src/quotas/tenant-quotas.js';
import { injectServer } from './helpers.js';

const limits = (l: Partial<{ maxActiveRuns: number; startsPerMinute: number; maxStreams: number }>) => ({
  default: { maxActiveRuns: 50, startsPerMinute: 600, maxStreams: 100, ...l },
  named: { vip: { maxActiveRuns: 1000, startsPerMinute: 1000, maxStreams: 1000 } },
});

const codeOf = (f: () => unknown): unknown => {
  try {
    f();
    return undefined;
  } catch (e) {
    return { code: (e as { code: string }).code, data: (e as { data: unknown }).data };
  }
};

describe('tenant quotas', () => {
  it('active runs: over the limit is QUOTA_EXCEEDED until one is released', () => {
    const q = new TenantQuotas(limits({ maxActiveRuns: 2 }), new SimulatedClock());
    const a = q.admitRun('acme');
    q.admitRun('acme');
    expect(codeOf(() => q.admitRun('acme'))).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      data: { quota: 'maxActiveRuns', retryAfter: 1 },
    });
    expect(() => q.admitRun('other')).not.toThrow();
    expect(() => q.admitRun('vip')).not.toThrow();
    a();
    a(); // releasing twice gives back one slot only
    expect(() => q.admitRun('acme')).not.toThrow();
    expect(codeOf(() => q.admitRun('acme'))).toMatchObject({ code: 'QUOTA_EXCEEDED' });
  });

  it('starts per minute: a rolling window, Retry-After until the oldest start leaves it', async () => {
    const clock = new SimulatedClock(0);
    const q = new TenantQuotas(limits({ startsPerMinute: 3 }), clock);
    for (let i = 0; i < 3; i++) {
      q.admitRun(null)();
      await clock.advance(10_000);
    }
    expect(codeOf(() => q.admitRun(null))).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      data: { quota: 'startsPerMinute', retryAfter: 30 },
    });
    await clock.advance(30_000);
    expect(() => q.admitRun(null)).not.toThrow();
    expect(q.usage(null).startsLastMinute).toBe(3);
  });

  it('open streams', () => {
    const q = new TenantQuotas(limits({ maxStreams: 1 }), new SimulatedClock());
    const r = q.openStream('acme');
    expect(codeOf(() => q.openStream('acme'))).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      data: { quota: 'maxStreams' },
    });
    r();
    expect(() => q.openStream('acme')).not.toThrow();
  });
});

describe('Idempotency-Key', () => {
  const answer = (body: unknown) => async () => ({ status: 200, headers: {}, body });
  it('replays the first answer for the same body (key order does not matter), 409 for another body', async () => {
    const cache = new IdempotencyCache(new SimulatedClock(), 1000, 10);
    let calls = 0;
    const produce = async () => ({ status: 202, headers: { location: '/v1/runs/r1' }, body: { n: ++calls } });
    const first = await cache.run('t', 'k1', { a: 1, b: [1, { c: 2 }] }, produce);
    const again = await cache.run('t', 'k1', { b: [1, { c: 2 }], a: 1 }, produce);
    expect(first).toMatchObject({ status: 202, body: { n: 1 }, replayed: false });
    expect(again).toMatchObject({
      status: 202,
      body: { n: 1 },
      replayed: true,
      headers: { location: '/v1/runs/r1' },
    });
    await expect(cache.run('t', 'k1', { a: 2 }, produce)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
    // Another scope (tenant, route) is another key.
    expect((await cache.run('u', 'k1', { a: 2 }, produce)).body).toEqual({ n: 2 });
  });

  it('a second request while the first runs waits for its answer; failures are not kept', async () => {
    const cache = new IdempotencyCache(new SimulatedClock(), 1000, 10);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = cache.run('t', 'k', {}, async () => {
      await gate;
      return { status: 200, headers: {}, body: 'once' };
    });
    const waiting = cache.run('t', 'k', {}, answer('twice'));
    release();
    expect((await slow).body).toBe('once');
    expect(await waiting).toMatchObject({ body: 'once', replayed: true });
    await expect(cache.run('t', 'f', {}, () => Promise.reject(new Error('429')))).rejects.toThrow('429');
    expect((await cache.run('t', 'f', {}, answer('retried'))).body).toBe('retried');
    expect(
      (await cache.run('t', 'e', {}, async () => ({ status: 429, headers: {}, body: 'busy' }))).status,
    ).toBe(429);
    expect((await cache.run('t', 'e', {}, answer('later'))).body).toBe('later');
  });

  it('expires keys after the TTL and keeps at most maxKeys', async () => {
    const clock = new SimulatedClock();
    const cache = new IdempotencyCache(clock, 1000, 2);
    await cache.run('t', 'a', 1, answer('a1'));
    await clock.advance(1001);
    expect((await cache.run('t', 'a', 2, answer('a2'))).body).toBe('a2');
    await cache.run('t', 'b', 1, answer('b'));
    await cache.run('t', 'c', 1, answer('c'));
    expect((await cache.run('t', 'a', 3, answer('a3'))).body).toBe('a3');
  });

  it('refuses a malformed key', async () => {
    const cache = new IdempotencyCache(new SimulatedClock(), 1000, 2);
    for (const k of ['', 'with space', 'x'.repeat(256), 'é'])
      await expect(cache.run('t', k, 1, answer(1))).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });
});

describe('JSON depth', () => {
  it('counts brackets outside strings only', () => {
    expect(() => assertJsonDepth('[[[]]]', 3)).not.toThrow();
    expect(() => assertJsonDepth('[[[[]]]]', 3)).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
    expect(() => assertJsonDepth('{"a":"[[[[[[\\"[[["}', 1)).not.toThrow();
  });
});

describe('request limits over HTTP', () => {
  it('413 over bodyBytes, 415 for other types, 400 for deep nesting; all problem+json', async () => {
    const s = await injectServer({ config: { limits: { bodyBytes: 1024, jsonDepth: 8 } } });
    const big = await s.app.inject({
      method: 'POST',
      url: '/v1/execute',
      payload: { pipeline: 'hello', input: 'x'.repeat(2000) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ]) {
      const r = await s.app.inject({
        method: 'POST',
        url: '/v1/execute',
        headers: { 'content-type': type },
        payload: 'a=1',
      });
      expect(r.statusCode, type).toBe(415);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const deep = await s.app.inject({
      method: 'POST',
      url: '/v1/execute',
      headers: { 'content-type': 'application/json' },
      payload: `{"pipeline":"hello","input":${'['.repeat(20)}${']'.repeat(20)}}`,
    });
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toMatchObject({ code: 'REQUEST_INVALID', data: { limit: 8 } });
    await s.close();
  });
});
