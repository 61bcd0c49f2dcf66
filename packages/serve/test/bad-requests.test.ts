// The bad-request corpus (issue 13): malformed JSON, wrong types, unknown fields, oversized and
// deeply nested bodies, wrong content types, bad ids, query values, cursors, Last-Event-ID values and
// Idempotency-Keys. Every one must be a 4xx problem+json with a Weft code: no 5xx, no crash.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@weft/core';
import { injectServer } from './helpers.js';

interface Case {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly payload?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const POSTS = [
  '/v1/execute',
  '/v1/start',
  '/v1/stream',
  '/v1/validate',
  '/v1/runs/r1/cancel',
  '/v1/runs/r1/resume',
];
const RUN_POSTS = ['/v1/execute', '/v1/start', '/v1/stream'];

const MALFORMED = [
  '{',
  '{"pipeline":}',
  '[1,2',
  'nul',
  '{"pipeline":"hello",}',
  "{'pipeline':'hello'}",
  '{"pipeline":"hello"}}',
  '\u0000',
  'NaN',
  '{"pipeline":"hello","input":01}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '',
  '   ',
];

const NOT_OBJECTS = ['[]', '1', '"x"', 'null', 'true', '[{"pipeline":"hello"}]'];

const WRONG_FIELDS: Record<string, unknown>[] = [
  { pipeline: 1 },
  { pipeline: true },
  { pipeline: null },
  { pipeline: {} },
  { pipeline: [] },
  { pipeline: '' },
  { pipeline: 'x'.repeat(201) },
  {},
  { input: 1 },
  { pipeline: 'hello', runId: 1 },
  { pipeline: 'hello', runId: '' },
  { pipeline: 'hello', runId: 'a b' },
  { pipeline: 'hello', runId: '../x' },
  { pipeline: 'hello', runId: 'x'.repeat(129) },
  { pipeline: 'hello', orchestrationMode: 1 },
  { pipeline: 'hello', orchestrationMode: '' },
  { pipeline: 'hello', orchestrationMode: 'x'.repeat(65) },
  { pipeline: 'hello', timeoutMs: 0 },
  { pipeline: 'hello', timeoutMs: -1 },
  { pipeline: 'hello', timeoutMs: 1.5 },
  { pipeline: 'hello', timeoutMs: '10' },
  { pipeline: 'hello', timeoutMs: null },
  { pipeline: 'hello', tags: 'a' },
  { pipeline: 'hello', tags: [1] },
  { pipeline: 'hello', tags: ['a', 'a'] },
  { pipeline: 'hello', tags: ['with space'] },
  { pipeline: 'hello', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) },
  { pipeline: 'hello', extra: 1 },
  { pipeline: 'hello', Input: 1 },
  { pipeline: 'hello', orchestration_mode: 'direct' },
];

const BAD_VALIDATE: Record<string, unknown>[] = [
  {},
  { pipeline: 'hello', spec: {} },
  { spec: [] },
  { spec: 'x' },
  { spec: null },
  { pipeline: 1 },
  { pipeline: 'hello', extra: true },
  { pipeline: 'hello', orchestrationMode: 2 },
];

const BAD_CANCEL: Record<string, unknown>[] = [
  { reason: 1 },
  { reason: 'x'.repeat(501) },
  { why: 'x' },
  { reason: null },
];
const BAD_RESUME: Record<string, unknown>[] = [
  { mode: 'direct' },
  { orchestrationMode: 5 },
  { resume: 1, extra: 2 },
];

const BAD_IDS = ['..', 'a%20b', 'x'.repeat(200), '%00', '%C3%A9', 'a;b', 'a%2Fb', "a'b", 'a*b', '%FF'];

const BAD_QUERIES: [string, string][] = [
  ['/v1/runs', 'limit=0'],
  ['/v1/runs', 'limit=abc'],
  ['/v1/runs', 'limit=100000'],
  ['/v1/runs', 'limit=1.5'],
  ['/v1/runs', 'status=bogus'],
  ['/v1/runs', 'status=running,'],
  ['/v1/runs', 'since=-1'],
  ['/v1/runs', 'since=yesterday'],
  ['/v1/runs', 'cursor='],
  ['/v1/runs', `cursor=${'x'.repeat(600)}`],
  ['/v1/runs', 'tag=with%20space'],
  ['/v1/runs', 'pipeline='],
  ['/v1/runs', 'unknown=1'],
  ['/v1/runs/r1/result', 'waitMs=-1'],
  ['/v1/runs/r1/result', 'waitMs=soon'],
  ['/v1/runs/r1/result', 'wait=1'],
  ['/v1/runs/r1/events', 'after=-1'],
  ['/v1/runs/r1/events', 'after=abc'],
  ['/v1/runs/r1/events', 'after=1.5'],
  ['/v1/runs/r1/events', 'limit=0'],
  ['/v1/runs/r1/events', 'limit=10001'],
  ['/v1/runs/r1/events', 'tokens=maybe'],
  ['/v1/runs/r1/events', 'types=x'],
];

const BAD_LAST_EVENT_IDS = ['abc', '-1', '1.5', ' 1', '01', '1e3', '9'.repeat(16), '', '0x10', '1,2'];

