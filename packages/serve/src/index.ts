// Public surface of @weft/serve: start the service, its configuration, and the pieces an embedder
// may reuse (token hashing for the configuration, the problem+json mapping).
export { startServer, type ServeOptions, type WeftServer } from './server.js';
export {
  resolveServeConfig,
  isLoopback,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  DEFAULT_TENANT_LIMITS,
  type ServeConfig,
  type ResolvedServeConfig,
  type ServeLimits,
  type TenantLimits,
  type TokenEntry,
  type PipelineEntry,
} from './config/resolve-config.js';
export { serveConfigSchema, SCOPES, type Scope } from './config/config-schema.js';
export { hashToken, type Principal } from './auth/bearer-auth.js';
export { STATUS_BY_CODE, type Problem } from './http/problem.js';
export type { PipelineLoader } from './pipelines/load-pipeline-file.js';
export type { PipelineRegistration } from './pipelines/pipeline-table.js';
export type { ServeLogger, ServiceContext, Phase } from './context.js';
export type { RouteMount } from './app.js';
export { openApiDocument } from './openapi.js';
