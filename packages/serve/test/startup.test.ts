// Start-up and its teardown (issue 13): configuration, plugins, registry, pipelines, store, engines,
// recovery, listen. A failure at any step closes what was opened, in reverse order: no worker
// thread, port or handle is left, and a second server starts cleanly in the same process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WeftError } from '@weft/core';
import type { WeftPlugin } from '@weft/core/plugin';
import { startServer, type ServeOptions } from '../src/index.js';
import { hello, untouchableStore } from './helpers.js';

/** Handles by kind, timers left out (they come and go with the test runner). */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'Timeout' || r === 'Immediate' || r === 'TTYWrap') continue;
    out[r] = (out[r] ?? 0) + 1;
  }
  return out;
}

/** Lets closed handles leave the active list (a closed server's handle goes within two loop turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** A plugin that records when it registers and closes. */
function recordingPlugin(name: string, log: string[]): WeftPlugin {
  return {
    name,
    register: (r) => {
      log.push(`register ${name}`);
      r.readinessCheck(`${name}-ok`, async () => ({ ok: true }));
    },
    close: async () => void log.push(`close ${name}`),
  };
}

/** Options whose every part records its closing into `log`, on the `workers` backend (real threads). */
function recorded(log: string[], extra: Partial<ServeOptions> = {}): ServeOptions {
  const store = untouchableStore();
  const close = store.close.bind(store);
  store.close = async () => {
    log.push('close store');
    await close();
  };
  return {
    config: {
      orchestrationMode: 'workers',
      orchestrators: { workers: { threads: 1 } },
      plugins: ['p1', 'p2'],
    },
    importPlugin: async (spec) => ({ default: recordingPlugin(spec, log) }),
    pipelines: [hello],
    store,
    ...extra,
  };
}

async function busyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}

