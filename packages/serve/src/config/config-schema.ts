/**
 * The JSON Schema (2020-12) of `weft serve`'s configuration file (`.weft/serve.json`, or `--config`).
 * Unknown keys are errors everywhere. The defaults are filled in by `resolveServeConfig`, not here.
 */

/** The scopes a bearer token may carry. */
export const SCOPES = [
  'runs:read',
  'runs:write',
  'runs:cancel',
  'runs:delete',
  'pipelines:read',
  'admin',
] as const;

/** A scope of a bearer token: what the routes ask for (`admin` grants every scope). */
export type Scope = (typeof SCOPES)[number];

const positiveInt = { type: 'integer', minimum: 1 } as const;

const tenantLimits = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxActiveRuns: positiveInt,
    startsPerMinute: positiveInt,
    maxStreams: positiveInt,
  },
} as const;

/** The configuration schema. */
export const serveConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:weft:serve-config',
  title: 'weft serve configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    listen: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
      },
    },
    orchestrationMode: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
    allowRequestOrchestrationModeOverride: { type: 'boolean' },
    orchestrators: {
      type: 'object',
      description: 'options per orchestration mode, e.g. { "workers": { "threads": 4 } }',
      propertyNames: { pattern: '^[a-z][a-z0-9-]*$' },
      additionalProperties: { type: 'object' },
    },
    start: {
      type: 'object',
      additionalProperties: false,
      properties: { requires: { enum: ['detached', 'durable'] } },
    },
    pipelines: {
      type: 'array',
      items: {
        oneOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            additionalProperties: false,
            required: ['path'],
            properties: {
              path: { type: 'string', minLength: 1 },
              inputSchema: { type: 'object', description: 'JSON Schema (2020-12) of the run input' },
            },
          },
        ],
      },
    },
    plugins: {
      type: 'array',
      items: {
        oneOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            additionalProperties: false,
            required: ['module'],
            properties: { module: { type: 'string', minLength: 1 }, options: { type: 'object' } },
          },
        ],
      },
    },
    store: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: {
            kind: { const: 'memory' },
            maxEventsPerRun: {
              type: 'integer',
              minimum: 1,
              description: 'events kept per run; older ones are trimmed (a reader behind them gets `reset`)',
            },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'path'],
          properties: { kind: { const: 'sqlite' }, path: { type: 'string', minLength: 1 } },
        },
      ],
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['tokens'],
      properties: {
        tokens: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['sha256', 'tenant', 'scopes'],
            properties: {
              name: { type: 'string', minLength: 1 },
              sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              tenant: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
              scopes: { type: 'array', items: { enum: SCOPES }, uniqueItems: true },
            },
          },
        },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        bodyBytes: positiveInt,
        jsonDepth: positiveInt,
        resultWaitMaxMs: positiveInt,
        sseHeartbeatMs: positiveInt,
        sseBufferBytes: positiveInt,
        idempotencyTtlMs: positiveInt,
        idempotencyMaxKeys: positiveInt,
      },
    },
    tenants: {
      type: 'object',
      description: 'quotas per tenant; "*" is the default for every tenant',
      additionalProperties: tenantLimits,
    },
    shutdownGraceMs: { type: 'integer', minimum: 0 },
  },
} as const;
