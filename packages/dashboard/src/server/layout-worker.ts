// The worker thread that runs ELK: one message in (an ELK graph), one out (the laid-out graph), so a
// large plan never blocks the service's main thread.
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type { ELK as ElkApi, ElkNode } from 'elkjs/lib/elk-api.js';

/** A request to the layout worker. */
export interface LayoutRequest {
  readonly id: number;
  readonly graph: ElkNode;
}

/** The worker's answers: `ready` once ELK is loaded, then one per request. */
export type LayoutReply =
  | { readonly ready: true; readonly id?: undefined }
  | { readonly id: number; readonly ok: true; readonly graph: ElkNode }
  | { readonly id: number; readonly ok: false; readonly message: string };

// elkjs is CommonJS; its bundled build runs ELK in this thread (no web worker of its own).
const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as new () => ElkApi;
const elk = new ELK();

parentPort?.on('message', (req: LayoutRequest) => {
  elk.layout(req.graph).then(
    (graph) => parentPort?.postMessage({ id: req.id, ok: true, graph } satisfies LayoutReply),
    (e: unknown) =>
      parentPort?.postMessage({
        id: req.id,
        ok: false,
        message: e instanceof Error ? e.message : String(e),
      } satisfies LayoutReply),
  );
});

parentPort?.postMessage({ ready: true } satisfies LayoutReply);
