// Every route with every status its OpenAPI entry documents, through app.inject on a service with a
// memory store (@weft/store), auth and quotas. Each answer is recorded; the last test checks that
// every (method, path, status) of the committed openapi.json was answered here, so a new documented
// status needs its test.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock, WeftError, compile, type RunEvent } from '@weft/core';
import type { WeftPlugin } from '@weft/core/plugin';
import type { AuditRecord, Store } from '@weft/core/store';
import { memoryStore } from '@weft/store';
import { hello } from './helpers.js';
import {
  Gates,
  approvePipeline,
  auth,
  bearer,
  boomPipeline,
  heldPipeline,
  runServer,
  wordsPipeline,
} from './run-fixtures.js';
import { framesOf } from './sse-client.js';

const seen = new Set<string>();
type Who = Parameters<typeof bearer>[0] | null;

/** One request as `who`; the answer is recorded under the OpenAPI path `route`. */
async function call(
  s: { app: { inject(o: InjectOptions): Promise<LightMyRequestResponse> } },
  route: string,
  o: InjectOptions & { who?: Who },
): Promise<LightMyRequestResponse> {
  const { who = 'acme', ...rest } = o;
  const r = await s.app.inject({
    ...rest,
    headers: { ...(who ? bearer(who) : {}), ...(rest.headers as Record<string, string> | undefined) },
  });
  seen.add(`${(o.method ?? 'GET').toUpperCase()} ${route} ${r.statusCode}`);
  // Errors are problem+json; /ready's 503 is its own report (which checks fail).
  if (r.statusCode >= 400 && route !== '/ready') {
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ status: r.statusCode, code: expect.any(String) });
  }
  return r;
}

/** The audit records appended to a store, as it receives them. */
function recordAudit(store: Store): AuditRecord[] {
  const records: AuditRecord[] = [];
  const append = store.audit.append.bind(store.audit);
  Object.assign(store.audit, {
    append: (r: readonly AuditRecord[]) => {
      records.push(...r);
      append(r);
    },
  });
  return records;
}

const gates = new Gates();
const store = memoryStore();
const audit = recordAudit(store);
let s: Awaited<ReturnType<typeof runServer>>;

beforeAll(async () => {
  s = await runServer({
    store,
    pipelines: [hello, approvePipeline, boomPipeline, wordsPipeline, heldPipeline(gates)],
    config: {
      auth,
      limits: { bodyBytes: 4096 },
      tenants: { tiny: { maxActiveRuns: 1, maxStreams: 1 } },
    },
  });
});
afterAll(async () => {
  await s.close();
});

const json = (payload: unknown) => ({ payload: payload as Record<string, unknown> });
const big = { pipeline: 'hello', input: 'x'.repeat(5000) };
const plain = { payload: 'hello', headers: { 'content-type': 'text/plain' } };

/** Starts a held run (202) and resolves once its step waits at the gate. */
async function startHeld(gate: string, who: Who = 'acme', runId?: string): Promise<string> {
  const r = await call(s, '/v1/start', {
    method: 'POST',
    url: '/v1/start',
    who,
    ...json({ pipeline: 'held', input: { gate }, ...(runId ? { runId } : {}) }),
  });
  expect(r.statusCode).toBe(202);
  await gates.get(gate).reached;
  return r.json<{ runId: string }>().runId;
}

describe('meta routes', () => {
  it('health, ready, orchestrators, pipelines', async () => {
    expect((await call(s, '/health', { url: '/health', who: null })).json()).toEqual({ ok: true });
    expect((await call(s, '/ready', { url: '/ready', who: null })).statusCode).toBe(200);
    const orch = await call(s, '/v1/orchestrators', { url: '/v1/orchestrators' });
    expect(orch.json()).toMatchObject({
      default: 'direct',
      allowRequestOrchestrationModeOverride: false,
      entries: expect.arrayContaining([expect.objectContaining({ name: 'direct' })]),
    });
    expect((await call(s, '/v1/orchestrators', { url: '/v1/orchestrators', who: null })).statusCode).toBe(
      401,
    );
    expect((await call(s, '/v1/orchestrators', { url: '/v1/orchestrators', who: 'writer' })).statusCode).toBe(
      403,
    );
    const list = await call(s, '/v1/pipelines', { url: '/v1/pipelines' });
    expect(list.json<{ pipelines: { name: string }[] }>().pipelines.map((p) => p.name)).toEqual(
      expect.arrayContaining(['hello', 'approve', 'boom', 'words', 'held']),
    );
    expect((await call(s, '/v1/pipelines', { url: '/v1/pipelines', who: null })).statusCode).toBe(401);
    expect((await call(s, '/v1/pipelines', { url: '/v1/pipelines', who: 'writer' })).statusCode).toBe(403);
    const one = await call(s, '/v1/pipelines/{name}', { url: '/v1/pipelines/approve' });
    expect(one.json()).toMatchObject({ name: 'approve' });
    for (const [url, who, status] of [
      ['/v1/pipelines/no-such', 'acme', 404],
      [`/v1/pipelines/${'n'.repeat(201)}`, 'acme', 400],
      ['/v1/pipelines/hello', null, 401],
      ['/v1/pipelines/hello', 'writer', 403],
    ] as const)
      expect((await call(s, '/v1/pipelines/{name}', { url, who })).statusCode).toBe(status);
  });
});

