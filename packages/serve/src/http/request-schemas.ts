/**
 * The JSON Schemas (2020-12) that validate requests. The OpenAPI document is generated from these
 * same objects (`@fastify/swagger`), so what it documents is what the routes accept.
 */

/** A run id: what `RunOptions.runId` accepts. */
export const runIdSchema = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' } as const;

/** A registered pipeline's name. */
export const pipelineNameSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** An orchestration mode token. */
export const modeSchema = { type: 'string', minLength: 1, maxLength: 64 } as const;

/**
 * The one request body of `/v1/execute`, `/v1/start` and `/v1/stream` (a test keeps them the
 * same object): unknown fields are refused.
 */
export const runRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['pipeline'],
  properties: {
    pipeline: { ...pipelineNameSchema, description: 'a pipeline registered at start-up' },
    input: { description: 'the run input (any JSON value)' },
    runId: { ...runIdSchema, description: 'the id of the new run (default: a random UUID)' },
    orchestrationMode: {
      ...modeSchema,
      description: 'the backend to run on: the default, or another when the deployment allows overrides',
    },
    timeoutMs: { type: 'integer', minimum: 1, description: 'run timeout, from the start' },
    tags: {
      type: 'array',
      maxItems: 32,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[A-Za-z0-9:._-]{1,64}$' },
    },
  },
} as const;

/** `/v1/validate`: a registered pipeline by name, or an inline JSON spec checked statically (never imported). */
export const validateRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pipeline: pipelineNameSchema,
    spec: {
      type: 'object',
      description:
        'a JSON pipeline (pipeline.schema.json of @weft/core), checked without importing any module; an invalid spec is a 200 verdict, not a 400',
    },
    input: { description: "checked against the pipeline's input schema when it has one" },
    orchestrationMode: modeSchema,
  },
  oneOf: [{ required: ['pipeline'] }, { required: ['spec'] }],
} as const;

/** `POST /v1/runs/{id}/cancel`. */
export const cancelRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 500 } },
} as const;

/** `POST /v1/runs/{id}/resume`. */
export const resumeRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    resume: { description: 'the value the suspended steps see as ctx.resume' },
    orchestrationMode: modeSchema,
  },
} as const;

/** `?wait=true` on cancel and resume: answer with the run's result once it ends. */
export const waitQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { wait: { type: 'boolean' } },
} as const;

/** `/v1/stream` query: what a client going away does to the run. */
export const streamQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    onDisconnect: { enum: ['continue', 'cancel'], description: 'default continue' },
  },
} as const;

/** `{id}` path parameter. */
export const runParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: runIdSchema },
} as const;

/** `{name}` path parameter. */
export const pipelineParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: pipelineNameSchema },
} as const;

const RUN_STATUSES = [
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timedOut',
  'suspended',
  'interrupted',
] as const;

/** `GET /v1/runs`. */
export const listRunsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: {
      type: 'string',
      pattern: `^(${RUN_STATUSES.join('|')})(,(${RUN_STATUSES.join('|')}))*$`,
      description: 'one status or several, comma-separated',
    },
    pipeline: pipelineNameSchema,
    tag: { type: 'string', pattern: '^[A-Za-z0-9:._-]{1,64}$' },
    since: { type: 'integer', minimum: 0, description: 'runs started at or after (ms since the epoch)' },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    cursor: { type: 'string', minLength: 1, maxLength: 512 },
  },
} as const;

/** `GET /v1/runs/{id}/result`. */
export const resultQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    waitMs: { type: 'integer', minimum: 0, description: 'long poll: wait up to this long (capped)' },
  },
} as const;

/** `GET /v1/runs/{id}/events`. */
export const eventsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: {
      type: 'integer',
      minimum: 0,
      description: 'events after this number (Last-Event-ID wins when both are sent)',
    },
    limit: { type: 'integer', minimum: 1, maximum: 10000, description: 'JSON page size (default 1000)' },
    tokens: { type: 'boolean', description: 'false leaves token events out (default true)' },
  },
} as const;

/** Headers of `GET /v1/runs/{id}/events`. */
export const eventsHeadersSchema = {
  type: 'object',
  properties: {
    'last-event-id': { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$' },
  },
} as const;
