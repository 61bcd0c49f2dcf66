import type { MessagePort } from 'node:worker_threads';
import { wrap } from 'comlink';
import type { HostServices } from '@weft/core/orchestrator';
import { nodeEndpoint } from '../shared/endpoint.js';

/**
 * Holds comlink's root proxy on the object made from it. comlink counts the proxies of an endpoint
 * and, once every one was garbage-collected, sends RELEASE: the main thread then stops serving the
 * control port, and every later host call of the thread (the per-run proxy shares the port) waits
 * forever. With no service names (servicesPerRun) the root was the only proxy and was collected at
 * the first GC after start-up: `weft worker` steps hung at random on their next host call.
 */
const ROOT = Symbol('comlink root');

/**
 * `ctx.host` inside a worker: each service the host registered (EngineOptions.services) is a comlink
 * proxy, so `await ctx.host.db.query(sql)` runs `services.db.query(sql)` on the main thread.
 * Arguments and results are structured-cloned; every call returns a promise.
 */
export function hostProxy(control: MessagePort, names: readonly string[]): HostServices {
  const remote = wrap<Record<string, unknown>>(nodeEndpoint(control));
  const host: Record<string, unknown> = {};
  for (const name of names) host[name] = (remote as Record<string, unknown>)[name];
  Object.defineProperty(host, ROOT, { value: remote });
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
