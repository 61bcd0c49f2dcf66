import { systemClock } from '@weft/core';
import { buildApp } from './app.js';
import { resolveServeConfig } from './config/resolve-config.js';
import { silentLogger, type ServiceContext } from './context.js';

/**
 * The OpenAPI 3.1 document of the service, generated from the route schemas (the same objects that
 * validate requests). It does not depend on a configuration: `packages/serve/openapi.json` is this
 * document, committed and compared by a test.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  // The routes are registered but never called: the context only needs what registration reads.
  const ctx = {
    config: resolveServeConfig({ orchestrationMode: 'direct' }, process.cwd()),
    mappers: [],
    readiness: [],
    workerSources: [],
    clock: systemClock,
    log: silentLogger,
    phase: 'starting',
  } as unknown as ServiceContext;
  const app = await buildApp(ctx);
  await app.ready();
  const doc = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  return doc;
}
