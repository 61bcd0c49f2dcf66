import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WeftError, compile, pipelineFromSpec } from '@weft/core';
import type { ServiceContext } from '../context.js';
import { runRequestSchema, streamQuerySchema, validateRequestSchema } from '../http/request-schemas.js';
import { acceptedSchema, verdictSchema } from '../http/response-schemas.js';
import { AUTH_ERRORS, json, problems, sseAnswer } from '../http/route-docs.js';
import { assertCanExecute, assertCanStart, resolveMode } from '../modes/resolve-mode.js';
import type { RegisteredPipeline } from '../pipelines/pipeline-table.js';
import { resultBody, runLinks } from '../runs/run-body.js';
import type { ActiveRun } from '../runs/run-service.js';
import { openRunStream } from '../sse/open-run-stream.js';

/** The body of execute, start and stream. */
export interface RunRequest {
  readonly pipeline: string;
  readonly input?: unknown;
  readonly runId?: string;
  readonly orchestrationMode?: string;
  readonly timeoutMs?: number;
  readonly tags?: readonly string[];
}

const RUN_ERRORS = [400, ...AUTH_ERRORS, 404, 409, 413, 415, 429, 503] as const;
const idempotencyHeader = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      description: 'same key and body: the first answer again; another body: 409',
    },
  },
} as const;

/**
 * The checks every run-creating request goes through, in order: shutting down (503); the
 * orchestration mode (403/400) and its capability (400), before any pipeline is looked up; the
 * pipeline (404); its input schema (400).
 */
function admit(
  ctx: ServiceContext,
  body: RunRequest,
  entry: 'execute' | 'start' | 'stream',
): { mode: string; pipeline: RegisteredPipeline } {
  if (!ctx.runs.accepting) {
    throw new WeftError('SHUTTING_DOWN', 'the service is shutting down and takes no new runs', {
      data: { retryAfter: 5 },
    });
  }
  const mode = resolveMode(body.orchestrationMode, ctx.policy, ctx.modes);
  if (entry === 'execute') assertCanExecute(mode, ctx.modes);
  else assertCanStart(mode, ctx.policy, ctx.modes, `/v1/${entry}`);
  const pipeline = ctx.pipelines.get(body.pipeline);
  const errors = pipeline.checkInput(body.input);
  if (errors.length > 0) {
    throw new WeftError(
      'REQUEST_INVALID',
      `the input does not match the input schema of "${pipeline.name}"`,
      {
        data: { errors },
      },
    );
  }
  return { mode, pipeline };
}

/** Starts the run under the tenant's quotas (released when it ends). */
async function launch(
  ctx: ServiceContext,
  request: FastifyRequest,
  body: RunRequest,
  mode: string,
  pipeline: RegisteredPipeline,
): Promise<ActiveRun> {
  const release = ctx.quotas.admitRun(request.principal.tenant);
  try {
    const run = await ctx.runs.start({
      pipeline,
      input: body.input,
      mode,
      principal: request.principal,
      ...(body.runId !== undefined ? { runId: body.runId } : {}),
      ...(body.timeoutMs !== undefined ? { timeoutMs: body.timeoutMs } : {}),
      ...(body.tags !== undefined ? { tags: body.tags } : {}),
    });
    void run.result.finally(release);
    return run;
  } catch (e) {
    release();
    throw e;
  }
}

/** Runs `produce` under the request's Idempotency-Key, if it has one, and sends the answer. */
async function answer(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
  route: string,
  produce: () => Promise<{ status: number; headers: Record<string, string>; body: unknown }>,
): Promise<unknown> {
  const key = request.headers['idempotency-key'];
  const a =
    typeof key === 'string'
      ? await ctx.idempotency.run(
          `${request.principal.tenant ?? ''}\u0000${route}`,
          key,
          request.body,
          produce,
        )
      : { ...(await produce()), replayed: false };
  reply.code(a.status).headers(a.headers);
  if (a.replayed) reply.header('idempotent-replayed', 'true');
  return a.body;
}

