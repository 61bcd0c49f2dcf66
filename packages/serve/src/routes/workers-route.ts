import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { workersSchema } from '../http/response-schemas.js';
import { AUTH_ERRORS, json, problems } from '../http/route-docs.js';

/**
 * `GET /v1/workers`: the worker processes of the distributed orchestration modes, as their plugins
 * list them (a `workerSource` registered by the `bullmq` plugin lists its `weft worker` processes).
 * The service imports no plugin SDK: it only asks the sources. With none configured the answer is
 * `{ sources: [], workers: [] }`; a source that cannot answer fails the request with its code (the
 * plugin maps it, e.g. ORCHESTRATOR_UNAVAILABLE to 503).
 */
export function workersRoute(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    '/v1/workers',
    {
      config: { scope: 'pipelines:read' },
      schema: {
        tags: ['pipelines'],
        summary:
          'worker processes of the distributed orchestration modes (e.g. `weft worker` of bullmq), as their plugins list them',
        security: [{ bearer: [] }],
        response: {
          200: json('the live workers, by orchestration mode', workersSchema),
          ...problems(...AUTH_ERRORS, 503),
        },
      },
    },
    async () => {
      const lists = await Promise.all(ctx.workerSources.map((s) => s.list()));
      return {
        sources: ctx.workerSources.map((s) => s.orchestrator),
        workers: ctx.workerSources.flatMap((s, i) =>
          lists[i]!.map((w) => ({ ...w, orchestrator: s.orchestrator })),
        ),
      };
    },
  );
}
