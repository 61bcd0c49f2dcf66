// GET /v1/workers of `weft serve` with the bullmq plugin, as a user runs them: the built CLI's
// `weft serve --config` with `plugins: [@weft/bullmq]`, a real `weft worker` on a redis-server of
// this run (127.0.0.1, stopped by pid). The service imports no plugin SDK: the plugin's worker
// source answers, to GET /v1/workers and to the dashboard's workers page. Under CI a missing
// redis-server fails the run (global setup); outside CI these tests are skipped with its message.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnWorker, type SpawnedWorker } from '@weft/bullmq/testing';
import { BIN } from './cli.js';
import type {} from '../contract/bullmq-setup.js';

const bullmq = inject('bullmq');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PREFIX = 'serve-e2e';

/** Starts `weft serve` and resolves with its URL (the first line it prints). */
function serve(config: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (url) => resolve({ url, child }));
    child.once('exit', (code) => reject(new Error(`weft serve exited ${code}: ${err}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

describe.skipIf(!bullmq)('weft serve with @weft/bullmq: GET /v1/workers', () => {
  let dir: string;
  let worker: SpawnedWorker | undefined;
  let server: { url: string; child: ChildProcess } | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-serve-workers-'));
    const config = join(dir, 'serve.json');
    writeFileSync(
      config,
      JSON.stringify({
        orchestrationMode: 'direct',
        plugins: [{ module: '@weft/bullmq', options: { redis: bullmq!.redis, prefix: PREFIX } }],
      }),
    );
    worker = await spawnWorker({
      cli: BIN,
      cwd: ROOT,
      options: { redis: bullmq!.redis, prefix: PREFIX, threads: 1, name: 'e2e-worker', root: ROOT },
    });
    server = await serve(config);
  });
  afterAll(async () => {
    if (server) expect(await stop(server.child)).toBe(0);
    await worker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the live weft worker, with the fields it registered', async () => {
    const r = await fetch(`${server!.url}/v1/workers`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { sources: string[]; workers: Record<string, unknown>[] };
    expect(body.sources).toEqual(['bullmq']);
    expect(body.workers).toEqual([
      expect.objectContaining({
        orchestrator: 'bullmq',
        id: worker!.id,
        name: 'e2e-worker',
        pid: worker!.pid,
        threads: 1,
        queues: expect.any(Array) as unknown,
      }),
    ]);
  });

  it("the dashboard's workers page lists it (weft serve mounts /ui)", async () => {
    const html = await (await fetch(`${server!.url}/ui/workers`)).text();
    const boot = JSON.parse(html.slice(html.indexOf('id="boot">') + 10, html.lastIndexOf('</script>'))) as {
      page: string;
      sources?: string[];
      workers: { orchestrator: string; id: string; name: string | null; threads: number | null }[] | null;
    };
    expect(boot).toMatchObject({ page: 'workers', sources: ['bullmq'] });
    expect(boot.workers).toEqual([
      expect.objectContaining({ orchestrator: 'bullmq', id: worker!.id, name: 'e2e-worker', threads: 1 }),
    ]);
  });

  it('a worker that stopped is gone from the list', async () => {
    await worker!.stop();
    worker = undefined;
    const body = (await (await fetch(`${server!.url}/v1/workers`)).json()) as { workers: unknown[] };
    expect(body.workers).toEqual([]);
  });
});

describe('weft serve with @weft/bullmq and no Redis', () => {
  it('GET /v1/workers answers 503 ORCHESTRATOR_UNAVAILABLE with Retry-After; the service keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-serve-workers-'));
    const config = join(dir, 'serve.json');
    writeFileSync(
      config,
      JSON.stringify({
        orchestrationMode: 'direct',
        plugins: [{ module: '@weft/bullmq', options: { redis: 'redis://127.0.0.1:1' } }],
      }),
    );
    const s = await serve(config);
    try {
      const r = await fetch(`${s.url}/v1/workers`);
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(await r.json()).toMatchObject({ code: 'ORCHESTRATOR_UNAVAILABLE' });
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
    } finally {
      expect(await stop(s.child)).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