describe('start-up teardown', () => {
  it('a port in use fails the last step: HTTP, engines (worker threads), store and plugins close in reverse order', async () => {
    const busy = await busyPort();
    await settle();
    const before = handles();
    const log: string[] = [];
    await expect(startServer(recorded(log, { port: busy.port }))).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await settle();
    expect(log).toEqual(['register p1', 'register p2', 'close store', 'close p2', 'close p1']);
    expect(handles()).toEqual(before);
    // The same port, freed, serves a second server in this process.
    await busy.close();
    await settle();
    const none = handles();
    const log2: string[] = [];
    const s = await startServer(recorded(log2, { port: busy.port }));
    expect(s.url).toBe(`http://127.0.0.1:${busy.port}`);
    const ready = await fetch(`${s.url}/ready`, { headers: { connection: 'close' } });
    expect(await ready.json()).toEqual({
      ready: true,
      checks: [
        { name: 'p1-ok', ok: true },
        { name: 'p2-ok', ok: true },
      ],
    });
    await s.close();
    await settle();
    expect(log2.slice(-3)).toEqual(['close store', 'close p2', 'close p1']);
    expect(handles()).toEqual(none);
  });

  it.each([
    [
      'a pipeline file that does not exist',
      { pipelines: ['/nonexistent/p.json'] },
      'INPUT_INVALID',
      ['close p2', 'close p1'],
    ],
    [
      'a store that cannot open',
      {
        store: () => {
          throw new WeftError('STORE_CORRUPT', 'broken store');
        },
      },
      'STORE_CORRUPT',
      ['close p2', 'close p1'],
    ],
    ['two pipelines of one name', { pipelines: [hello, hello] }, 'CONFIG_INVALID', ['close p2', 'close p1']],
  ] as const)('%s: what was opened is closed, nothing is left', async (_what, extra, code, closes) => {
    await settle();
    const before = handles();
    const log: string[] = [];
    await expect(startServer(recorded(log, extra as Partial<ServeOptions>))).rejects.toMatchObject({ code });
    await settle();
    expect(log.filter((l) => l.startsWith('close'))).toEqual(closes);
    expect(handles()).toEqual(before);
  });

  it('a plugin that fails to register closes the plugins before it and nothing else opens', async () => {
    const log: string[] = [];
    const options = recorded(log, {
      importPlugin: async (spec) =>
        spec === 'p2'
          ? { default: { name: 'p2', register: () => Promise.reject(new Error('no redis')) } }
          : { default: recordingPlugin(spec, log) },
    });
    await expect(startServer(options)).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringContaining('no redis') as unknown,
    });
    expect(log).toEqual(['register p1', 'close p1']);
  });

  it('a plugin registers an orchestration mode and an HTTP mapper the service uses', async () => {
    const plugin: WeftPlugin = {
      name: 'remote',
      register: (r) => {
        r.orchestrator({
          name: 'remote',
          description: 'a plugin backend',
          capabilities: { blocking: true, detached: true, durable: true, parallel: true },
          create: () => {
            throw new WeftError('INTERNAL', 'not used');
          },
        });
        r.httpErrorMapper({ codes: ['PIPELINE_NOT_FOUND'], status: 410, retryAfterSeconds: 7 });
      },
    };
    const s = await startServer({
      config: { orchestrationMode: 'direct', plugins: ['remote-plugin'] },
      importPlugin: async () => ({ plugin }),
      store: untouchableStore(),
      listen: false,
    });
    const modes = await s.app.inject({ method: 'GET', url: '/v1/orchestrators' });
    expect(modes.json<{ entries: { name: string }[] }>().entries.map((e) => e.name)).toEqual([
      'direct',
      'workers',
      'remote',
    ]);
    const r = await s.app.inject({ method: 'GET', url: '/v1/pipelines/ghost' });
    expect(r.statusCode).toBe(410);
    expect(r.headers['retry-after']).toBe('7');
    expect(r.json()).toMatchObject({ code: 'PIPELINE_NOT_FOUND', status: 410 });
    await s.close();
  });

  it('/ready is 503 with the reason while a plugin check fails, and after shutdown began', async () => {
    let healthy = false;
    const s = await startServer({
      config: { orchestrationMode: 'direct', plugins: ['x'] },
      importPlugin: async () => ({
        default: {
          name: 'x',
          register: (r) =>
            r.readinessCheck('redis', async () =>
              healthy ? { ok: true } : { ok: false, reason: 'no PONG' },
            ),
        } satisfies WeftPlugin,
      }),
      store: untouchableStore(),
      listen: false,
    });
    const down = await s.app.inject({ method: 'GET', url: '/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect(down.json()).toEqual({ ready: false, checks: [{ name: 'redis', ok: false, reason: 'no PONG' }] });
    healthy = true;
    expect((await s.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    const closing = s.close();
    const draining = await s.app.inject({ method: 'GET', url: '/ready' });
    expect(draining.statusCode).toBe(503);
    await closing;
  });
});

describe('route mounts (the seam of the dashboard)', () => {
  it('mounts extra routes behind the same auth, errors and OpenAPI document', async () => {
    const { hashToken } = await import('../src/index.js');
    const s = await startServer({
      config: {
        orchestrationMode: 'direct',
        auth: { tokens: [{ sha256: hashToken('t'), tenant: 'a', scopes: ['pipelines:read'] }] },
      },
      store: untouchableStore(),
      listen: false,
      routes: [
        (app) => {
          app.get(
            '/v1/extra',
            { config: { scope: 'pipelines:read' }, schema: { summary: 'an extra route' } },
            async () => ({ extra: [] }),
          );
          app.get('/ui', { schema: { hide: true } }, async (_req, reply) =>
            reply.type('text/html').send('<!doctype html>'),
          );
        },
      ],
    });
    expect((await s.app.inject({ method: 'GET', url: '/v1/extra' })).statusCode).toBe(401);
    const ok = await s.app.inject({
      method: 'GET',
      url: '/v1/extra',
      headers: { authorization: 'Bearer t' },
    });
    expect(ok.json()).toEqual({ extra: [] });
    expect((await s.app.inject({ method: 'GET', url: '/ui' })).body).toBe('<!doctype html>');
    const doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(doc.paths)).toContain('/v1/extra');
    await s.close();
  });
});

describe('plugins named by path in the configuration', () => {
  it('are imported relative to the configuration directory and feed GET /v1/workers; a missing one is PLUGIN_INVALID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-serve-plugin-'));
    try {
      writeFileSync(
        join(dir, 'fleet.mjs'),
        `export default { name: 'fleet', register(r) { r.workerSource?.({ orchestrator: 'fleet', list: async () => [{ id: 'w-1', host: 'box' }] }); } };\n`,
      );
      const s = await startServer({
        config: { orchestrationMode: 'direct', plugins: ['./fleet.mjs'] },
        baseDir: dir,
        store: untouchableStore(),
        listen: false,
      });
      const r = await s.app.inject({ method: 'GET', url: '/v1/workers' });
      expect(r.json()).toEqual({
        sources: ['fleet'],
        workers: [{ orchestrator: 'fleet', id: 'w-1', host: 'box' }],
      });
      await s.close();
      await expect(
        startServer({
          config: { orchestrationMode: 'direct', plugins: ['./absent.mjs'] },
          baseDir: dir,
          store: untouchableStore(),
          listen: false,
        }),
      ).rejects.toMatchObject({
        code: 'PLUGIN_INVALID',
        message: expect.stringContaining('./absent.mjs') as unknown,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
