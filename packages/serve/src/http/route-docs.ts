/** Helpers that keep route definitions short: documented error answers and SSE bodies. */

const PROBLEM_TEXT: Readonly<Record<number, string>> = {
  400: 'bad request: schema violation, malformed JSON or id, unknown orchestration mode, a backend without the capability',
  401: 'no or unknown bearer token (when auth is configured)',
  403: 'the token lacks the scope, or the request names another orchestration mode than the default while overrides are off',
  404: 'no such run (or another tenant’s), pipeline or route',
  409: 'conflict with the run’s state, its id, or an Idempotency-Key',
  413: 'body over limits.bodyBytes',
  415: 'body that is not application/json',
  429: 'tenant quota reached (Retry-After)',
  503: 'shutting down, not ready, or a backend unavailable: the store (STORE_FULL, STORE_IO) or a plugin’s (Retry-After)',
};

/** Documented problem+json answers for these statuses. */
export function problems(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const s of statuses) {
    out[s] = {
      description: PROBLEM_TEXT[s] ?? 'error',
      content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
    };
  }
  return out;
}

/** A documented JSON answer. */
export function json(description: string, schema: unknown): { description: string; content: unknown } {
  return { description, content: { 'application/json': { schema } } };
}

/** A documented SSE answer: ids are the run's event numbers; the event names are Weft's event types plus end, reset and shutdown. */
export const sseAnswer = {
  description:
    'server-sent events: `id` is the run event number (continuous across sessions), `event` the event type (run.start, step.*, token, map.*, barrier.*, run.finish...) or one of end {status, lastEventId}, reset {from, missed}, shutdown {retryAfterMs}; `: hb` heartbeat comments; token events of one invocation ready together are merged (id: the last number, data.seqFrom: the first)',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
} as const;

/** The error statuses every authenticated route may answer. */
export const AUTH_ERRORS = [401, 403] as const;
