// The orchestration-mode matrix (issue 13): the deployment's default and override policy, 403 for
// another token while overrides are off, 400 for an unknown token while they are on, /v1/start
// refused on a backend that cannot run detached (or is not durable when start.requires says so), all
// checked before any pipeline is looked up; an unknown default fails the start.
import { describe, expect, it } from 'vitest';
import { DirectOrchestrator, type OrchestratorEntry } from '@weft/core';
import { createRegistry } from '@weft/actors';
import { resolveMode, assertCanStart, type ModeLookup, type ModePolicy } from '../src/modes/resolve-mode.js';
import { startServer } from '../src/index.js';
import { injectServer, untouchableStore } from './helpers.js';

/** A backend that can only block: `detached: false`. */
const blockingOnly: OrchestratorEntry = {
  name: 'blocking-only',
  description: 'test backend that cannot run detached',
  capabilities: { blocking: true, detached: false, durable: false, parallel: false },
  create: (ctx) => {
    const o = new DirectOrchestrator(ctx.services);
    return Object.assign(o, { name: 'blocking-only', capabilities: blockingOnly.capabilities });
  },
};

const registry = () => createRegistry().register(blockingOnly);
const lookup: ModeLookup = {
  has: (n) => ['direct', 'workers', 'blocking-only'].includes(n),
  capabilities: (n) => registry().get(n).capabilities,
  names: () => ['direct', 'workers', 'blocking-only'],
};

describe('resolveMode (pure)', () => {
  const off: ModePolicy = { default: 'direct', allowOverride: false, startRequires: 'detached' };
  const on: ModePolicy = { ...off, allowOverride: true };
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  it.each([
    [off, undefined, 'direct', undefined],
    [off, 'direct', 'direct', undefined],
    [off, 'workers', undefined, 'ORCHESTRATION_MODE_OVERRIDE_FORBIDDEN'],
    [off, 'nope', undefined, 'ORCHESTRATION_MODE_OVERRIDE_FORBIDDEN'],
    [on, undefined, 'direct', undefined],
    [on, 'workers', 'workers', undefined],
    [on, 'nope', undefined, 'ORCHESTRATION_MODE_UNKNOWN'],
  ] as const)('policy %o, request %s -> %s / %s', (policy, requested, mode, err) => {
    if (err) expect(code(() => resolveMode(requested, policy, lookup))).toBe(err);
    else expect(resolveMode(requested, policy, lookup)).toBe(mode);
  });
  it('start needs detached, and durable when the deployment says so', () => {
    expect(code(() => assertCanStart('blocking-only', off, lookup, '/v1/start'))).toBe(
      'START_REQUIRES_ASYNC_ORCHESTRATION',
    );
    expect(code(() => assertCanStart('direct', off, lookup, '/v1/start'))).toBeUndefined();
    expect(code(() => assertCanStart('direct', { ...off, startRequires: 'durable' }, lookup, 'x'))).toBe(
      'START_REQUIRES_ASYNC_ORCHESTRATION',
    );
  });
});

const ENDPOINTS = ['/v1/execute', '/v1/start', '/v1/stream', '/v1/validate'] as const;

