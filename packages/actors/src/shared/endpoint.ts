import type { MessagePort } from 'node:worker_threads';
import type { Endpoint } from 'comlink';
import nodeAdapter from 'comlink/dist/esm/node-adapter.mjs';

/** A comlink endpoint over a Node MessagePort (the control plane of one worker): comlink's own Node adapter. */
export function nodeEndpoint(port: MessagePort): Endpoint {
  return nodeAdapter(port);
}
