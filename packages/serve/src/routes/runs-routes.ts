import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WeftError } from '@weft/core';
import type { RunRecord, StoredRunStatus } from '@weft/core/store';
import { canSee } from '../auth/bearer-auth.js';
import type { ServiceContext } from '../context.js';
import {
  cancelRequestSchema,
  eventsHeadersSchema,
  eventsQuerySchema,
  listRunsQuerySchema,
  resultQuerySchema,
  resumeRequestSchema,
  runParamsSchema,
  waitQuerySchema,
} from '../http/request-schemas.js';
import {
  acceptedSchema,
  eventPageSchema,
  pendingResultSchema,
  runDetailSchema,
  runPageSchema,
} from '../http/response-schemas.js';
import { AUTH_ERRORS, json, problems, sseAnswer } from '../http/route-docs.js';
import { toJsonValue } from '../http/to-json.js';
import { assertCanStart, resolveMode } from '../modes/resolve-mode.js';
import { TERMINAL, recordResultBody, resultBody, runLinks, summaryBody } from '../runs/run-body.js';
import { RESUMABLE } from '../runs/run-service.js';
import { openRunStream } from '../sse/open-run-stream.js';

type Id = { Params: { id: string } };

/** The run, when the caller may see it; RUN_NOT_FOUND otherwise (another tenant's run included). */
async function visible(ctx: ServiceContext, request: FastifyRequest, runId: string): Promise<RunRecord> {
  const rec = await ctx.store.runs.get(runId);
  if (!rec || !canSee(request.principal, rec.tenant)) {
    throw new WeftError('RUN_NOT_FOUND', `no run "${runId}"`, { data: { runId } });
  }
  return rec;
}

/** No body at all counts as `{}` on cancel and resume (a JSON `null` is still refused). */
async function emptyBodyIsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

