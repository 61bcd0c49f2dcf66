// The peers Weft is compared with: tinypool and workerpool (optional peers, imported only when a
// suite needs them; a case whose peer is not installed is skipped), and raw worker_threads with a
// static split.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WeftError } from '@weft/core';
import type { CpuItem } from './actors-fixtures.js';
import type { SkippedCase } from '../suite.js';
import { BASELINE_WORKER } from './actors-shared.js';

/** The peers' worker module (compiled next to this file). */
export const PEER_WORKER = fileURLToPath(new URL('./peers-worker.js', import.meta.url));

/**
 * Imports an optional peer package (tinypool, workerpool, LangGraph.js: optional peer dependencies of
 * @weft/bench, installed in the Weft repository, not by `npm install @weft/cli`): `undefined` when
 * the package (or a package it needs, among `names`) is not installed; any other failure throws.
 */
export async function optionalPeer<T>(
  names: readonly string[],
  load: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await load();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      names.some((n) => message.includes(`'${n}`) || message.includes(`"${n}`))
    )
      return undefined;
    throw new WeftError('MODULE_NOT_FOUND', `the peer "${names[0]!}" failed to load: ${message}`, {
      cause: e,
      data: { module: names[0]! },
    });
  }
}

/** How a suite reports a case it leaves out because its peer (one or more packages) is not installed. */
export function peerMissing(peer: string | readonly string[], caseName: string): SkippedCase {
  const names = typeof peer === 'string' ? [peer] : peer;
  return {
    case: caseName,
    reason: `${names.map((n) => `"${n}"`).join(' and ')} not installed (optional peers of @weft/bench; \`npm install ${names.join(' ')}\` to compare with it)`,
  };
}

/** The few calls the suites make on a pool of task functions (piscina, tinypool). */
export interface TaskPool {
  run(task: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
  destroy(): Promise<void>;
}

/** A tinypool pool of `threads` threads running the piscina baseline worker (the same task functions); `undefined` when tinypool is not installed. */
export async function tinypoolPool(threads: number): Promise<TaskPool | undefined> {
  const peer = await optionalPeer(['tinypool'], () => import('tinypool'));
  return peer && new peer.Tinypool({ filename: BASELINE_WORKER, minThreads: threads, maxThreads: threads });
}

/** A workerpool pool. */
export type WorkerpoolPool = import('workerpool').Pool;

/** A workerpool pool of `threads` worker threads with the methods of peers-worker.ts (`spin`, `plus`, `paced`); `undefined` when workerpool is not installed. */
export async function workerpoolPool(threads: number): Promise<WorkerpoolPool | undefined> {
  const peer = await optionalPeer(['workerpool'], () => import('workerpool'));
  if (!peer) return undefined;
  return peer.default.pool(PEER_WORKER, {
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
