import { Worker } from 'node:worker_threads';
import { Packr } from 'msgpackr';
import type { Task, TaskHooks } from '@weft/core/orchestrator';
import { createWorkersOrchestrator } from '@weft/actors';
import { records } from './actors-fixtures.js';
import { BASELINE_WORKER } from './actors-shared.js';
import { PEER_WORKER } from './peers-shared.js';
import type { Suite } from '../suite.js';

const FIXTURES = new URL('./actors-fixtures.js', import.meta.url).href;
const hooks: TaskHooks = {
  started: () => undefined,
  tokens: () => undefined,
  checkpoint: () => undefined,
  item: () => undefined,
};

/**
 * A record payload of about `label` (as JSON) to a worker and back, one message in flight: Weft's
 * message path (the orchestrator running an echo step: msgpack with record structures, one
 * exact-length transferred frame each way) against postMessage's structured clone (a raw worker
 * echoing the object). The echo step is pinned to the worker (`placement: 'worker'`).
 */
function messageSuite(name: string, label: string, count: number, target?: number): Suite {
  return {
    name,
    description: `${label} of records to a worker and back: Weft message path (msgpack records) vs structured clone`,
    async setup({ smoke }) {
      const payload = records(smoke ? Math.min(count, 10) : count);
      const n = payload.length;
      const jsonBytes = JSON.stringify(payload).length;
      const orchestrator = createWorkersOrchestrator({ threads: 1 });
      const signal = new AbortController().signal;
      let ids = 0;
      const echoTask = (): Task => ({
        id: ++ids,
        runId: `bench-${name}`,
        path: [],
        node: 'echo',
        kind: 'step',
        ref: { module: FIXTURES, pipeline: 'actors-echo', export: 'echo' },
        input: payload,
        attempt: 1,
        state: {},
        params: {},
        // Pinned: the orchestrator runs a measured-cheap plain step (an echo) inline on the main
        // thread otherwise, and the payload would never cross a thread.
        placement: 'worker',
        version: null,
        signal,
      });
      const check = (out: unknown): void => {
        const got = out as typeof payload;
        if (!Array.isArray(got) || got.length !== n || got[n - 1]?.name !== payload[n - 1]!.name)
          throw new Error(`${name}: wrong echo`);
      };
      const raw = new Worker(BASELINE_WORKER, { workerData: { echo: true } });
      const cloneEcho = (): Promise<unknown> =>
        new Promise((resolve) => {
          raw.once('message', resolve);
          raw.postMessage(payload);
        });
      // The codec floor: the same msgpack records, exact-length copies transferred, and nothing else.
      const packr = new Packr({ useRecords: true, moreTypes: true });
      const codec = new Worker(PEER_WORKER, { workerData: { peer: 'msgpack-echo' } });
      const codecEcho = (): Promise<unknown> =>
        new Promise((resolve) => {
          codec.once('message', (bytes: Uint8Array) => resolve(packr.unpack(bytes)));
          const out = packr.pack(payload).slice();
          codec.postMessage(out, [out.buffer]);
        });
      const weftEcho = async (): Promise<void> => {
        const out = await orchestrator.run(echoTask(), hooks);
        if (!out.ok) throw new Error(out.error.message);
        check(out.value);
      };
      for (let i = 0; i < 20; i++) {
        check(await cloneEcho());
        check(await codecEcho());
        await weftEcho();
      }
      return {
        unit: 'trip',
        baseline: 'structured clone',
        params: { records: n, jsonBytes },
        cases: [
          {
            name: 'structured clone',
            description: 'postMessage(records) to a raw worker that posts the object back',
            units: 1,
            run: async () => check(await cloneEcho()),
          },
          {
            name: 'msgpackr records, raw worker',
            description:
              'the codec alone: msgpackr records, an exact-length copy transferred each way, no engine',
            units: 1,
            run: async () => check(await codecEcho()),
          },
          {
            name: 'weft message path',
            description:
              'orchestrator.run of an echo step: msgpack records, exact-length transferred frames, both ways',
            units: 1,
            run: weftEcho,
          },
        ],
        targets:
          target === undefined
            ? []
            : [
                {
                  case: 'weft message path',
                  metric: 'speedup',
                  min: target,
                  label: `issue 5: ${label} record payloads ≥ ${target}× faster than structured clone`,
                },
              ],
        async teardown() {
          await orchestrator.close();
          await raw.terminate();
          await codec.terminate();
        },
      };
    },
  };
}

/** ~100 B (2 records, 139 B as JSON). */
export const messages100BSuite: Suite = messageSuite('messages-100b', '~100 B', 2);
/** ~10 KB (141 records, 10,240 B as JSON). */
export const messages10KBSuite: Suite = messageSuite('messages-10kb', '~10 KB', 141);
/** ~1 MB (14,253 records, 1.1 MB as JSON; target ≥ 3× structured clone). */
export const messages1MBSuite: Suite = messageSuite('messages-1mb', '~1 MB', 14_253, 3);
