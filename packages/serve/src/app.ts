import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ANONYMOUS, requireScope, type Principal } from './auth/bearer-auth.js';
import type { Scope } from './config/config-schema.js';
import type { ServiceContext } from './context.js';
import { fromFastify, sendProblem } from './http/error-handler.js';
import { assertJsonDepth } from './http/json-depth.js';
import { sharedSchemas } from './http/response-schemas.js';
import { metaRoutes } from './routes/meta-routes.js';
import { runRoutes } from './routes/run-routes.js';
import { runsRoutes } from './routes/runs-routes.js';
import { workersRoute } from './routes/workers-route.js';
import { WeftError } from '@weft/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who asks (set by the auth hook on /v1 routes). */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** The scope a /v1 route needs; absent: public (health, ready, openapi). */
    scope?: Scope;
  }
}

/**
 * More routes on the service's app, registered after the API (same auth hook, error handler and
 * OpenAPI document). The seam for the dashboard (a static bundle at `/ui`, issue 15). (`GET
 * /v1/workers` is built in: plugins feed it through `workerSource`.) A route that sets
 * `config.scope` is authenticated.
 */
export type RouteMount = (app: FastifyInstance, ctx: ServiceContext) => void | Promise<void>;

/** The service version in the OpenAPI document. */
export const API_VERSION = '0.1.0';

/**
 * Builds the Fastify app: JSON only (415 for anything else), bodies limited in size and depth,
 * requests validated by Ajv (JSON Schema 2020-12; bodies without coercion, unknown fields refused),
 * the auth hook, problem+json for every error, the OpenAPI document from the route schemas.
 */
export async function buildApp(
  ctx: ServiceContext,
  extra: readonly RouteMount[] = [],
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: ctx.config.limits.bodyBytes,
    forceCloseConnections: true,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: false },
    // A URL that cannot be decoded never reaches a route: answer it as problem+json too.
    frameworkErrors: (err, request, reply) =>
      void sendProblem(
        new WeftError('REQUEST_INVALID', `the URL is malformed: ${err.message}`),
        request,
        reply,
        ctx.mappers,
        ctx.log,
      ),
  });
  const bodyAjv = new Ajv2020({ strict: false, allErrors: false, coerceTypes: false, useDefaults: false });
  const partAjv = new Ajv2020({ strict: false, allErrors: false, coerceTypes: true, useDefaults: false });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : partAjv).compile(schema as object),
  );
  for (const s of sharedSchemas) app.addSchema(s);

  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      assertJsonDepth(body as string, ctx.config.limits.jsonDepth);
    } catch (e) {
      done(e as Error, undefined);
      return;
    }
    void parseJson(req, body as string, done);
  });

  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined) {
      request.principal = ANONYMOUS;
      return;
    }
    const principal = ctx.auth ? ctx.auth.authenticate(request.headers.authorization) : ANONYMOUS;
    requireScope(principal, scope);
    request.principal = principal;
  });

  app.setErrorHandler((err: FastifyError, request, reply) =>
    sendProblem(fromFastify(err), request, reply, ctx.mappers, ctx.log),
  );
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      new WeftError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
      ctx.mappers,
      ctx.log,
    ),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Weft service (weft serve)',
        version: API_VERSION,
        description:
          'Run registered Weft pipelines over HTTP: execute (blocking), start (detached), stream (SSE), validate; runs, events (SSE with Last-Event-ID), cancel, resume. Errors are application/problem+json with stable codes.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'when auth is configured: a token of the service configuration, with scopes',
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  metaRoutes(app, ctx);
  runRoutes(app, ctx);
  runsRoutes(app, ctx);
  workersRoute(app, ctx);
  for (const mount of extra) await mount(app, ctx);
  return app;
}