/** GET /v1/runs..., POST cancel and resume, DELETE. */
export function runsRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get<{
    Querystring: {
      status?: string;
      pipeline?: string;
      tag?: string;
      since?: number;
      limit?: number;
      cursor?: string;
    };
  }>(
    '/v1/runs',
    {
      config: { scope: 'runs:read' },
      schema: {
        tags: ['runs'],
        summary: "the caller's runs, newest first, filtered and paged with a cursor",
        security: [{ bearer: [] }],
        querystring: listRunsQuerySchema,
        response: { 200: json('a page of runs', runPageSchema), ...problems(400, ...AUTH_ERRORS, 503) },
      },
    },
    async (request) => {
      const q = request.query;
      const tenant = request.principal.tenant;
      const page = await ctx.store.runs.query({
        ...(q.status !== undefined ? { status: q.status.split(',') as StoredRunStatus[] } : {}),
        ...(q.pipeline !== undefined ? { pipeline: q.pipeline } : {}),
        ...(q.tag !== undefined ? { tag: q.tag } : {}),
        ...(tenant !== null ? { tenant } : {}),
        ...(q.since !== undefined ? { since: q.since } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
      return { runs: page.runs.map(summaryBody), nextCursor: page.nextCursor };
    },
  );

  app.get<Id>(
    '/v1/runs/:id',
    {
      config: { scope: 'runs:read' },
      schema: {
        tags: ['runs'],
        summary:
          'a run: its record and its events folded into per-node state (RunView) at event view.lastSeq',
        security: [{ bearer: [] }],
        params: runParamsSchema,
        response: { 200: json('the run', runDetailSchema), ...problems(400, ...AUTH_ERRORS, 404, 503) },
      },
    },
    async (request) => {
      const rec = await visible(ctx, request, request.params.id);
      const view = await ctx.views.view(rec);
      return { run: summaryBody(rec), view: toJsonValue(view) };
    },
  );

  app.get<Id & { Querystring: { waitMs?: number } }>(
    '/v1/runs/:id/result',
    {
      config: { scope: 'runs:read' },
      schema: {
        tags: ['runs'],
        summary: 'the result once the run has ended; long poll with waitMs; 202 while it goes on',
        security: [{ bearer: [] }],
        params: runParamsSchema,
        querystring: resultQuerySchema,
        response: {
          200: json('the run, ended', { $ref: 'RunResult#' }),
          202: json('still running', pendingResultSchema),
          ...problems(400, ...AUTH_ERRORS, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const rec = await visible(ctx, request, request.params.id);
      const run = ctx.runs.active(rec.runId);
      if (run) {
        const wait = Math.min(request.query.waitMs ?? 0, ctx.config.limits.resultWaitMaxMs);
        const r = await Promise.race([run.result, sleep(ctx, wait, request)]);
        if (r) return resultBody(r, run.pipeline.name, run.mode);
      } else if (TERMINAL.has(rec.status) || rec.status === 'suspended') {
        const view = rec.status === 'suspended' ? await ctx.views.view(rec) : undefined;
        return recordResultBody(rec, view?.suspended ?? []);
      }
      reply.code(202);
      return { runId: rec.runId, status: 'running', links: runLinks(rec.runId) };
    },
  );

  app.get<Id & { Querystring: { after?: number; limit?: number; tokens?: boolean } }>(
    '/v1/runs/:id/events',
    {
      config: { scope: 'runs:read' },
      schema: {
        tags: ['runs'],
        summary:
          'the run events: SSE (Accept: text/event-stream) replayed after Last-Event-ID (or ?after) then live, with no gap and no duplicate; or a JSON page',
        security: [{ bearer: [] }],
        params: runParamsSchema,
        querystring: eventsQuerySchema,
        headers: eventsHeadersSchema,
        response: {
          200: {
            description: `${sseAnswer.description}; or a JSON page of events`,
            content: { ...sseAnswer.content, 'application/json': { schema: eventPageSchema } },
          },
          204: { description: 'the run has ended and every event was delivered: stop reconnecting' },
          ...problems(400, ...AUTH_ERRORS, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const rec = await visible(ctx, request, request.params.id);
      const header = request.headers['last-event-id'];
      const after = typeof header === 'string' ? Number(header) : (request.query.after ?? 0);
      const lastId = await ctx.store.events.lastId(rec.runId);
      if (after > lastId) {
        throw new WeftError(
          'REQUEST_INVALID',
          `event ${after} is after the last event of run "${rec.runId}" (${lastId})`,
          {
            data: {
              errors: [
                {
                  pointer: typeof header === 'string' ? '/headers/last-event-id' : '/querystring/after',
                  message: `after the last event ${lastId}`,
                },
              ],
              lastId,
            },
          },
        );
      }
      const tokens = request.query.tokens ?? true;
      if (!(request.headers.accept ?? '').includes('text/event-stream')) {
        const limit = request.query.limit ?? 1000;
        const read = await ctx.store.events.read(rec.runId, after, limit);
        const events = tokens ? read : read.filter((e) => e.type !== 'token');
        return { events: toJsonValue(events), lastId, next: read.length === limit ? read.at(-1)!.seq : null };
      }
      const ended = !ctx.runs.active(rec.runId) && (TERMINAL.has(rec.status) || rec.status === 'suspended');
      if (ended && after >= lastId) return reply.code(204).send();
      const release = ctx.quotas.openStream(request.principal.tenant);
      await openRunStream(ctx, reply, { runId: rec.runId, after, tokens, release });
      return reply;
    },
  );

  app.post<Id & { Body: { reason?: string }; Querystring: { wait?: boolean } }>(
    '/v1/runs/:id/cancel',
    {
      config: { scope: 'runs:cancel' },
      preValidation: emptyBodyIsObject,
      schema: {
        tags: ['runs'],
        summary:
          'cancel a run cooperatively (the backend terminates what does not stop in its grace); 409 when it has ended',
        security: [{ bearer: [] }],
        params: runParamsSchema,
        querystring: waitQuerySchema,
        body: cancelRequestSchema,
        response: {
          200: json('with ?wait=true: the run, ended', { $ref: 'RunResult#' }),
          202: json('cancelling', acceptedSchema),
          ...problems(400, ...AUTH_ERRORS, 404, 409, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const rec = await visible(ctx, request, request.params.id);
      const reason = request.body.reason ?? `cancelled over HTTP by ${request.principal.name}`;
      const run = await ctx.runs.cancel(rec.runId, reason, request.principal);
      if (request.query.wait) return resultBody(await run.result, run.pipeline.name, run.mode);
      reply.code(202);
      return {
        runId: run.runId,
        status: 'cancelling',
        orchestrationMode: run.mode,
        links: runLinks(run.runId),
      };
    },
  );

  app.post<Id & { Body: { resume?: unknown; orchestrationMode?: string }; Querystring: { wait?: boolean } }>(
    '/v1/runs/:id/resume',
    {
      config: { scope: 'runs:write' },
      preValidation: emptyBodyIsObject,
      schema: {
        tags: ['runs'],
        summary:
          'resume a suspended run with a value, or recover an interrupted one (its events continue the same numbering); 409 otherwise',
        security: [{ bearer: [] }],
        params: runParamsSchema,
        querystring: waitQuerySchema,
        body: resumeRequestSchema,
        response: {
          200: json('with ?wait=true: the run, ended (or suspended again)', { $ref: 'RunResult#' }),
          202: json('resumed', acceptedSchema),
          ...problems(400, ...AUTH_ERRORS, 404, 409, 413, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      if (!ctx.runs.accepting)
        throw new WeftError('SHUTTING_DOWN', 'the service is shutting down', { data: { retryAfter: 5 } });
      const rec = await visible(ctx, request, request.params.id);
      const mode = resolveMode(request.body.orchestrationMode, ctx.policy, ctx.modes);
      assertCanStart(mode, ctx.policy, ctx.modes, 'resume');
      if (!RESUMABLE.has(rec.status) || ctx.runs.active(rec.runId)) {
        throw new WeftError(
          'RUN_NOT_SUSPENDED',
          `run "${rec.runId}" is ${ctx.runs.active(rec.runId) ? 'running' : rec.status}; only a suspended or interrupted run can be resumed`,
          {
            data: { runId: rec.runId, status: rec.status },
          },
        );
      }
      const pipeline = ctx.pipelines.get(rec.pipeline);
      const release = ctx.quotas.admitRun(request.principal.tenant);
      let run;
      try {
        run = await ctx.runs.resume(rec.runId, pipeline, request.body.resume, mode, request.principal);
      } catch (e) {
        release();
        throw e;
      }
      void run.result.finally(release);
      if (request.query.wait) return resultBody(await run.result, pipeline.name, mode);
      reply.code(202).header('location', runLinks(run.runId).self);
      return { runId: run.runId, status: 'running', orchestrationMode: mode, links: runLinks(run.runId) };
    },
  );

  app.delete<Id>(
    '/v1/runs/:id',
    {
      config: { scope: 'runs:delete' },
      schema: {
        tags: ['runs'],
        summary: 'forget a run that is not active: record, events, snapshot',
        security: [{ bearer: [] }],
        params: runParamsSchema,
        response: { 204: { description: 'deleted' }, ...problems(400, ...AUTH_ERRORS, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const rec = await visible(ctx, request, request.params.id);
      await ctx.runs.delete(rec.runId);
      ctx.views.forget(rec.runId);
      return reply.code(204).send();
    },
  );
}

/** Resolves undefined after `ms`, or when the client goes away first. */
function sleep(ctx: ServiceContext, ms: number, request: FastifyRequest): Promise<undefined> {
  if (ms <= 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const t = ctx.clock.setTimeout(() => resolve(undefined), ms);
    request.raw.once('close', () => {
      ctx.clock.clearTimeout(t);
      resolve(undefined);
    });
  });
}
