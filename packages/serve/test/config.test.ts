import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, resolveServeConfig } from '../src/index.js';

const problemsOf = (raw: unknown): string[] => {
  try {
    resolveServeConfig(raw, '/srv');
    return [];
  } catch (e) {
    expect((e as { code: string }).code).toBe('CONFIG_INVALID');
    return (e as { data: { problems: string[] } }).data.problems;
  }
};

describe('resolveServeConfig', () => {
  it('fills every default once', () => {
    const c = resolveServeConfig({}, '/srv');
    expect(c).toMatchObject({
      listen: { host: '127.0.0.1', port: 8742 },
      orchestrationMode: 'workers',
      allowRequestOrchestrationModeOverride: false,
      start: { requires: 'detached' },
      store: { kind: 'memory' },
      auth: null,
      limits: DEFAULT_LIMITS,
      tenants: { default: { maxActiveRuns: 50, startsPerMinute: 600, maxStreams: 100 }, named: {} },
      shutdownGraceMs: 10_000,
    });
  });

  it('resolves paths against the configuration directory and keeps #exports', () => {
    const c = resolveServeConfig(
      {
        pipelines: ['p.json', { path: 'lib/m.js#wordFreq', inputSchema: { type: 'array' } }],
        store: { kind: 'sqlite', path: '.weft/w.db' },
      },
      '/srv',
    );
    expect(c.pipelines).toEqual([
      { target: '/srv/p.json', inputSchema: null },
      { target: '/srv/lib/m.js#wordFreq', inputSchema: { type: 'array' } },
    ]);
    expect(c.store).toEqual({ kind: 'sqlite', path: '/srv/.weft/w.db' });
  });

  it('merges tenant quotas over the "*" default', () => {
    const c = resolveServeConfig({ tenants: { '*': { maxStreams: 3 }, acme: { maxActiveRuns: 2 } } }, '/srv');
    expect(c.tenants.default).toEqual({ maxActiveRuns: 50, startsPerMinute: 600, maxStreams: 3 });
    expect(c.tenants.named['acme']).toEqual({ maxActiveRuns: 2, startsPerMinute: 600, maxStreams: 3 });
  });

  it('lists every problem, with a "did you mean" for unknown keys', () => {
    const problems = problemsOf({
      orchestrationMod: 'direct',
      listen: { port: 70000 },
      limits: { bodyBytes: 0, sseHeartbeat: 5 },
      start: { requires: 'always' },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        '/: unknown key "orchestrationMod" (did you mean "orchestrationMode"?)',
        expect.stringMatching(/^\/listen\/port: /),
        expect.stringMatching(/^\/limits\/bodyBytes: /),
        '/limits: unknown key "sseHeartbeat" (did you mean "sseHeartbeatMs"?)',
        '/start/requires: must be one of "detached", "durable"',
      ]),
    );
  });

  it('refuses a mode that is not a token, a token digest that is not SHA-256 hex, an unknown scope', () => {
    expect(problemsOf({ orchestrationMode: 'Workers!' })[0]).toMatch(/^\/orchestrationMode: /);
    const p = problemsOf({ auth: { tokens: [{ sha256: 'abc', tenant: 'acme', scopes: ['runs:fly'] }] } });
    expect(p.join('\n')).toMatch(/\/auth\/tokens\/0\/sha256/);
    expect(p.join('\n')).toMatch(/\/auth\/tokens\/0\/scopes\/0/);
  });

  it('refuses to listen beyond loopback without auth', () => {
    expect(() => resolveServeConfig({ listen: { host: '0.0.0.0' } }, '/srv')).toThrow(
      /not loopback and no auth/,
    );
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost'])
      expect(resolveServeConfig({ listen: { host } }, '/srv').listen.host).toBe(host);
    const withAuth = resolveServeConfig(
      {
        listen: { host: '0.0.0.0' },
        auth: { tokens: [{ sha256: 'a'.repeat(64), tenant: 't', scopes: ['admin'] }] },
      },
      '/srv',
    );
    expect(withAuth.listen.host).toBe('0.0.0.0');
  });

  it('refuses what is not an object', () => {
    for (const raw of [null, [], 'x', 3]) expect(problemsOf(raw).length).toBeGreaterThan(0);
  });
});