/** POST /v1/execute, /v1/start, /v1/stream and /v1/validate. */
export function runRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post<{ Body: RunRequest }>(
    '/v1/execute',
    {
      config: { scope: 'runs:write' },
      schema: {
        tags: ['runs'],
        summary:
          'run a pipeline and answer when it ends: 200 for every terminal status (a failed or suspended run is data)',
        security: [{ bearer: [] }],
        body: runRequestSchema,
        headers: idempotencyHeader,
        response: { 200: json('the run, ended', { $ref: 'RunResult#' }), ...problems(...RUN_ERRORS) },
      },
    },
    async (request, reply) => {
      const { mode, pipeline } = admit(ctx, request.body, 'execute');
      return answer(ctx, request, reply, 'execute', async () => {
        const run = await launch(ctx, request, request.body, mode, pipeline);
        const r = await run.result;
        return { status: 200, headers: {}, body: resultBody(r, pipeline.name, mode) };
      });
    },
  );

  app.post<{ Body: RunRequest }>(
    '/v1/start',
    {
      config: { scope: 'runs:write' },
      schema: {
        tags: ['runs'],
        summary:
          'start a run detached: 202 with its id and Location; 400 when the backend cannot run detached',
        security: [{ bearer: [] }],
        body: runRequestSchema,
        headers: idempotencyHeader,
        response: { 202: json('started', acceptedSchema), ...problems(...RUN_ERRORS) },
      },
    },
    async (request, reply) => {
      const { mode, pipeline } = admit(ctx, request.body, 'start');
      return answer(ctx, request, reply, 'start', async () => {
        const run = await launch(ctx, request, request.body, mode, pipeline);
        const links = runLinks(run.runId);
        return {
          status: 202,
          headers: { location: links.self },
          body: { runId: run.runId, status: 'running', orchestrationMode: mode, links },
        };
      });
    },
  );

  app.post<{ Body: RunRequest; Querystring: { onDisconnect?: 'continue' | 'cancel' } }>(
    '/v1/stream',
    {
      config: { scope: 'runs:write' },
      schema: {
        tags: ['runs'],
        summary: 'start a run and follow its events as server-sent events in the same answer',
        security: [{ bearer: [] }],
        body: runRequestSchema,
        querystring: streamQuerySchema,
        response: { 200: sseAnswer, ...problems(...RUN_ERRORS) },
      },
    },
    async (request, reply) => {
      const { mode, pipeline } = admit(ctx, request.body, 'stream');
      const releaseStream = ctx.quotas.openStream(request.principal.tenant);
      let run: ActiveRun;
      try {
        run = await launch(ctx, request, request.body, mode, pipeline);
      } catch (e) {
        releaseStream();
        throw e;
      }
      const cancelOnClose = request.query.onDisconnect === 'cancel';
      await openRunStream(ctx, reply, {
        runId: run.runId,
        after: 0,
        tokens: true,
        release: releaseStream,
        headers: { 'content-location': runLinks(run.runId).self },
        onClientGone: cancelOnClose ? () => run.handle.cancel('the client went away') : undefined,
      });
      return reply;
    },
  );

  app.post<{ Body: { pipeline?: string; spec?: unknown; input?: unknown; orchestrationMode?: string } }>(
    '/v1/validate',
    {
      config: { scope: 'pipelines:read' },
      schema: {
        tags: ['pipelines'],
        summary: 'a verdict as data: 200 whether valid or not, with every problem',
        security: [{ bearer: [] }],
        body: validateRequestSchema,
        response: {
          200: json('the verdict', verdictSchema),
          ...problems(400, ...AUTH_ERRORS, 404, 413, 415),
        },
      },
    },
    async (request) => {
      const body = request.body;
      const mode = resolveMode(body.orchestrationMode, ctx.policy, ctx.modes);
      if (body.pipeline !== undefined) {
        const p = ctx.pipelines.get(body.pipeline);
        const problems =
          body.input === undefined
            ? []
            : p
                .checkInput(body.input)
                .map((e) => ({ code: 'INPUT_INVALID', path: e.pointer, message: e.message }));
        return {
          valid: problems.length === 0,
          pipeline: p.name,
          planId: p.plan.id,
          orchestrationMode: mode,
          problems,
        };
      }
      // An inline spec is checked statically: no module is imported, no file is read.
      const r = pipelineFromSpec(body.spec, {
        url: 'file:///weft-inline/pipeline.json',
        load: () => {
          throw new WeftError('SPEC_INVALID', 'an inline spec cannot name sub-pipeline files');
        },
      });
      if (!r.ok) {
        return {
          valid: false,
          pipeline: null,
          planId: null,
          orchestrationMode: mode,
          problems: r.problems.map((p) => ({
            code: p.code,
            path: p.path,
            message: p.message,
            ...(p.hint ? { hint: p.hint } : {}),
          })),
        };
      }
      const plan = compile(r.pipeline);
      return { valid: true, pipeline: plan.name, planId: plan.id, orchestrationMode: mode, problems: [] };
    },
  );
}