function corpus(): Case[] {
  const out: Case[] = [];
  for (const url of POSTS)
    for (const payload of MALFORMED)
      out.push({
        name: `malformed ${JSON.stringify(payload)}`,
        method: 'POST',
        url,
        headers: JSON_TYPE,
        payload,
      });
  for (const url of POSTS)
    for (const payload of NOT_OBJECTS)
      out.push({ name: `not an object ${payload}`, method: 'POST', url, headers: JSON_TYPE, payload });
  for (const url of RUN_POSTS)
    for (const body of WRONG_FIELDS)
      out.push({
        name: `fields ${JSON.stringify(body).slice(0, 60)}`,
        method: 'POST',
        url,
        headers: JSON_TYPE,
        payload: JSON.stringify(body),
      });
  for (const body of BAD_VALIDATE)
    out.push({
      name: `validate ${JSON.stringify(body)}`,
      method: 'POST',
      url: '/v1/validate',
      headers: JSON_TYPE,
      payload: JSON.stringify(body),
    });
  for (const body of BAD_CANCEL)
    out.push({
      name: `cancel ${JSON.stringify(body).slice(0, 40)}`,
      method: 'POST',
      url: '/v1/runs/r1/cancel',
      headers: JSON_TYPE,
      payload: JSON.stringify(body),
    });
  for (const body of BAD_RESUME)
    out.push({
      name: `resume ${JSON.stringify(body)}`,
      method: 'POST',
      url: '/v1/runs/r1/resume',
      headers: JSON_TYPE,
      payload: JSON.stringify(body),
    });
  for (const url of POSTS) {
    out.push({
      name: 'oversized',
      method: 'POST',
      url,
      headers: JSON_TYPE,
      payload: JSON.stringify({ pipeline: 'hello', input: 'x'.repeat(1_100_000) }),
    });
    out.push({
      name: 'deep',
      method: 'POST',
      url,
      headers: JSON_TYPE,
      payload: `{"pipeline":"hello","input":${'['.repeat(70)}${']'.repeat(70)}}`,
    });
    out.push({
      name: 'deep objects',
      method: 'POST',
      url,
      headers: JSON_TYPE,
      payload: `${'{"a":'.repeat(80)}1${'}'.repeat(80)}`,
    });
    for (const type of [
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=z',
      'application/jsonx',
      'json',
      'text/json',
    ])
      out.push({
        name: `type ${type}`,
        method: 'POST',
        url,
        headers: { 'content-type': type },
        payload: '{"pipeline":"hello"}',
      });
  }
  for (const id of BAD_IDS)
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/result'],
      ['GET', '/events'],
      ['DELETE', ''],
      ['POST', '/cancel'],
      ['POST', '/resume'],
    ] as const)
      out.push({
        name: `id ${id} ${suffix}`,
        method,
        url: `/v1/runs/${id}${suffix}`,
        ...(method === 'POST' ? { headers: JSON_TYPE, payload: '{}' } : {}),
      });
  for (const name of ['x'.repeat(201), '%00%00'])
    out.push({ name: `pipeline name ${name.slice(0, 10)}`, method: 'GET', url: `/v1/pipelines/${name}` });
  for (const [path, q] of BAD_QUERIES)
    out.push({ name: `query ${path}?${q.slice(0, 30)}`, method: 'GET', url: `${path}?${q}` });
  out.push({
    name: 'stream onDisconnect',
    method: 'POST',
    url: '/v1/stream?onDisconnect=never',
    headers: JSON_TYPE,
    payload: '{"pipeline":"hello"}',
  });
  out.push({
    name: 'cancel wait',
    method: 'POST',
    url: '/v1/runs/r1/cancel?wait=maybe',
    headers: JSON_TYPE,
    payload: '{}',
  });
  for (const id of BAD_LAST_EVENT_IDS)
    out.push({
      name: `Last-Event-ID ${JSON.stringify(id)}`,
      method: 'GET',
      url: '/v1/runs/r1/events',
      headers: { accept: 'text/event-stream', 'last-event-id': id },
    });
  for (const key of ['with space', 'x'.repeat(256), 'é'])
    out.push({
      name: `Idempotency-Key ${key.slice(0, 10)}`,
      method: 'POST',
      url: '/v1/execute',
      headers: { ...JSON_TYPE, 'idempotency-key': key },
      payload: '{"pipeline":"ghost"}',
    });
  for (const [method, url] of [
    ['GET', '/v1/nothing'],
    ['POST', '/v1/runs'],
    ['DELETE', '/v1/pipelines'],
    ['GET', '/v2/runs'],
    ['GET', '/v1/runs/'],
  ] as const)
    out.push({ name: `route ${method} ${url}`, method, url });
  return out;
}

describe('the bad-request corpus', () => {
  const cases = corpus();

  it('has at least 200 requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it('answers every one with a 4xx problem+json carrying a Weft code, and keeps serving', async () => {
    const s = await injectServer();
    const failures: string[] = [];
    const statuses: Record<number, number> = {};
    for (const c of cases) {
      const r = await s.app.inject({
        method: c.method,
        url: c.url,
        headers: c.headers ?? {},
        ...(c.payload !== undefined ? { payload: c.payload } : {}),
      });
      statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
      let problem: { status?: number; code?: string; detail?: string } = {};
      try {
        problem = r.json();
      } catch {
        failures.push(`${c.name} (${c.method} ${c.url}): not JSON: ${r.body.slice(0, 80)}`);
        continue;
      }
      const ok =
        r.statusCode >= 400 &&
        r.statusCode < 500 &&
        /^application\/problem\+json/.test(String(r.headers['content-type'])) &&
        problem.status === r.statusCode &&
        (ERROR_CODES as readonly string[]).includes(problem.code ?? '') &&
        typeof problem.detail === 'string' &&
        !/\n\s+at /.test(problem.detail);
      if (!ok)
        failures.push(
          `${c.name} (${c.method} ${c.url.slice(0, 60)}): ${r.statusCode} ${r.body.slice(0, 160)}`,
        );
    }
    expect(failures).toEqual([]);
    expect(Object.keys(statuses).every((k) => Number(k) < 500)).toBe(true);
    expect((await s.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await s.close();
  });
});
