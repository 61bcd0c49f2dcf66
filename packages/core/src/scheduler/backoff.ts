import type { ResolvedRetry } from '../plan/execution-plan.js';
import type { SerializedError } from '../errors/weft-error.js';

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential, capped, with jitter.
 * `random` is injected so that tests are deterministic. Pure.
 */
export function backoffDelay(policy: ResolvedRetry, attempt: number, random: () => number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1));
  const jitter = policy.jitter * base * random();
  return Math.max(0, Math.round(base - jitter));
}

/** Whether an error may be retried under a policy. Pure. */
export function isRetryable(policy: ResolvedRetry, error: SerializedError): boolean {
  if (error.code === 'STEP_CANCELLED' || error.code === 'RUN_CANCELLED' || error.code === 'NOT_SERIALIZABLE')
    return false;
  if (policy.retryOn === 'all') return true;
  if (policy.retryOn === 'retryable') return error.retryable || error.code === 'WORKER_CRASHED';
  return (
    policy.retryOn.includes(error.code) ||
    policy.retryOn.includes(error.name) ||
    (error.originalCode !== undefined && policy.retryOn.includes(error.originalCode))
  );
}
