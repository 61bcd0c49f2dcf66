import type { ExecutionPlan, RunEvent } from '@weft/core';
import { DashboardFold, type RunSnapshot } from '../shared/dashboard-fold.js';

/**
 * A run's snapshot at event `at` (default: every event given): what the run page boots from, after
 * which it follows the event stream from `view.lastSeq`. For a run the service keeps open, keep a
 * {@link DashboardFold} instead and fold only the new events.
 * @example
 * const snap = runSnapshot(await store.events.read(runId, 0), plan);
 * snap.view.lastSeq; // the event to follow the stream after
 */
export function runSnapshot(events: Iterable<RunEvent>, plan?: ExecutionPlan, at = Infinity): RunSnapshot {
  const fold = new DashboardFold(plan);
  for (const e of events) {
    if (e.seq > at) break;
    fold.apply(e);
  }
  return fold.snapshot;
}