describe('POST /v1/execute', () => {
  it('200 for every terminal status: succeeded, failed and suspended runs are data', async () => {
    const ok = await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'hello', input: 'ada', tags: ['t1'] }),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      status: 'succeeded',
      pipeline: 'hello',
      orchestrationMode: 'direct',
      output: 'hello ada',
      error: null,
      suspended: [],
    });
    const failed = await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'boom' }),
    });
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({ status: 'failed', error: { code: 'STEP_FAILED' } });
    expect(JSON.stringify(failed.json())).not.toContain('at '); // no stack
    const suspended = await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'approve', input: [1, 2, 3] }),
    });
    expect(suspended.statusCode).toBe(200);
    expect(suspended.json()).toMatchObject({
      status: 'suspended',
      suspended: [{ step: 'review', reason: 'approve the total', data: { total: 6 } }],
    });
  });

  it('400, 401, 403, 404, 409, 413, 415, 429', async () => {
    const post = (body: unknown, who: Who = 'acme', extra: Partial<InjectOptions> = {}) =>
      call(s, '/v1/execute', { method: 'POST', url: '/v1/execute', who, ...json(body), ...extra });
    expect((await post({ pipeline: 'hello', input: 1, extra: true })).statusCode).toBe(400);
    expect((await post({ pipeline: 'hello' }, null)).statusCode).toBe(401);
    expect((await post({ pipeline: 'hello' }, 'reader')).statusCode).toBe(403);
    expect((await post({ pipeline: 'nope' })).json()).toMatchObject({
      status: 404,
      code: 'PIPELINE_NOT_FOUND',
    });
    await post({ pipeline: 'hello', runId: 'exec-taken' });
    expect((await post({ pipeline: 'hello', runId: 'exec-taken' })).json()).toMatchObject({
      status: 409,
      code: 'RUN_EXISTS',
    });
    expect((await post(big)).statusCode).toBe(413);
    expect((await call(s, '/v1/execute', { method: 'POST', url: '/v1/execute', ...plain })).statusCode).toBe(
      415,
    );
    // The tiny tenant may have one active run: a second is 429 with Retry-After while it runs.
    await startHeld('tiny-exec', 'tiny');
    const busy = await post({ pipeline: 'hello' }, 'tiny');
    expect(busy.json()).toMatchObject({ status: 429, code: 'QUOTA_EXCEEDED' });
    expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);
    gates.get('tiny-exec').open();
    await waitForStatus('tiny', 'succeeded', 'held');
    expect((await post({ pipeline: 'hello', input: 'again' }, 'tiny')).statusCode).toBe(200);
  });

  it('Idempotency-Key: the same key and body replay the first answer; another body is 409', async () => {
    const headers = { 'idempotency-key': 'exec-key-1' };
    const first = await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      headers,
      ...json({ pipeline: 'hello', input: 'idem' }),
    });
    const again = await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      headers,
      ...json({ input: 'idem', pipeline: 'hello' }),
    });
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const runs = await store.runs.query({ tenant: 'acme', pipeline: 'hello', limit: 1000 });
    expect(runs.runs.filter((r) => r.input === 'idem')).toHaveLength(1);
    const other = await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      headers,
      ...json({ pipeline: 'hello', input: 'different' }),
    });
    expect(other.json()).toMatchObject({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
  });
});

/** Polls the store (each poll an await of the store, no timer) until a run of `tenant` has `status`. */
async function waitForStatus(tenant: string, status: string, pipeline: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    const page = await store.runs.query({ tenant, pipeline, status: status as 'succeeded', limit: 1 });
    if (page.runs.length > 0) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`no ${status} run of ${tenant}`);
}

