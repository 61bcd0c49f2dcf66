import type { MessagePort } from 'node:worker_threads';
import { wrap } from 'comlink';
import type { HostServices } from '@weft/core';
import { nodeEndpoint } from '../shared/endpoint.js';

/**
 * `ctx.host` inside a worker: each service the host registered (EngineOptions.services) is a comlink
 * proxy, so `await ctx.host.db.query(sql)` runs `services.db.query(sql)` on the main thread.
 * Arguments and results are structured-cloned; every call returns a promise.
 */
export function hostProxy(control: MessagePort, names: readonly string[]): HostServices {
  const remote = wrap<Record<string, unknown>>(nodeEndpoint(control));
  const host: Record<string, unknown> = {};
  for (const name of names) host[name] = (remote as Record<string, unknown>)[name];
  return Object.freeze(host);
}
