import { isWeftError, type ErrorCode } from '@weft/core';
import type { HttpErrorMapper } from '@weft/core/plugin';

/** An RFC 9457 problem document, as every error answer carries it (`application/problem+json`). */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  /** Weft's stable error code. */
  readonly code: string;
  readonly detail: string;
  /** The request path. */
  readonly instance: string;
  readonly requestId?: string;
  /** Schema violations, each with its JSON pointer (REQUEST_INVALID). */
  readonly errors?: readonly { readonly pointer: string; readonly message: string }[];
  /** Structured facts of the error (`data` of the WeftError, minus what could leak internals). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The HTTP status of each code the service answers with; anything else is 500 INTERNAL. */
export const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  REQUEST_INVALID: 400,
  ORCHESTRATION_MODE_UNKNOWN: 400,
  START_REQUIRES_ASYNC_ORCHESTRATION: 400,
  ORCHESTRATOR_CAPABILITY: 400,
  OPTION_INVALID: 400,
  INPUT_INVALID: 400,
  NOT_SERIALIZABLE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  ORCHESTRATION_MODE_OVERRIDE_FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  PIPELINE_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  RUN_EXISTS: 409,
  RUN_FINISHED: 409,
  RUN_NOT_SUSPENDED: 409,
  RUN_NOT_RESUMABLE: 409,
  RUN_BUSY: 409,
  RUN_ACTIVE: 409,
  LOCK_HELD: 409,
  IDEMPOTENCY_CONFLICT: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  QUOTA_EXCEEDED: 429,
  SHUTTING_DOWN: 503,
  // The store cannot write (disk full) or read (I/O): the service is unavailable until it is fixed;
  // what was committed stays, and runs stopped by it are left interrupted (resumable).
  STORE_FULL: 503,
  STORE_IO: 503,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** What an error turns into on the wire. */
export interface MappedError {
  readonly problem: Problem;
  /** Seconds, for `Retry-After` (429, 503). */
  readonly retryAfter?: number;
  /** True when the error is a bug (500): log it with its stack. */
  readonly internal: boolean;
}

/**
 * Maps any thrown value to a problem document. Plugin mappers are consulted first, for their own
 * codes; then the base table; anything else is 500 INTERNAL, with no stack and no message of the
 * original in the body (the log has them).
 */
export function toProblem(
  error: unknown,
  instance: string,
  mappers: readonly HttpErrorMapper[],
  requestId?: string,
): MappedError {
  if (isWeftError(error)) {
    const mapper = mappers.find((m) => m.codes.includes(error.code));
    const status = mapper?.status ?? STATUS_BY_CODE[error.code];
    if (status !== undefined) {
      const data = publicData(error.data);
      const retryAfter =
        mapper?.retryAfterSeconds ??
        (typeof error.data['retryAfter'] === 'number' ? error.data['retryAfter'] : undefined);
      const errors = error.data['errors'] as Problem['errors'] | undefined;
      return {
        problem: {
          type: mapper?.type ?? `urn:weft:error:${error.code}`,
          title: TITLES[status] ?? 'Error',
          status,
          code: error.code,
          detail: error.message,
          instance,
          ...(requestId ? { requestId } : {}),
          ...(errors ? { errors } : {}),
          ...(data ? { data } : {}),
        },
        ...(retryAfter !== undefined ? { retryAfter } : status === 503 ? { retryAfter: 1 } : {}),
        internal: false,
      };
    }
  }
  return {
    problem: {
      type: 'urn:weft:error:INTERNAL',
      title: TITLES[500]!,
      status: 500,
      code: 'INTERNAL',
      detail: `internal error${requestId ? ` (request ${requestId}; the service log has the details)` : ''}`,
      instance,
      ...(requestId ? { requestId } : {}),
    },
    internal: true,
  };
}

/** The error's data without `errors` (a field of its own), causes or stacks; undefined when empty. */
function publicData(data: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === 'errors' || k === 'stack' || k === 'cause' || v === undefined) continue;
    out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
