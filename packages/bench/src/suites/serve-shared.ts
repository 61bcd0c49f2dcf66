import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./serve-child.js', import.meta.url));

/** A server under test, in its own process. */
export interface ServerProcess {
  readonly url: string;
  /** From the child's process start to listening (its own clock), ms. */
  readonly readyMs: number;
  /** From spawning it to its first line, as this process saw it, ms. */
  readonly spawnToReadyMs: number;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `serve-child.js` with `options` and resolves once it listens. */
export function spawnServer(options: Record<string, unknown>): Promise<ServerProcess> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [CHILD, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const { url, readyMs } = JSON.parse(buf.slice(0, nl)) as { url: string; readyMs: number };
      resolve({
        url,
        readyMs,
        spawnToReadyMs: performance.now() - t0,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code) =>
      reject(new Error(`server process exited (${code}) before listening:\n${stderr}`)),
    );
  });
}

/** POSTs JSON, returns the parsed answer (throws on a non-2xx status). */
export async function postJson(url: string, body: unknown): Promise<unknown> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}
