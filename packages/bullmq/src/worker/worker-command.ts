import { WeftError } from '@weft/core';
import type { CliCommandSpec } from '@weft/core/plugin';
import { WorkerHost } from './worker-host.js';
import type { WeftWorkerOptions } from './options.js';

/** Parses an integer flag; USAGE_INVALID otherwise. */
function int(flag: string, v: unknown, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new WeftError('USAGE_INVALID', `${flag} must be an integer ≥ ${min}, got "${String(v)}"`);
  return n;
}

/** The CLI flags of `weft worker` turned into {@link WeftWorkerOptions}. */
export function workerOptionsFromFlags(o: Readonly<Record<string, unknown>>): WeftWorkerOptions {
  const pick = <T>(v: T | undefined): T | undefined => v;
  const entries: [keyof WeftWorkerOptions, unknown][] = [
    ['redis', pick(o['redis'] as string | undefined)],
    ['prefix', o['prefix']],
    ['queue', o['queue']],
    ['queues', typeof o['queues'] === 'string' ? o['queues'].split(',').map((s) => s.trim()) : undefined],
    ['threads', int('--threads', o['threads'])],
    ['ioSlots', int('--io-slots', o['ioSlots'])],
    ['concurrency', int('--concurrency', o['concurrency'])],
    ['name', o['name']],
    ['root', o['root']],
    ['lockDurationMs', int('--lock-duration', o['lockDuration'], 100)],
    ['stalledIntervalMs', int('--stalled-interval', o['stalledInterval'], 100)],
    ['maxStalledCount', int('--max-stalled', o['maxStalled'], 2)],
    ['cancelGraceMs', int('--grace', o['grace'], 0)],
    ['shutdownGraceMs', int('--shutdown-grace', o['shutdownGrace'], 0)],
  ];
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * `weft worker`: a worker process for the `bullmq` orchestration mode. The first line it prints
 * says it is ready (`weft worker <id> ready …`, or a JSON object under `--json`); SIGINT/SIGTERM
 * stop it gracefully.
 */
export const workerCommand: CliCommandSpec = {
  name: 'worker',
  description: 'take tasks of the bullmq orchestration mode from Redis and run them on this machine',
  options: [
    {
      flags: '--redis <url>',
      description: 'Redis URL (default: WEFT_REDIS_URL, else redis://127.0.0.1:6379)',
    },
    { flags: '--threads <n>', description: 'threads of the pool (default: one per core)' },
    { flags: '--io-slots <n>', description: 'IO-bound invocations in flight (default 64)' },
    { flags: '--concurrency <n>', description: 'CPU jobs taken at once (default threads × 4)' },
    { flags: '--queues <list>', description: 'queues to serve: cpu,io (default both)' },
    { flags: '--name <name>', description: 'name in the worker registry (default: the host name)' },
    {
      flags: '--root <dir>',
      description: 'code root step modules are found under (default: the working directory)',
    },
    {
      flags: '--prefix <prefix>',
      description: 'Redis key prefix, the same as the coordinators (default weft)',
    },
    { flags: '--queue <name>', description: 'base queue name, the same as the coordinators (default tasks)' },
    { flags: '--lock-duration <ms>', description: 'BullMQ job lock, ms (default 30000)' },
    { flags: '--stalled-interval <ms>', description: 'stalled-job check interval, ms (default 15000)' },
    { flags: '--max-stalled <n>', description: 'stalls a job survives before it fails, ≥ 2 (default 2)' },
    {
      flags: '--grace <ms>',
      description: 'time a cancelled step has to stop before its thread is terminated (default 1000)',
    },
    {
      flags: '--shutdown-grace <ms>',
      description: 'on SIGTERM, time running tasks get before they are left to other workers (default 10000)',
    },
  ],
  async action(_args, flags, io) {
    const worker = await WorkerHost.start(workerOptionsFromFlags(flags));
    const info = worker.info;
    if (io.json) io.out(`${JSON.stringify({ ready: true, worker: info })}\n`);
    else
      io.out(
        `weft worker ${info.id} ready: ${info.threads} thread(s), queues ${info.queues.join(',')}, code root ${worker.options.root}\n`,
      );
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await worker.close();
    if (!io.json) io.err(`weft worker ${info.id} stopped\n`);
    return 0;
  },
};
