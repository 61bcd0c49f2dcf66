import type { FastifyInstance } from 'fastify';
import type { ExecutionPlan } from '@weft/core';
import type { ServiceContext } from '../context.js';
import type { RegisteredPipeline } from '../pipelines/pipeline-table.js';
import { pipelineParamsSchema } from '../http/request-schemas.js';
import {
  healthSchema,
  orchestratorsSchema,
  pipelineDetailSchema,
  pipelinesSchema,
  readySchema,
} from '../http/response-schemas.js';
import { AUTH_ERRORS, json, problems } from '../http/route-docs.js';

/** Health, readiness, the OpenAPI document, the registry and the pipelines. */
export function metaRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    '/health',
    { schema: { tags: ['service'], summary: 'liveness', response: { 200: json('alive', healthSchema) } } },
    async () => ({ ok: true }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['service'],
        summary: 'readiness: started, not shutting down, every plugin check passing',
        response: { 200: json('ready', readySchema), 503: json('not ready (Retry-After)', readySchema) },
      },
    },
    async (_req, reply) => {
      const checks = await Promise.all(
        ctx.readiness.map(async ({ name, check }) => {
          try {
            const r = await check();
            return r.ok ? { name, ok: true } : { name, ok: false, reason: r.reason };
          } catch (e) {
            return { name, ok: false, reason: (e as Error).message };
          }
        }),
      );
      const ready = ctx.phase === 'ready' && checks.every((c) => c.ok);
      if (!ready) {
        reply.code(503).header('retry-after', '1');
        if (ctx.phase !== 'ready') checks.unshift({ name: 'service', ok: false, reason: ctx.phase });
      }
      return { ready, checks };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/v1/orchestrators',
    {
      config: { scope: 'pipelines:read' },
      schema: {
        tags: ['pipelines'],
        summary: 'orchestration modes: names, capabilities, the default and the override policy',
        security: [{ bearer: [] }],
        response: { 200: json('the registry', orchestratorsSchema), ...problems(...AUTH_ERRORS) },
      },
    },
    async () => ({
      default: ctx.policy.default,
      allowRequestOrchestrationModeOverride: ctx.policy.allowOverride,
      startRequires: ctx.policy.startRequires,
      entries: ctx.registry.list().map((e) => ({
        name: e.name,
        description: e.description,
        capabilities: e.capabilities,
      })),
    }),
  );

  app.get(
    '/v1/pipelines',
    {
      config: { scope: 'pipelines:read' },
      schema: {
        tags: ['pipelines'],
        summary: 'the pipelines registered at start-up',
        security: [{ bearer: [] }],
        response: { 200: json('registered pipelines', pipelinesSchema), ...problems(...AUTH_ERRORS) },
      },
    },
    async () => ({ pipelines: ctx.pipelines.list().map(summary) }),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/pipelines/:name',
    {
      config: { scope: 'pipelines:read' },
      schema: {
        tags: ['pipelines'],
        summary: 'one pipeline: its plan, graph (with Mermaid) and input schema',
        security: [{ bearer: [] }],
        params: pipelineParamsSchema,
        response: { 200: json('the pipeline', pipelineDetailSchema), ...problems(400, ...AUTH_ERRORS, 404) },
      },
    },
    async (request) => {
      const p = ctx.pipelines.get(request.params.name);
      return {
        ...summary(p),
        plan: publicPlan(p.plan),
        graph: ctx.pipelines.graph(p.name),
        inputSchema: p.inputSchema,
      };
    },
  );
}

function summary({ plan, pipeline }: RegisteredPipeline): Record<string, unknown> {
  return {
    name: plan.name,
    planId: plan.id,
    description: pipeline.options.description ?? null,
    version: plan.version,
    steps: Object.keys(plan.nodes).length,
  };
}

/** The plan without where the code lives (module URLs are the server's business). */
function publicPlan(plan: ExecutionPlan): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  for (const [name, n] of Object.entries(plan.nodes)) {
    const { ref: _ref, sub, ...rest } = n;
    nodes[name] = { ...rest, sub: sub ? publicPlan(sub) : null };
  }
  const { module: _module, nodes: _nodes, ...top } = plan;
  return { ...top, nodes };
}