describe('POST /v1/start and GET /v1/runs/{id}/result', () => {
  it('202 with Location; the result is 202 while the run goes on (long poll), then 200', async () => {
    const runId = await startHeld('start-1');
    const detail = await call(s, '/v1/runs/{id}', { url: `/v1/runs/${runId}` });
    expect(detail.json()).toMatchObject({ run: { runId, status: 'running', tenant: 'acme' } });
    const pending = await call(s, '/v1/runs/{id}/result', { url: `/v1/runs/${runId}/result?waitMs=0` });
    expect(pending.statusCode).toBe(202);
    expect(pending.json()).toMatchObject({ runId, status: 'running' });
    // A long poll answers as soon as the run ends.
    const polling = call(s, '/v1/runs/{id}/result', { url: `/v1/runs/${runId}/result?waitMs=60000` });
    gates.get('start-1').open();
    const done = await polling;
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ runId, status: 'succeeded', output: { gate: 'start-1' } });
    // Once ended, from the store.
    const stored = await call(s, '/v1/runs/{id}/result', { url: `/v1/runs/${runId}/result` });
    expect(stored.json()).toMatchObject({ runId, status: 'succeeded', output: { gate: 'start-1' } });
  });

  it('start: 202 headers, 400, 401, 403, 404, 409, 413, 415, 429', async () => {
    const post = (body: unknown, who: Who = 'acme', extra: Partial<InjectOptions> = {}) =>
      call(s, '/v1/start', { method: 'POST', url: '/v1/start', who, ...json(body), ...extra });
    const ok = await post({ pipeline: 'hello', input: 'x', runId: 'start-taken' });
    expect(ok.statusCode).toBe(202);
    expect(ok.headers.location).toBe('/v1/runs/start-taken');
    expect(ok.json()).toMatchObject({ runId: 'start-taken', orchestrationMode: 'direct' });
    expect((await post({ pipeline: 'hello', timeoutMs: 'soon' })).statusCode).toBe(400);
    expect((await post({ pipeline: 'hello' }, null)).statusCode).toBe(401);
    expect((await post({ pipeline: 'hello' }, 'reader')).statusCode).toBe(403);
    expect((await post({ pipeline: 'nope' })).statusCode).toBe(404);
    expect((await post({ pipeline: 'hello', runId: 'start-taken' })).json()).toMatchObject({
      code: 'RUN_EXISTS',
    });
    expect((await post(big)).statusCode).toBe(413);
    expect((await call(s, '/v1/start', { method: 'POST', url: '/v1/start', ...plain })).statusCode).toBe(415);
    await startHeld('tiny-start', 'tiny');
    expect((await post({ pipeline: 'hello' }, 'tiny')).statusCode).toBe(429);
    gates.get('tiny-start').open();
    await waitForStatus('tiny', 'succeeded', 'held');
  });

  it('result: 400, 401, 403, 404 (another tenant too)', async () => {
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'hello', runId: 'res-1' }),
    });
    for (const [url, who, status] of [
      ['/v1/runs/res-1/result?waitMs=-1', 'acme', 400],
      ['/v1/runs/res-1/result', null, 401],
      ['/v1/runs/res-1/result', 'writer', 403],
      ['/v1/runs/no-such/result', 'acme', 404],
      ['/v1/runs/res-1/result', 'other', 404],
    ] as const)
      expect((await call(s, '/v1/runs/{id}/result', { url, who })).statusCode).toBe(status);
  });
});

