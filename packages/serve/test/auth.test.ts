import { describe, expect, it } from 'vitest';
import { BearerAuth, requireScope } from '../src/auth/bearer-auth.js';
import { hashToken } from '../src/index.js';
import { injectServer } from './helpers.js';

const tokens = [
  {
    name: 'reader',
    sha256: hashToken('read-token'),
    tenant: 'acme',
    scopes: ['runs:read' as const, 'pipelines:read' as const],
  },
  { name: 'ops', sha256: hashToken('admin-token'), tenant: 'ops', scopes: ['admin' as const] },
];

describe('bearer auth', () => {
  it('knows tokens by their SHA-256 only, and refuses missing, malformed and unknown ones', () => {
    const auth = new BearerAuth(tokens);
    expect(auth.authenticate('Bearer read-token')).toMatchObject({ name: 'reader', tenant: 'acme' });
    expect(auth.authenticate('bearer admin-token').tenant).toBe('ops');
    for (const h of [
      undefined,
      '',
      'Bearer',
      'Basic abc',
      'Bearer two words',
      'Bearer nope',
      `Bearer ${'x'.repeat(5000)}`,
    ])
      expect(() => auth.authenticate(h)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
  });

  it('scopes: admin grants every one', () => {
    const auth = new BearerAuth(tokens);
    expect(() => requireScope(auth.authenticate('Bearer read-token'), 'runs:write')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN', data: { scope: 'runs:write' } }),
    );
    expect(() => requireScope(auth.authenticate('Bearer admin-token'), 'runs:delete')).not.toThrow();
  });

  it('over HTTP: 401 with WWW-Authenticate, 403 for a missing scope, public health, ready and openapi', async () => {
    const s = await injectServer({ config: { auth: { tokens } } });
    const no = await s.app.inject({ method: 'GET', url: '/v1/pipelines' });
    expect(no.statusCode).toBe(401);
    expect(no.headers['www-authenticate']).toBe('Bearer');
    expect(no.json()).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    const bad = await s.app.inject({
      method: 'GET',
      url: '/v1/pipelines',
      headers: { authorization: 'Bearer wrong' },
    });
    expect(bad.statusCode).toBe(401);
    const ok = await s.app.inject({
      method: 'GET',
      url: '/v1/pipelines',
      headers: { authorization: 'Bearer read-token' },
    });
    expect(ok.statusCode).toBe(200);
    const forbidden = await s.app.inject({
      method: 'POST',
      url: '/v1/execute',
      headers: { authorization: 'Bearer read-token' },
      payload: { pipeline: 'hello' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'FORBIDDEN', data: { scope: 'runs:write' } });
    for (const url of ['/health', '/ready', '/openapi.json'])
      expect((await s.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    await s.close();
  });

  it('authenticates before reading the body: a bad body from an unknown caller is 401, not 400', async () => {
    const s = await injectServer({ config: { auth: { tokens } } });
    const r = await s.app.inject({
      method: 'POST',
      url: '/v1/execute',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(r.statusCode).toBe(401);
    await s.close();
  });
});
