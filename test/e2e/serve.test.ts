// `weft serve` as a user runs it: the built CLI in its own process on 127.0.0.1 with the example
// configuration (orchestration mode `workers`: steps and their tokens come from worker threads);
// the first line printed is the URL; SIGTERM and SIGINT shut it down gracefully with exit 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempProjects } from './cli.js';

const CONFIG = fileURLToPath(new URL('../../examples/serve/serve.json', import.meta.url));
const project = tempProjects();

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `weft serve --config <example> --port 0` and resolves with the URL of its first line. */
function serve(): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', CONFIG, '--port', '0'], {
    cwd: project(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, url: out.slice(0, nl), stderr: () => err, exit });
    });
    void exit.then((code) =>
      reject(new Error(`weft serve exited (${code}) before printing its URL:\n${err}`)),
    );
  });
}

const post = async (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('weft serve (the built CLI, its own process)', () => {
  it('prints its URL first; execute, stream with tokens from a worker, suspend and resume; SIGTERM: exit 0', async () => {
    const s = await serve();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const ran = await post(`${s.url}/v1/execute`, { pipeline: 'hello', input: 'ada' });
    expect(ran.status).toBe(200);
    expect(await ran.json()).toMatchObject({
      status: 'succeeded',
      orchestrationMode: 'workers',
      output: 'HELLO ADA !',
    });

    const streamed = await post(`${s.url}/v1/stream`, { pipeline: 'hello', input: 'bob' });
    expect(streamed.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await streamed.text();
    const tokens = [...text.matchAll(/^event: token\ndata: (.*)$/gm)].flatMap(
      (m) => (JSON.parse(m[1]!) as { tokens: string[] }).tokens,
    );
    expect(tokens).toEqual(['hello', 'bob', '!']);
    expect(text).toMatch(/event: end\ndata: \{"status":"succeeded"/);

    const suspended = await post(`${s.url}/v1/execute`, {
      pipeline: 'approve',
      input: [3, 4],
      runId: 'ok-1',
    });
    expect(await suspended.json()).toMatchObject({ status: 'suspended' });
    expect((await post(`${s.url}/v1/runs/ok-1/resume?wait=true`, { resume: 'yes' })).status).toBe(200);
    const result = await fetch(`${s.url}/v1/runs/ok-1/result`);
    expect(await result.json()).toMatchObject({ status: 'succeeded', output: { total: 25, approved: true } });

    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toContain('weft serve: shutting down');
  });

  it('SIGINT (Ctrl-C) shuts down gracefully too', async () => {
    const s = await serve();
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    s.child.kill('SIGINT');
    expect(await s.exit).toBe(0);
  });
});