describe('POST /v1/stream', () => {
  it('200: the run events as SSE, ids the event numbers, tokens merged, then end', async () => {
    const r = await call(s, '/v1/stream', {
      method: 'POST',
      url: '/v1/stream',
      ...json({ pipeline: 'words', input: 5, runId: 'stream-1' }),
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(r.headers['content-location']).toBe('/v1/runs/stream-1');
    const frames = framesOf(r.payload);
    expect(frames.at(-1)).toMatchObject({ event: 'end' });
    const ids = frames.filter((f) => f.id !== null).map((f) => f.id!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const tokens = frames
      .filter((f) => f.event === 'token')
      .flatMap((f) => (JSON.parse(f.data) as { tokens: string[] }).tokens);
    expect(tokens).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
    expect(frames.find((f) => f.event === 'run.finish')).toBeDefined();
    const lastId = await store.events.lastId('stream-1');
    expect(ids.at(-1)).toBe(lastId);
  });

  it('400, 401, 403, 404, 409, 413, 415, 429', async () => {
    const post = (body: unknown, who: Who = 'acme') =>
      call(s, '/v1/stream', { method: 'POST', url: '/v1/stream', who, ...json(body) });
    expect((await post({ pipeline: 'hello', tags: 'no' })).statusCode).toBe(400);
    expect((await post({ pipeline: 'hello' }, null)).statusCode).toBe(401);
    expect((await post({ pipeline: 'hello' }, 'reader')).statusCode).toBe(403);
    expect((await post({ pipeline: 'nope' })).statusCode).toBe(404);
    expect((await post({ pipeline: 'hello', runId: 'stream-1' })).statusCode).toBe(409);
    expect((await post(big)).statusCode).toBe(413);
    expect((await call(s, '/v1/stream', { method: 'POST', url: '/v1/stream', ...plain })).statusCode).toBe(
      415,
    );
    await startHeld('tiny-stream', 'tiny');
    expect((await post({ pipeline: 'hello' }, 'tiny')).statusCode).toBe(429);
    gates.get('tiny-stream').open();
    await waitForStatus('tiny', 'succeeded', 'held');
  });
});

describe('POST /v1/validate', () => {
  it('200 valid and 200 invalid (each with its report); 400, 401, 403, 404, 413, 415', async () => {
    const post = (body: unknown, who: Who = 'acme') =>
      call(s, '/v1/validate', { method: 'POST', url: '/v1/validate', who, ...json(body) });
    expect((await post({ pipeline: 'hello' })).json()).toMatchObject({ valid: true, pipeline: 'hello' });
    const invalid = await post({ spec: { name: 'x', steps: { a: { code: 'nope' } } } });
    expect(invalid.statusCode).toBe(200);
    expect(invalid.json()).toMatchObject({
      valid: false,
      problems: expect.arrayContaining([
        expect.objectContaining({ code: 'SPEC_INVALID', path: '/steps/a/code' }),
      ]),
    });
    expect((await post({ pipeline: 'hello', spec: {} })).statusCode).toBe(400);
    expect((await post({ pipeline: 'hello' }, null)).statusCode).toBe(401);
    expect((await post({ pipeline: 'hello' }, 'writer')).statusCode).toBe(403);
    expect((await post({ pipeline: 'nope' })).statusCode).toBe(404);
    expect((await post({ spec: { name: 'x'.repeat(5000) } })).statusCode).toBe(413);
    expect(
      (await call(s, '/v1/validate', { method: 'POST', url: '/v1/validate', ...plain })).statusCode,
    ).toBe(415);
  });
});

describe('GET /v1/runs and GET /v1/runs/{id}', () => {
  it('filters, cursor paging, tenant scoping; 400, 401, 403', async () => {
    for (let i = 0; i < 3; i++)
      await call(s, '/v1/execute', {
        method: 'POST',
        url: '/v1/execute',
        who: 'other',
        ...json({ pipeline: 'hello', input: i, tags: ['paged'], runId: `page-${i}` }),
      });
    const seenIds: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `?tag=paged&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call(s, '/v1/runs', { url: `/v1/runs${q}`, who: 'other' });
      expect(page.statusCode).toBe(200);
      const body = page.json<{ runs: { runId: string; tenant: string }[]; nextCursor: string | null }>();
      expect(body.runs.length).toBeLessThanOrEqual(2);
      for (const r of body.runs) expect(r.tenant).toBe('other');
      seenIds.push(...body.runs.map((r) => r.runId));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seenIds.sort()).toEqual(['page-0', 'page-1', 'page-2']);
    // acme sees none of them; filters by status and pipeline.
    const acme = await call(s, '/v1/runs', { url: '/v1/runs?tag=paged' });
    expect(acme.json<{ runs: unknown[] }>().runs).toEqual([]);
    const failed = await call(s, '/v1/runs', { url: '/v1/runs?status=failed&pipeline=boom' });
    const fr = failed.json<{ runs: { status: string; pipeline: string }[] }>().runs;
    expect(fr.length).toBeGreaterThan(0);
    for (const r of fr) expect(r).toMatchObject({ status: 'failed', pipeline: 'boom' });
    for (const [url, who, status] of [
      ['/v1/runs?status=nope', 'acme', 400],
      ['/v1/runs?limit=0', 'acme', 400],
      ['/v1/runs?cursor=not-a-cursor', 'acme', 400],
      ['/v1/runs', null, 401],
      ['/v1/runs', 'writer', 403],
    ] as const)
      expect((await call(s, '/v1/runs', { url, who })).statusCode).toBe(status);
  });

  it('a run with its RunView; 400, 401, 403, 404 (another tenant: 404, not 403)', async () => {
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'approve', input: [2, 3], runId: 'view-1' }),
    });
    const r = await call(s, '/v1/runs/{id}', { url: '/v1/runs/view-1' });
    expect(r.statusCode).toBe(200);
    const body = r.json<{
      run: { status: string; lastSeq: number };
      view: { status: string; lastSeq: number; nodes: Record<string, { state: string }> };
    }>();
    expect(body.run.status).toBe('suspended');
    expect(body.view).toMatchObject({
      status: 'suspended',
      nodes: { total: { state: 'succeeded' }, review: { state: 'suspended' } },
    });
    expect(body.view.lastSeq).toBe(await store.events.lastId('view-1'));
    for (const [url, who, status] of [
      ['/v1/runs/bad%20id!', 'acme', 400],
      ['/v1/runs/view-1', null, 401],
      ['/v1/runs/view-1', 'writer', 403],
      ['/v1/runs/no-such', 'acme', 404],
      ['/v1/runs/view-1', 'other', 404],
    ] as const)
      expect((await call(s, '/v1/runs/{id}', { url, who })).statusCode).toBe(status);
  });
});

describe('GET /v1/runs/{id}/events', () => {
  it('a JSON page: gap-free numbers from 1, after, limit and next, tokens=false', async () => {
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'words', input: 3, runId: 'ev-1' }),
    });
    const all = (await call(s, '/v1/runs/{id}/events', { url: '/v1/runs/ev-1/events' })).json<{
      events: RunEvent[];
      lastId: number;
      next: number | null;
    }>();
    expect(all.events.map((e) => e.seq)).toEqual(Array.from({ length: all.lastId }, (_, i) => i + 1));
    expect(all.next).toBeNull();
    const page = (
      await call(s, '/v1/runs/{id}/events', { url: '/v1/runs/ev-1/events?after=2&limit=2' })
    ).json<{ events: RunEvent[]; next: number }>();
    expect(page.events.map((e) => e.seq)).toEqual([3, 4]);
    expect(page.next).toBe(4);
    const noTokens = (
      await call(s, '/v1/runs/{id}/events', { url: '/v1/runs/ev-1/events?tokens=false' })
    ).json<{ events: RunEvent[] }>();
    expect(noTokens.events.some((e) => e.type === 'token')).toBe(false);
    expect(noTokens.events.length).toBeLessThan(all.events.length);
  });

  it('SSE: replay after Last-Event-ID to the end; 204 at the last id of a finished run', async () => {
    const lastId = await store.events.lastId('ev-1');
    const r = await call(s, '/v1/runs/{id}/events', {
      url: '/v1/runs/ev-1/events',
      headers: { accept: 'text/event-stream', 'last-event-id': '2' },
    });
    expect(r.statusCode).toBe(200);
    const frames = framesOf(r.payload);
    // The first frame starts at event 3 (tokens of one invocation come merged: seqFrom..id).
    const first = JSON.parse(frames[0]!.data) as { seq: number; seqFrom?: number };
    expect(first.seqFrom ?? first.seq).toBe(3);
    expect(frames[0]!.id).toBe(first.seq);
    expect(frames.at(-1)).toMatchObject({ event: 'end' });
    expect(frames.filter((f) => f.id !== null).at(-1)!.id).toBe(lastId);
    const done = await call(s, '/v1/runs/{id}/events', {
      url: `/v1/runs/ev-1/events?after=${lastId}`,
      headers: { accept: 'text/event-stream' },
    });
    expect(done.statusCode).toBe(204);
  });

  it('400, 401, 403, 404, 429', async () => {
    for (const [url, who, headers, status] of [
      ['/v1/runs/ev-1/events?after=999999', 'acme', {}, 400],
      ['/v1/runs/ev-1/events?after=-1', 'acme', {}, 400],
      ['/v1/runs/ev-1/events', 'acme', { 'last-event-id': 'abc' }, 400],
      ['/v1/runs/ev-1/events', null, {}, 401],
      ['/v1/runs/ev-1/events', 'writer', {}, 403],
      ['/v1/runs/no-such/events', 'acme', {}, 404],
      ['/v1/runs/ev-1/events', 'other', {}, 404],
    ] as const)
      expect((await call(s, '/v1/runs/{id}/events', { url, who, headers })).statusCode).toBe(status);
    // The tiny tenant may hold one stream open: a second is 429 while the first follows its run.
    const runId = await startHeld('tiny-events', 'tiny');
    const sse = { accept: 'text/event-stream' };
    const first = call(s, '/v1/runs/{id}/events', {
      url: `/v1/runs/${runId}/events`,
      who: 'tiny',
      headers: sse,
    });
    while (s.context.streams.size === 0) await new Promise((r) => setImmediate(r));
    const second = await call(s, '/v1/runs/{id}/events', {
      url: `/v1/runs/${runId}/events`,
      who: 'tiny',
      headers: sse,
    });
    expect(second.json()).toMatchObject({
      status: 429,
      code: 'QUOTA_EXCEEDED',
      data: { quota: 'maxStreams' },
    });
    gates.get('tiny-events').open();
    expect(framesOf((await first).payload).at(-1)).toMatchObject({ event: 'end' });
  });
});

describe('POST /v1/runs/{id}/cancel', () => {
  it('202 cancelling, then the run is cancelled; 200 with wait; audited with the principal', async () => {
    const runId = await startHeld('cancel-1');
    const r = await call(s, '/v1/runs/{id}/cancel', {
      method: 'POST',
      url: `/v1/runs/${runId}/cancel`,
      ...json({ reason: 'changed my mind' }),
    });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ runId, status: 'cancelling' });
    const result = await call(s, '/v1/runs/{id}/result', { url: `/v1/runs/${runId}/result?waitMs=60000` });
    expect(result.json()).toMatchObject({ status: 'cancelled' });
    expect(audit.filter((a) => a.runId === runId && a.kind === 'action').map((a) => a.body)).toEqual([
      { action: 'cancel', principal: 'acme-admin', tenant: 'acme', reason: 'changed my mind' },
    ]);
    expect(store.audit.verify(runId).ok).toBe(true);
    const waited = await startHeld('cancel-2');
    const w = await call(s, '/v1/runs/{id}/cancel', {
      method: 'POST',
      url: `/v1/runs/${waited}/cancel?wait=true`,
    });
    expect(w.statusCode).toBe(200);
    expect(w.json()).toMatchObject({ runId: waited, status: 'cancelled' });
  });

  it('400, 401, 403, 404, 409 (ended), 413, 415', async () => {
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'hello', runId: 'can-done' }),
    });
    const post = (url: string, who: Who = 'acme', extra: Partial<InjectOptions> = {}) =>
      call(s, '/v1/runs/{id}/cancel', { method: 'POST', url, who, ...extra });
    expect((await post('/v1/runs/can-done/cancel', 'acme', json({ why: 1 }))).statusCode).toBe(400);
    const nullBody = { payload: 'null', headers: { 'content-type': 'application/json' } };
    expect((await post('/v1/runs/can-done/cancel', 'acme', nullBody)).statusCode).toBe(400);
    expect((await post('/v1/runs/can-done/cancel', null)).statusCode).toBe(401);
    expect((await post('/v1/runs/can-done/cancel', 'writer')).statusCode).toBe(403);
    expect((await post('/v1/runs/no-such/cancel')).statusCode).toBe(404);
    expect((await post('/v1/runs/can-done/cancel', 'other')).statusCode).toBe(404);
    expect((await post('/v1/runs/can-done/cancel')).json()).toMatchObject({
      status: 409,
      code: 'RUN_FINISHED',
      data: { status: 'succeeded' },
    });
    expect(
      (await post('/v1/runs/can-done/cancel', 'acme', json({ reason: 'x'.repeat(5000) }))).statusCode,
    ).toBe(413);
    expect((await post('/v1/runs/can-done/cancel', 'acme', plain)).statusCode).toBe(415);
  });
});

describe('POST /v1/runs/{id}/resume', () => {
  it('202, then the run ends; its events continue the numbering of the first session; audited', async () => {
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'approve', input: [4, 5], runId: 'res-a' }),
    });
    const before = await store.events.lastId('res-a');
    const r = await call(s, '/v1/runs/{id}/resume', {
      method: 'POST',
      url: '/v1/runs/res-a/resume',
      ...json({ resume: 'yes' }),
    });
    expect(r.statusCode).toBe(202);
    expect(r.headers.location).toBe('/v1/runs/res-a');
    const result = await call(s, '/v1/runs/{id}/result', { url: '/v1/runs/res-a/result?waitMs=60000' });
    expect(result.json()).toMatchObject({ status: 'succeeded', output: { total: 9, answer: 'yes' } });
    const events = (await call(s, '/v1/runs/{id}/events', { url: '/v1/runs/res-a/events' })).json<{
      events: RunEvent[];
    }>().events;
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === 'run.start').map((e) => e.seq)).toEqual([1, before + 1]);
    const detail = (await call(s, '/v1/runs/{id}', { url: '/v1/runs/res-a' })).json<{
      run: { sessions: number };
      view: { sessions: number; status: string };
    }>();
    expect(detail.run.sessions).toBe(2);
    expect(detail.view).toMatchObject({ sessions: 2, status: 'succeeded' });
    expect(audit.filter((a) => a.runId === 'res-a' && a.kind === 'action').map((a) => a.body)).toEqual([
      { action: 'resume', principal: 'acme-admin', tenant: 'acme', orchestrationMode: 'direct' },
    ]);
  });

  it('200 with wait (suspended again, then succeeded)', async () => {
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'approve', input: [1], runId: 'res-w' }),
    });
    const r = await call(s, '/v1/runs/{id}/resume', {
      method: 'POST',
      url: '/v1/runs/res-w/resume?wait=true',
      ...json({ resume: 'no' }),
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'succeeded', output: { total: 1, answer: 'no' } });
  });

  it('400, 401, 403, 404, 409 (not suspended), 413, 415, 429', async () => {
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'approve', input: [1], runId: 'res-b' }),
    });
    const post = (url: string, who: Who = 'acme', extra: Partial<InjectOptions> = {}) =>
      call(s, '/v1/runs/{id}/resume', { method: 'POST', url, who, ...extra });
    expect((await post('/v1/runs/res-b/resume', 'acme', json({ value: 1 }))).statusCode).toBe(400);
    expect((await post('/v1/runs/res-b/resume', null)).statusCode).toBe(401);
    expect((await post('/v1/runs/res-b/resume', 'reader')).statusCode).toBe(403);
    expect((await post('/v1/runs/no-such/resume')).statusCode).toBe(404);
    expect((await post('/v1/runs/res-b/resume', 'other')).statusCode).toBe(404);
    expect((await post('/v1/runs/res-a/resume')).json()).toMatchObject({
      status: 409,
      code: 'RUN_NOT_SUSPENDED',
      data: { status: 'succeeded' },
    });
    expect((await post('/v1/runs/res-b/resume', 'acme', json({ resume: 'x'.repeat(5000) }))).statusCode).toBe(
      413,
    );
    expect((await post('/v1/runs/res-b/resume', 'acme', plain)).statusCode).toBe(415);
    // tiny: a suspended run, and one active run held: resuming would be a second active run.
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      who: 'tiny',
      ...json({ pipeline: 'approve', input: [1], runId: 'res-tiny' }),
    });
    await startHeld('tiny-resume', 'tiny');
    expect((await post('/v1/runs/res-tiny/resume', 'tiny', json({ resume: 'yes' }))).statusCode).toBe(429);
    gates.get('tiny-resume').open();
    await waitForStatus('tiny', 'succeeded', 'held');
  });
});

describe('DELETE /v1/runs/{id}', () => {
  it('204 forgets a finished run (record and events); 400, 401, 403, 404, 409 while it runs', async () => {
    await call(s, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      ...json({ pipeline: 'hello', runId: 'del-1' }),
    });
    const del = (url: string, who: Who = 'acme') => call(s, '/v1/runs/{id}', { method: 'DELETE', url, who });
    expect((await del('/v1/runs/del-1', null)).statusCode).toBe(401);
    expect((await del('/v1/runs/del-1', 'reader')).statusCode).toBe(403);
    expect((await del('/v1/runs/del-1', 'other')).statusCode).toBe(404);
    expect((await del('/v1/runs/bad%20id!')).statusCode).toBe(400);
    expect((await del('/v1/runs/del-1')).statusCode).toBe(204);
    expect(await store.runs.get('del-1')).toBeUndefined();
    expect(await store.events.read('del-1', 0)).toEqual([]);
    expect((await del('/v1/runs/del-1')).statusCode).toBe(404);
    const runId = await startHeld('del-held');
    expect((await del(`/v1/runs/${runId}`)).json()).toMatchObject({ status: 409, code: 'RUN_BUSY' });
    gates.get('del-held').open();
    await call(s, '/v1/runs/{id}/result', { url: `/v1/runs/${runId}/result?waitMs=60000` });
    expect((await del(`/v1/runs/${runId}`)).statusCode).toBe(204);
  });
});

describe('shutting down', () => {
  it('/ready 503, new runs and resumes 503 SHUTTING_DOWN; the runs in flight finish in their grace', async () => {
    const g = new Gates();
    const clock = new SimulatedClock();
    const t = await runServer({
      clock,
      pipelines: [hello, approvePipeline, heldPipeline(g)],
      config: { shutdownGraceMs: 60_000 },
    });
    await call(t, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      who: null,
      ...json({ pipeline: 'approve', input: [1], runId: 'sd-susp' }),
    });
    const held = await call(t, '/v1/start', {
      method: 'POST',
      url: '/v1/start',
      who: null,
      ...json({ pipeline: 'held', input: { gate: 'sd' } }),
    });
    await g.get('sd').reached;
    const closing = t.close();
    const ready = await call(t, '/ready', { url: '/ready', who: null });
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBeDefined();
    for (const route of ['/v1/execute', '/v1/start', '/v1/stream']) {
      const r = await call(t, route, {
        method: 'POST',
        url: route,
        who: null,
        ...json({ pipeline: 'hello' }),
      });
      expect(r.json()).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });
      expect(r.headers['retry-after']).toBeDefined();
    }
    const resume = await call(t, '/v1/runs/{id}/resume', {
      method: 'POST',
      url: '/v1/runs/sd-susp/resume',
      who: null,
      ...json({ resume: 'yes' }),
    });
    expect(resume.statusCode).toBe(503);
    // The run in flight is still served and ends in its grace period.
    g.get('sd').open();
    await closing;
    const rec = await t.store.runs.get(held.json<{ runId: string }>().runId);
    expect(rec).toMatchObject({ status: 'succeeded' });
    expect(rec?.owner).toBeUndefined();
  });
});

describe('recovery at start-up', () => {
  it('a run left running by a dead owner is interrupted, then recovered over HTTP with its numbering', async () => {
    const crashed = memoryStore();
    const dead = { id: 'gone:999999:1', host: hostname(), pid: 999_999, processStart: 1 };
    const plan = compile(hello);
    await crashed.runs.put({
      runId: 'crashed-1',
      pipeline: 'hello',
      module: null,
      planId: plan.id,
      status: 'running',
      startedAt: Date.now(),
      input: 'lazarus',
      owner: dead,
    });
    await crashed.runs.openSession('crashed-1', 'start', dead);
    const t = await runServer({ store: crashed, pipelines: [hello] });
    const before = await call(t, '/v1/runs/{id}', { url: '/v1/runs/crashed-1', who: null });
    expect(before.json()).toMatchObject({ run: { status: 'interrupted' } });
    const r = await call(t, '/v1/runs/{id}/resume', {
      method: 'POST',
      url: '/v1/runs/crashed-1/resume?wait=true',
      who: null,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'succeeded', output: 'hello lazarus' });
    const rec = await crashed.runs.get('crashed-1');
    expect(rec).toMatchObject({ status: 'succeeded', sessions: 2 });
    expect(rec?.owner).toBeUndefined();
    await t.close();
  });
});

describe('a store that fails', () => {
  it('is 503 STORE_IO with Retry-After on every route that reads it; the service keeps serving', async () => {
    const failing = memoryStore();
    const t = await runServer({ store: failing, pipelines: [hello] });
    await call(t, '/v1/execute', {
      method: 'POST',
      url: '/v1/execute',
      who: null,
      ...json({ pipeline: 'hello', runId: 'io-1' }),
    });
    const fault = () => Promise.reject(new WeftError('STORE_IO', 'the disk said EIO'));
    Object.assign(failing.runs, { get: fault, query: fault });
    for (const [method, route, url] of [
      ['GET', '/v1/runs', '/v1/runs'],
      ['GET', '/v1/runs/{id}', '/v1/runs/io-1'],
      ['GET', '/v1/runs/{id}/result', '/v1/runs/io-1/result'],
      ['GET', '/v1/runs/{id}/events', '/v1/runs/io-1/events'],
      ['POST', '/v1/runs/{id}/cancel', '/v1/runs/io-1/cancel'],
      ['DELETE', '/v1/runs/{id}', '/v1/runs/io-1'],
    ] as const) {
      const r = await call(t, route, { method, url, who: null });
      expect(r.json()).toMatchObject({ status: 503, code: 'STORE_IO' });
      expect(r.headers['retry-after']).toBeDefined();
    }
    // The faults were own properties over the store's methods: removing them heals the store.
    for (const m of ['get', 'query']) Reflect.deleteProperty(failing.runs, m);
    expect((await call(t, '/v1/runs/{id}', { url: '/v1/runs/io-1', who: null })).statusCode).toBe(200);
    await t.close();
  });
});

describe('GET /v1/workers (plugins list their workers; the service imports no plugin SDK)', () => {
  it('answers no sources and no workers when no plugin lists any', async () => {
    const r = await call(s, '/v1/workers', { url: '/v1/workers' });
    expect(r.json()).toEqual({ sources: [], workers: [] });
  });

  it('lists the workers of every plugin source with their own fields; 401, 403; a source that cannot answer fails with its mapped code', async () => {
    let redisUp = true;
    const calls: string[] = [];
    const remote: WeftPlugin = {
      name: 'remote-plugin',
      register(r) {
        r.httpErrorMapper({ codes: ['ORCHESTRATOR_UNAVAILABLE'], status: 503, retryAfterSeconds: 5 });
        r.workerSource?.({
          orchestrator: 'remote',
          list: async () => {
            calls.push('remote');
            if (!redisUp)
              throw new WeftError('ORCHESTRATOR_UNAVAILABLE', 'Redis at redis://127.0.0.1:1/: no answer');
            return [
              { id: 'w2', name: 'b', host: 'h2', pid: 2, threads: 4, queues: ['weft:cpu'], slots: 8 },
              { id: 'w1', name: 'a', host: 'h1', pid: 1, threads: 2 },
            ] as const;
          },
        });
      },
    };
    const lonely: WeftPlugin = {
      name: 'lonely-plugin',
      register(r) {
        r.workerSource?.({ orchestrator: 'lonely', list: async () => [] });
      },
    };
    const t = await runServer({
      config: { auth, plugins: ['remote', 'lonely'] },
      importPlugin: async (spec) => ({ default: spec === 'remote' ? remote : lonely }),
    });
    const r = await call(t, '/v1/workers', { url: '/v1/workers', who: 'reader' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      sources: ['remote', 'lonely'],
      workers: [
        {
          orchestrator: 'remote',
          id: 'w2',
          name: 'b',
          host: 'h2',
          pid: 2,
          threads: 4,
          queues: ['weft:cpu'],
          slots: 8,
        },
        { orchestrator: 'remote', id: 'w1', name: 'a', host: 'h1', pid: 1, threads: 2 },
      ],
    });
    expect((await call(t, '/v1/workers', { url: '/v1/workers', who: null })).statusCode).toBe(401);
    expect((await call(t, '/v1/workers', { url: '/v1/workers', who: 'writer' })).statusCode).toBe(403);
    // Refused requests never reached a source.
    expect(calls).toEqual(['remote']);
    redisUp = false;
    const down = await call(t, '/v1/workers', { url: '/v1/workers', who: 'reader' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.json()).toMatchObject({
      code: 'ORCHESTRATOR_UNAVAILABLE',
      detail: expect.stringContaining('Redis'),
    });
    await t.close();
  });
});

describe('the OpenAPI document', () => {
  it('every documented (method, path, status) was answered by a test in this file', () => {
    const doc = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const documented: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods))
        for (const status of Object.keys(op.responses))
          documented.push(`${method.toUpperCase()} ${path} ${status}`);
    expect(documented.filter((d) => !seen.has(d))).toEqual([]);
    // And nothing answered a status it does not document.
    expect([...seen].filter((d) => !documented.includes(d))).toEqual([]);
  });
});
