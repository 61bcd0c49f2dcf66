import { toWeftError, type WeftError } from '../errors/weft-error.js';
import type { RunStatus } from '../events/types.js';
import type { RunStore } from '../store/ports.js';
import type { ExecutionOutcome } from '../runtime/run-runtime.js';

/** What a run's end records, once what its outcome needs is persisted. */
export interface PersistedOutcome {
  /** The status the run ends with: `failed` when persisting failed. */
  readonly status: RunStatus;
  /** The error the run ends with, if any (a persistence fault first). */
  readonly error: WeftError | undefined;
  /** The output, when the run succeeded and it was committed. */
  readonly output: unknown;
  /** Why a suspended run whose snapshot was saved suspended (its `run.suspend` event); else null. */
  readonly suspended: Extract<ExecutionOutcome, { status: 'suspended' }>['reasons'] | null;
}

/**
 * Persists what a run's outcome needs before the run ends: a suspended run's snapshot (a resumed run
 * that ended otherwise loses the one it came from), then a succeeded run's output through the
 * caller's `commitOutput` (written before the run counts as succeeded). A failure of either fails the
 * run with its cause; nothing here throws.
 */
export async function persistOutcome(
  runs: RunStore,
  runId: string,
  outcome: ExecutionOutcome,
  resumed: boolean,
  commitOutput: ((output: unknown) => void | Promise<void>) | undefined,
): Promise<PersistedOutcome> {
  let fault: WeftError | undefined;
  if (outcome.status === 'suspended') {
    try {
      await runs.saveSnapshot(runId, outcome.snapshot);
    } catch (e) {
      fault = toWeftError(e, 'NOT_SERIALIZABLE');
    }
  } else if (resumed) {
    await runs.deleteSnapshot(runId).catch(() => undefined);
  }
  if (outcome.status === 'succeeded' && commitOutput) {
    try {
      await commitOutput(outcome.output);
    } catch (e) {
      fault = toWeftError(e, 'INTERNAL');
    }
  }
  const status: RunStatus = fault ? 'failed' : outcome.status;
  const error =
    fault ??
    (outcome.status === 'failed' || outcome.status === 'cancelled' || outcome.status === 'timedOut'
      ? outcome.error
      : undefined);
  return {
    status,
    error,
    output: outcome.status === 'succeeded' && !fault ? outcome.output : undefined,
    suspended: outcome.status === 'suspended' && !fault ? outcome.reasons : null,
  };
}