describe('the modes matrix over HTTP (refusals come before any pipeline is looked up)', () => {
  it.each(ENDPOINTS)(
    '%s: another mode while overrides are off is 403, even for an unknown pipeline',
    async (url) => {
      const s = await injectServer({ registry: registry() });
      for (const mode of ['workers', 'nope', 'blocking-only']) {
        for (const pipeline of ['hello', 'ghost']) {
          const r = await s.app.inject({
            method: 'POST',
            url,
            payload: { pipeline, orchestrationMode: mode },
          });
          expect(r.statusCode, `${mode} ${pipeline}`).toBe(403);
          expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(r.json()).toMatchObject({ code: 'ORCHESTRATION_MODE_OVERRIDE_FORBIDDEN', status: 403 });
        }
      }
      await s.close();
    },
  );

  it.each(ENDPOINTS)(
    '%s: an unknown mode while overrides are on is 400, even for an unknown pipeline',
    async (url) => {
      const s = await injectServer({
        registry: registry(),
        config: { allowRequestOrchestrationModeOverride: true },
      });
      for (const pipeline of ['hello', 'ghost']) {
        const r = await s.app.inject({
          method: 'POST',
          url,
          payload: { pipeline, orchestrationMode: 'nope' },
        });
        expect(r.statusCode).toBe(400);
        expect(r.json()).toMatchObject({ code: 'ORCHESTRATION_MODE_UNKNOWN', data: { requested: 'nope' } });
      }
      await s.close();
    },
  );

  it.each(['/v1/start', '/v1/stream'])(
    '%s on a backend that declares detached: false is 400, before the pipeline is looked up',
    async (url) => {
      const s = await injectServer({
        registry: registry(),
        config: { allowRequestOrchestrationModeOverride: true },
      });
      for (const pipeline of ['hello', 'ghost']) {
        const r = await s.app.inject({
          method: 'POST',
          url,
          payload: { pipeline, orchestrationMode: 'blocking-only' },
        });
        expect(r.statusCode).toBe(400);
        expect(r.json()).toMatchObject({
          code: 'START_REQUIRES_ASYNC_ORCHESTRATION',
          data: { orchestrationMode: 'blocking-only', capability: 'detached' },
        });
      }
      await s.close();
    },
  );

  it('a deployment whose default cannot run detached refuses /v1/start without any mode in the request', async () => {
    const s = await injectServer({ registry: registry(), config: { orchestrationMode: 'blocking-only' } });
    const r = await s.app.inject({ method: 'POST', url: '/v1/start', payload: { pipeline: 'ghost' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('START_REQUIRES_ASYNC_ORCHESTRATION');
    await s.close();
  });

  it('start.requires "durable" refuses direct on /v1/start and /v1/stream', async () => {
    const s = await injectServer({ config: { start: { requires: 'durable' } } });
    for (const url of ['/v1/start', '/v1/stream']) {
      const r = await s.app.inject({ method: 'POST', url, payload: { pipeline: 'hello' } });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({
        code: 'START_REQUIRES_ASYNC_ORCHESTRATION',
        data: { orchestrationMode: 'direct', capability: 'durable' },
      });
    }
    await s.close();
  });

  it('/v1/validate answers with the default, or with an allowed override', async () => {
    const s = await injectServer({
      registry: registry(),
      config: { allowRequestOrchestrationModeOverride: true },
    });
    for (const [mode, expected] of [
      [undefined, 'direct'],
      ['direct', 'direct'],
      ['workers', 'workers'],
      ['blocking-only', 'blocking-only'],
    ] as const) {
      const r = await s.app.inject({
        method: 'POST',
        url: '/v1/validate',
        payload: { pipeline: 'hello', ...(mode ? { orchestrationMode: mode } : {}) },
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ valid: true, pipeline: 'hello', orchestrationMode: expected });
    }
    await s.close();
  });

  it('GET /v1/orchestrators shows names, capabilities, the default and the policy', async () => {
    const s = await injectServer({ registry: registry() });
    const r = await s.app.inject({ method: 'GET', url: '/v1/orchestrators' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      default: 'direct',
      allowRequestOrchestrationModeOverride: false,
      startRequires: 'detached',
      entries: [
        expect.objectContaining({
          name: 'direct',
          capabilities: { blocking: true, detached: true, durable: false, parallel: false },
        }),
        expect.objectContaining({
          name: 'workers',
          capabilities: { blocking: true, detached: true, durable: false, parallel: true },
        }),
        expect.objectContaining({ name: 'blocking-only', capabilities: blockingOnly.capabilities }),
      ],
    });
    await s.close();
  });

  it('an unknown default mode fails the start with CONFIG_INVALID and leaves nothing open', async () => {
    const store = untouchableStore();
    await expect(
      startServer({ config: { orchestrationMode: 'worker' }, store, listen: false }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('known: direct, workers'),
    });
    // The mode is checked before the store is opened: nothing was opened, nothing to close.
    expect(store.closed).toBe(false);
  });
});
