import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WeftWorkerOptions } from '../worker/options.js';

/** A worker process started by a test. */
export interface SpawnedWorker {
  readonly pid: number;
  /** Its id in the registry (from its ready line). */
  readonly id: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) when it exits. */
  readonly exited: Promise<number | string>;
  /** Everything it printed on stderr so far. */
  readonly stderr: () => string;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), then waits for the exit. */
  stop(): Promise<void>;
}

/** How to start a worker: `weft worker` through the CLI, or this package's own entry. */
export interface SpawnWorkerOptions {
  readonly options: WeftWorkerOptions;
  /** The CLI's bin.js: start `node <cli> worker --…` instead of this package's entry. */
  readonly cli?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for the ready line, ms. Default 30,000. */
  readonly readyTimeoutMs?: number;
}

const MAIN = fileURLToPath(new URL('./worker-main.js', import.meta.url));

/** The `weft worker` flags for options (the CLI path). */
function flags(o: WeftWorkerOptions): string[] {
  const out: string[] = [];
  const add = (flag: string, v: unknown): void => {
    if (v !== undefined) out.push(flag, Array.isArray(v) ? v.join(',') : String(v));
  };
  add('--redis', o.redis);
  add('--threads', o.threads);
  add('--io-slots', o.ioSlots);
  add('--concurrency', o.concurrency);
  add('--queues', o.queues);
  add('--name', o.name);
  add('--root', o.root);
  add('--prefix', o.prefix);
  add('--queue', o.queue);
  add('--lock-duration', o.lockDurationMs);
  add('--stalled-interval', o.stalledIntervalMs);
  add('--max-stalled', o.maxStalledCount);
  add('--grace', o.cancelGraceMs);
  add('--shutdown-grace', o.shutdownGraceMs);
  return out;
}

/**
 * Starts a worker process and waits until it takes tasks.
 * @example const w = await spawnWorker({ options: { redis: server.url, threads: 1 } }); ...; await w.stop();
 */
export function spawnWorker(o: SpawnWorkerOptions): Promise<SpawnedWorker> {
  const args = o.cli ? [o.cli, 'worker', ...flags(o.options)] : [MAIN, JSON.stringify(o.options)];
  const child = spawn(process.execPath, args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | string>((r) =>
    child.once('exit', (code, signal) => r(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not get ready: ${err}`));
    }, o.readyTimeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /(?:^|\n)(?:ready|weft worker) (\S+)/.exec(out);
      if (!m || out.indexOf('\n') < 0) return;
      clearTimeout(timer);
      const id = m[1]!;
      resolve({
        pid: child.pid!,
        id,
        process: child,
        exited,
        stderr: () => err,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready: ${err}`));
    });
  });
}
