import { WeftError, pipeline, type Pipeline } from '@weft/core';
import type { Store } from '@weft/core/store';
import { startServer, type ServeOptions, type WeftServer } from '../src/index.js';

/**
 * A store for tests whose requests are all refused before any run is looked at: it answers the
 * start-up reconciliation (nothing to reconcile) and close, and fails loudly on anything else, so a
 * test that reaches the store by mistake says so.
 */
export function untouchableStore(): Store & { closed: boolean } {
  const refuse = (what: string) => () => {
    throw new WeftError(
      'INTERNAL',
      `the test store was used (${what}) by a request that should have been refused first`,
    );
  };
  const part = (name: string, allowed: Record<string, unknown> = {}) =>
    new Proxy(allowed, { get: (t, k) => (k in t ? t[k as string] : refuse(`${name}.${String(k)}`)) });
  const s = {
    closed: false,
    runs: part('runs', { reconcile: async () => [] }),
    events: part('events'),
    memo: part('memo'),
    locks: part('locks'),
    audit: part('audit'),
    close: async () => {
      s.closed = true;
    },
  };
  return s as unknown as Store & { closed: boolean };
}

/** A one-step pipeline. */
export const hello: Pipeline = pipeline('hello')
  .step('greet', (name: unknown) => `hello ${String(name)}`)
  .build();

/** A service on `direct`, not listening (requests go through app.inject). */
export async function injectServer(o: ServeOptions = {}): Promise<WeftServer> {
  return startServer({
    store: untouchableStore(),
    pipelines: [hello],
    listen: false,
    ...o,
    config: { orchestrationMode: 'direct', ...o.config },
  });
}
