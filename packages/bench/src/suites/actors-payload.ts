import { Worker } from 'node:worker_threads';
import type { Task, TaskHooks } from '@weft/core';
import { createWorkersOrchestrator } from '@weft/actors';
import { records } from './actors-fixtures.js';
import { BASELINE_WORKER } from './actors-shared.js';
import type { Suite } from '../suite.js';

const FIXTURES = new URL('./actors-fixtures.js', import.meta.url).href;
const TARGET_BYTES = 1 << 20;

const hooks: TaskHooks = { started: () => undefined, tokens: () => undefined, checkpoint: () => undefined, item: () => undefined };

/**
 * A 1 MB payload of records (`{ id, name, score, active, tags }`, 1 MB as JSON) sent to a worker
 * and back: Weft's message path (msgpackr with record structures, one exact-length transferred
 * buffer per frame; through the orchestrator to an echo step) against postMessage's structured clone
 * (a raw worker echoing the object).
 */
export const actorsPayloadSuite: Suite = {
  name: 'actors-payload',
  description: '1 MB of records to a worker and back: Weft message path (msgpack records) vs structured clone',
  async setup({ smoke }) {
    const per = JSON.stringify(records(100)).length / 100;
    const count = smoke ? 100 : Math.round(TARGET_BYTES / per);
    const payload = records(count);
    const jsonBytes = JSON.stringify(payload).length;
    const orchestrator = createWorkersOrchestrator({ threads: 1 });
    const signal = new AbortController().signal;
    let ids = 0;
    const echoTask = (): Task => ({
      id: ++ids,
      runId: 'bench-payload',
      path: [],
      node: 'echo',
      kind: 'step',
      ref: { module: FIXTURES, pipeline: 'actors-echo', export: 'echo' },
      input: payload,
      attempt: 1,
      state: {},
      params: {},
      placement: 'worker',
      version: null,
      signal,
    });
    const check = (out: unknown): void => {
      const got = out as typeof payload;
      if (!Array.isArray(got) || got.length !== count || got[count - 1]?.name !== payload[count - 1]!.name) throw new Error('payload: wrong echo');
    };
    const raw = new Worker(BASELINE_WORKER, { workerData: { echo: true } });
    const cloneEcho = (): Promise<unknown> =>
      new Promise((resolve) => {
        raw.once('message', resolve);
        raw.postMessage(payload);
      });
    check(await cloneEcho());
    const first = await orchestrator.run(echoTask(), hooks);
    if (!first.ok) throw new Error(`payload: ${first.error.message}`);
    return {
      unit: 'round trip',
      baseline: 'structured clone',
      params: { records: count, jsonBytes },
      cases: [
        {
          name: 'structured clone',
          description: 'postMessage(records) to a raw worker that posts the object back',
          units: 1,
          async run() {
            check(await cloneEcho());
          },
        },
        {
          name: 'weft message path',
          description: 'orchestrator.run of an echo step: msgpack records, exact-length transferred frames, both ways',
          units: 1,
          async run() {
            const out = await orchestrator.run(echoTask(), hooks);
            if (!out.ok) throw new Error(out.error.message);
            check(out.value);
          },
        },
      ],
      targets: [{ case: 'weft message path', metric: 'speedup', min: 3, label: 'issue 3: 1 MB record payloads ≥ 3× faster than structured clone' }],
      async teardown() {
        await orchestrator.close();
        await raw.terminate();
      },
    };
  },
};
