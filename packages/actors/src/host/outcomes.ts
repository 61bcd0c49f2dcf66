import { WeftError, isWeftError, serializeError, type SerializedError } from '@weft/core';
import { type TaskOutcome } from '@weft/core/orchestrator';

/** A failed task outcome. */
export function failure(error: WeftError | SerializedError): TaskOutcome {
  return { ok: false, error: isWeftError(error) ? serializeError(error) : error };
}

/** The abort reason as a SerializedError (the runtime aborts with one; anything else is wrapped). */
export function reasonOf(signal: AbortSignal): SerializedError {
  return reasonFrom(signal.reason);
}

/** An abort reason as the SerializedError a cancelled task fails with. */
export function reasonFrom(r: unknown): SerializedError {
  if (
    typeof r === 'object' &&
    r !== null &&
    typeof (r as SerializedError).code === 'string' &&
    typeof (r as SerializedError).message === 'string' &&
    !(r instanceof Error)
  ) {
    return r as SerializedError;
  }
  if (r === undefined || (r instanceof Error && r.name === 'AbortError'))
    return serializeError(new WeftError('STEP_CANCELLED', 'the task was cancelled'));
  return serializeError(r);
}

/** `cause` when it is an Error (to chain it), else undefined. */
export function toError(cause: unknown): Error | undefined {
  return cause instanceof Error ? cause : undefined;
}
