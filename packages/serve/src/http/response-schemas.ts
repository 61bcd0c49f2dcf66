/**
 * The JSON Schemas of answers. They document the API (OpenAPI) and drive the serialiser, which
 * writes only the fields listed: nothing internal leaks by accident.
 */
import { SCOPES } from '../config/config-schema.js';

const nullable = (t: string) => ({ type: [t, 'null'] }) as const;

/** RFC 9457 problem document (`application/problem+json`). */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail', 'instance'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: "Weft's stable error code" },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { pointer: { type: 'string' }, message: { type: 'string' } },
      },
    },
    data: { type: 'object', additionalProperties: true },
  },
} as const;

const errorSummary = {
  type: ['object', 'null'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    name: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
  },
} as const;

const links = {
  type: 'object',
  properties: { self: { type: 'string' }, events: { type: 'string' }, result: { type: 'string' } },
} as const;

/** How a run ended (execute, result, cancel/resume with `wait`): every terminal status is data. */
export const runResultSchema = {
  $id: 'RunResult',
  type: 'object',
  required: ['runId', 'status', 'pipeline', 'orchestrationMode', 'error', 'suspended', 'links'],
  properties: {
    runId: { type: 'string' },
    status: { enum: ['succeeded', 'failed', 'cancelled', 'timedOut', 'suspended'] },
    pipeline: { type: 'string' },
    orchestrationMode: nullable('string'),
    output: { description: 'the run output (absent when there is none)' },
    error: errorSummary,
    suspended: {
      type: 'array',
      items: {
        type: 'object',
        properties: { step: { type: 'string' }, reason: { type: 'string' }, data: {} },
      },
    },
    durationMs: nullable('number'),
    lastSeq: { type: 'integer', description: 'the last event number of the run' },
    links,
  },
} as const;

/** A run as listed. */
export const runSummarySchema = {
  $id: 'RunSummary',
  type: 'object',
  required: ['runId', 'pipeline', 'status', 'startedAt'],
  properties: {
    runId: { type: 'string' },
    pipeline: { type: 'string' },
    planId: { type: 'string' },
    status: {
      enum: ['running', 'succeeded', 'failed', 'cancelled', 'timedOut', 'suspended', 'interrupted'],
    },
    startedAt: { type: 'number' },
    finishedAt: nullable('number'),
    orchestrationMode: nullable('string'),
    tenant: nullable('string'),
    tags: { type: 'array', items: { type: 'string' } },
    sessions: { type: 'integer' },
    lastSeq: { type: 'integer' },
    error: errorSummary,
    links,
  },
} as const;

/** `GET /v1/runs`. */
export const runPageSchema = {
  type: 'object',
  required: ['runs', 'nextCursor'],
  properties: {
    runs: { type: 'array', items: { $ref: 'RunSummary#' } },
    nextCursor: nullable('string'),
  },
} as const;

const nodeViewSchema = {
  type: 'object',
  description:
    'one node: state, invocations, attempts, running, succeeded, failed, skipped, retries, tokens, items (maps), join (joins), lastError, suspend, children (subs)',
  additionalProperties: true,
  properties: {
    state: { enum: ['pending', 'running', 'succeeded', 'failed', 'skipped', 'suspended', 'cancelled'] },
  },
} as const;

/** `GET /v1/runs/{id}`: the record and the RunView fold of its events at `view.lastSeq`. */
export const runDetailSchema = {
  type: 'object',
  required: ['run', 'view'],
  properties: {
    run: { $ref: 'RunSummary#' },
    view: {
      type: 'object',
      description:
        'the events folded into per-node state (RunView of @weft/core) at event lastSeq: follow /events after it',
      additionalProperties: true,
      properties: {
        lastSeq: { type: 'integer' },
        status: { type: 'string' },
        nodes: { type: 'object', additionalProperties: nodeViewSchema },
      },
    },
  },
} as const;

/** `POST /v1/start`, resume: accepted, running detached. */
export const acceptedSchema = {
  type: 'object',
  required: ['runId', 'status', 'orchestrationMode', 'links'],
  properties: {
    runId: { type: 'string' },
    status: { enum: ['running', 'cancelling'] },
    orchestrationMode: nullable('string'),
    session: { type: 'integer' },
    links,
  },
} as const;

