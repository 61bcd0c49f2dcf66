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

/**
 * `ctx.host` per run (WorkersOptions.servicesPerRun): `ctx.host.db.query(sql)` runs
 * `services[runId].db.query(sql)` on the main thread. Any name resolves; only method calls work.
 */
export function runHostProxy(control: MessagePort): (runId: string) => HostServices {
  const remote = wrap<Record<string, unknown>>(nodeEndpoint(control)) as Record<string, unknown>;
  const byRun = new Map<string, HostServices>();
  return (runId) => {
    let host = byRun.get(runId);
    if (!host) {
      const scope = remote[runId] as Record<string, unknown>;
      host = new Proxy(
        {},
        { get: (_t, name) => (typeof name === 'string' && name !== 'then' ? scope[name] : undefined) },
      );
      // A worker serves runs one after another: keep the last few scopes only.
      if (byRun.size >= 64) byRun.delete(byRun.keys().next().value!);
      byRun.set(runId, host);
    }
    return host;
  };
}
