// The dashboard on `weft serve` as a user opens it: the built CLI in its own process on 127.0.0.1
// (port 0), `GET /ui` (the runs page, its run in the boot data), a run's page and the runs list's
// stream (`GET /v1/runs/events`); `--no-ui` and `"ui": false` leave /ui unserved (404) while the API
// answers. Each service is stopped by its pid (SIGTERM: exit 0).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, tempProjects } from './cli.js';

const PIPELINES = fileURLToPath(new URL('../../examples/serve/pipelines.mjs', import.meta.url));
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

/** Writes a configuration (direct mode, the example's `hello`) and starts `weft serve` on it. */
function serve(config: Record<string, unknown>, flags: readonly string[] = []): Promise<Served> {
  const dir = project();
  const file = join(dir, 'serve.json');
  writeFileSync(
    file,
    JSON.stringify({ orchestrationMode: 'direct', pipelines: [`${PIPELINES}#hello`], ...config }),
  );
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--port', '0', ...flags], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  // 'close': exited and its output all read.
  const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
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

/** Stops a service by its pid; resolves with its exit code. */
async function stop(s: Served): Promise<number | null> {
  process.kill(s.child.pid!, 'SIGTERM');
  return s.exit;
}

/** The JSON boot block of a dashboard page. */
function boot(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="boot">([\s\S]*?)<\/script>/.exec(html);
  expect(m, 'the page has its boot block').not.toBeNull();
  return JSON.parse(m![1]!) as Record<string, unknown>;
}

/** Reads an SSE response until an event of `type` arrives, then closes it; returns its data. */
async function firstEvent(url: string, type: string): Promise<unknown> {
  const ac = new AbortController();
  const r = await fetch(url, { signal: ac.signal, headers: { accept: 'text/event-stream' } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before a "${type}" event:\n${text}`);
      text += value;
      const m = new RegExp(`^event: ${type}\\ndata: (.*)$`, 'm').exec(text);
      if (m) return JSON.parse(m[1]!) as unknown;
    }
  } finally {
    ac.abort();
  }
}

describe('weft serve: the dashboard at /ui', () => {
  it('serves the runs page, a run page and the runs stream, with the run in each; SIGTERM: exit 0', async () => {
    const s = await serve({});
    const ran = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'hello', input: 'ada', runId: 'ui-1' }),
    });
    expect(ran.status).toBe(200);
    expect(await ran.json()).toMatchObject({ status: 'succeeded', output: 'HELLO ADA !' });

    const page = await fetch(`${s.url}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const runs = boot(await page.text());
    expect(runs).toMatchObject({ page: 'runs', ui: '/ui', api: '/v1' });
    expect(runs['runs']).toEqual([expect.objectContaining({ runId: 'ui-1', status: 'succeeded' })]);

    const run = await fetch(`${s.url}/ui/runs/ui-1`);
    expect(run.status).toBe(200);
    expect(boot(await run.text())).toMatchObject({ page: 'run', run: { runId: 'ui-1' } });

    const listed = await firstEvent(`${s.url}/v1/runs/events`, 'runs');
    expect(listed).toEqual([expect.objectContaining({ runId: 'ui-1', status: 'succeeded' })]);

    expect(await stop(s)).toBe(0);
    expect(s.stderr()).toContain(`dashboard at ${s.url}/ui`);
  });

  for (const [how, config, flags] of [
    ['--no-ui', {}, ['--no-ui']],
    ['"ui": false', { ui: false }, []],
  ] as const) {
    it(`${how}: /ui is 404 and the API still answers`, async () => {
      const s = await serve(config, flags);
      const ui = await fetch(`${s.url}/ui`);
      expect(ui.status).toBe(404);
      expect(ui.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await fetch(`${s.url}/ui/runs/x`)).status).toBe(404);
      expect((await fetch(`${s.url}/ready`)).status).toBe(200);
      expect(await stop(s)).toBe(0);
      expect(s.stderr()).toContain('orchestration mode direct');
      expect(s.stderr()).not.toContain('dashboard');
    });
  }
});
