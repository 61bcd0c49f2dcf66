// The peers Weft is compared with: tinypool and workerpool (dev dependencies, imported only when a
// suite needs them), and raw worker_threads with a static split.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WeftError } from '@weft/core';
import type { CpuItem } from './actors-fixtures.js';
import { BASELINE_WORKER } from './actors-shared.js';

/** The peers' worker module (compiled next to this file). */
export const PEER_WORKER = fileURLToPath(new URL('./peers-worker.js', import.meta.url));

/** Imports a peer package, or says how to get it (they are dev dependencies of @weft/bench). */
async function importPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw new WeftError(
      'MODULE_NOT_FOUND',
      `this suite compares Weft with "${name}", a dev dependency of @weft/bench: run the bench from the Weft repository after \`npm run setup\``,
      { cause: e, data: { module: name } },
    );
  }
}

/** The few calls the suites make on a pool of task functions (piscina, tinypool). */
export interface TaskPool {
  run(task: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
  destroy(): Promise<void>;
}

/** A tinypool pool of `threads` threads running the piscina baseline worker (the same task functions). */
export async function tinypoolPool(threads: number): Promise<TaskPool> {
  const { Tinypool } = await importPeer('tinypool', () => import('tinypool'));
  return new Tinypool({ filename: BASELINE_WORKER, minThreads: threads, maxThreads: threads });
}

/** A workerpool pool. */
export type WorkerpoolPool = import('workerpool').Pool;

/** A workerpool pool of `threads` worker threads with the methods of peers-worker.ts (`spin`, `plus`, `paced`). */
export async function workerpoolPool(threads: number): Promise<WorkerpoolPool> {
  const workerpool = (await importPeer('workerpool', () => import('workerpool'))).default;
  return workerpool.pool(PEER_WORKER, {
    minWorkers: threads,
    maxWorkers: threads,
    workerType: 'thread',
    workerThreadOpts: { workerData: { peer: 'workerpool' } },
  });
}

/**
 * Raw worker_threads with a static split: the items are cut into one contiguous share per worker,
 * each share goes in one message and comes back in one. The least overhead there is, with no
 * balancing (the best case for equal items).
 */
export class StaticSplit {
  readonly #workers: Worker[];

  constructor(threads: number) {
    this.#workers = Array.from(
      { length: threads },
      () => new Worker(PEER_WORKER, { workerData: { peer: 'split' } }),
    );
  }

  /** Hashes every item on the workers, results in input order. */
  async run(items: readonly CpuItem[]): Promise<number[]> {
    const per = Math.ceil(items.length / this.#workers.length);
    const parts = await Promise.all(
      this.#workers.map(
        (w, i) =>
          new Promise<number[]>((resolve, reject) => {
            const share = items.slice(i * per, (i + 1) * per);
            if (share.length === 0) return resolve([]);
            w.once('message', resolve);
            w.once('error', reject);
            w.postMessage(share);
          }),
      ),
    );
    for (const w of this.#workers) w.removeAllListeners('error');
    return parts.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
