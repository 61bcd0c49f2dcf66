/**
 * The codes a run ends with when it (or a check on one, such as `weft audit verify`) fails, as
 * opposed to bad input, definitions or configuration. The CLI exits 1 for these and 2 for the rest.
 */
export const RUN_FAILURE_CODES = [
  'STEP_FAILED',
  'STEP_TIMEOUT',
  'RUN_TIMEOUT',
  'BARRIER_TIMEOUT',
  'BARRIER_UNRELEASED',
  'RUN_CANCELLED',
  'STEP_CANCELLED',
  'STEP_LIMIT',
  'MAP_INPUT_INVALID',
  'SWITCH_NO_ROUTE',
  'STATE_UNKNOWN_KEY',
  'STATE_REDUCER_FAILED',
  'HOOK_FAILED',
  'NOT_SERIALIZABLE',
  'QUOTA_EXCEEDED',
  'WORKER_CRASHED',
  'WORKER_LOST',
  'CODE_MISMATCH',
  'ORCHESTRATOR_UNAVAILABLE',
  'NETWORK_REFUSED',
  'AUDIT_BROKEN',
  'OUTPUT_WRITE',
] as const;

/**
 * The catalogue of stable error codes. A code never changes meaning once published;
 * the docs (packages/core/README.md, "Error codes") describe each one.
 */
export const ERROR_CODES = [
  // definition and validation
  'DEFINITION_INVALID',
  'DUPLICATE_STEP',
  'UNKNOWN_TARGET',
  'STATIC_CYCLE',
  'UNREACHABLE_STEP',
  'MULTIPLE_ROOTS',
  'NO_ROOT',
  'JOIN_UNREACHABLE',
  'MAP_INVALID',
  'SWITCH_INVALID',
  'SUB_INVALID',
  'OPTION_INVALID',
  'PIPELINE_INVALID',
  // step code lookup
  'MODULE_NOT_FOUND',
  'EXPORT_NOT_FOUND',
  'STEP_NOT_FOUND',
  // running (the failures of a run are RUN_FAILURE_CODES, above)
  ...RUN_FAILURE_CODES,
  'ORCHESTRATOR_UNKNOWN',
  'ENGINE_IN_WORKER',
  'ORCHESTRATOR_CAPABILITY',
  'PLUGIN_INVALID',
  'RUN_NOT_FOUND',
  'RUN_NOT_RESUMABLE',
  'PROTOCOL_ERROR',
  // files, the CLI and durable runs
  'SPEC_INVALID',
  'USAGE_INVALID',
  'INPUT_INVALID',
  'STORE_CORRUPT',
  'STORE_FULL',
  'STORE_IO',
  'EVENT_GAP',
  'RUN_ACTIVE',
  'LOCK_HELD',
  'DEPENDENCY_MISSING',
  // configuration and the processor catalogue
  'CONFIG_INVALID',
  'TUNING_INVALID',
  'CATALOGUE_INVALID',
  'CATALOGUE_UNAVAILABLE',
  'CATALOGUE_FETCH_FAILED',
  'CATALOGUE_STALE',
  'PROCESSOR_UNKNOWN',
  // the HTTP service (weft serve): each has one HTTP status (packages/serve/README.md)
  'REQUEST_INVALID',
  'ROUTE_NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'ORCHESTRATION_MODE_UNKNOWN',
  'ORCHESTRATION_MODE_OVERRIDE_FORBIDDEN',
  'START_REQUIRES_ASYNC_ORCHESTRATION',
  'PIPELINE_NOT_FOUND',
  'RUN_EXISTS',
  'RUN_FINISHED',
  'RUN_NOT_SUSPENDED',
  'RUN_BUSY',
  'IDEMPOTENCY_CONFLICT',
  'SHUTTING_DOWN',
  'INTERNAL',
] as const;

/** A stable error code: a literal union, one per failure kind. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Type guard for codes read from serialised data. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