/** `GET /v1/runs/{id}/result` while the run goes on. */
export const pendingResultSchema = {
  type: 'object',
  required: ['runId', 'status'],
  properties: { runId: { type: 'string' }, status: { const: 'running' }, links },
} as const;

/** A JSON page of events (`GET /v1/runs/{id}/events` without `Accept: text/event-stream`). */
export const eventPageSchema = {
  type: 'object',
  required: ['events', 'lastId', 'next'],
  properties: {
    events: {
      type: 'array',
      items: { type: 'object', additionalProperties: true, description: 'a RunEvent of @weft/core' },
    },
    lastId: { type: 'integer', description: "the run's last event number now" },
    next: nullable('integer'),
  },
} as const;

/** `POST /v1/validate`: a verdict, valid or not. */
export const verdictSchema = {
  type: 'object',
  required: ['valid', 'problems'],
  properties: {
    valid: { type: 'boolean' },
    pipeline: nullable('string'),
    planId: nullable('string'),
    orchestrationMode: { type: 'string' },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          path: { type: 'string', description: 'JSON pointer into the spec or the input' },
          node: { type: 'string' },
          message: { type: 'string' },
          hint: { type: 'string' },
        },
      },
    },
  },
} as const;

const capabilities = {
  type: 'object',
  properties: {
    blocking: { type: 'boolean' },
    detached: { type: 'boolean' },
    durable: { type: 'boolean' },
    parallel: { type: 'boolean' },
  },
} as const;

/** `GET /v1/orchestrators`. */
export const orchestratorsSchema = {
  type: 'object',
  required: ['default', 'allowRequestOrchestrationModeOverride', 'startRequires', 'entries'],
  properties: {
    default: { type: 'string' },
    allowRequestOrchestrationModeOverride: { type: 'boolean' },
    startRequires: { enum: ['detached', 'durable'] },
    entries: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, description: { type: 'string' }, capabilities },
      },
    },
  },
} as const;

/** `GET /v1/workers`: a source's own fields (queues, slots...) are passed through. */
export const workersSchema = {
  type: 'object',
  required: ['sources', 'workers'],
  properties: {
    sources: {
      type: 'array',
      items: { type: 'string' },
      description: 'the orchestration modes whose plugins list workers (empty: none configured)',
    },
    workers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['orchestrator', 'id'],
        additionalProperties: true,
        properties: {
          orchestrator: { type: 'string' },
          id: { type: 'string' },
          name: { type: 'string' },
          host: { type: 'string' },
          pid: { type: 'integer' },
          threads: { type: 'integer' },
          version: { type: 'string' },
          startedAt: { type: 'string' },
        },
      },
    },
  },
} as const;

const pipelineSummary = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    planId: { type: 'string' },
    description: nullable('string'),
    version: nullable('string'),
    steps: { type: 'integer' },
  },
} as const;

/** `GET /v1/pipelines`. */
export const pipelinesSchema = {
  type: 'object',
  required: ['pipelines'],
  properties: { pipelines: { type: 'array', items: pipelineSummary } },
} as const;

/** `GET /v1/pipelines/{name}`: plan, graph and input schema. */
export const pipelineDetailSchema = {
  type: 'object',
  required: ['name', 'planId', 'plan', 'graph', 'inputSchema'],
  properties: {
    ...pipelineSummary.properties,
    plan: { type: 'object', additionalProperties: true, description: 'the ExecutionPlan' },
    graph: {
      type: 'object',
      properties: {
        nodes: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              kind: { type: 'string' },
              join: nullable('string'),
              parent: nullable('string'),
            },
          },
        },
        edges: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              from: { type: 'string' },
              to: { type: 'string' },
              kind: { enum: ['static', 'route', 'case'] },
            },
          },
        },
        mermaid: { type: 'string' },
      },
    },
    inputSchema: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

/** `/health`. */
export const healthSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' } },
} as const;

/** `/ready`. */
export const readySchema = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, ok: { type: 'boolean' }, reason: { type: 'string' } },
      },
    },
  },
} as const;

/** The schemas registered once and referenced by `$ref` (OpenAPI components). */
export const sharedSchemas = [problemSchema, runResultSchema, runSummarySchema] as const;

/** Scopes, for the OpenAPI security scheme. */
export const scopeList = SCOPES;
