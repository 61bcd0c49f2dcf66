import type { RunRecord } from '@weft/core/store';
import type { RunSummary } from '../shared/boot.js';

/**
 * A run record as the page lists it: the fields of the service's run summary (`GET /v1/runs`), so
 * the boot data of `/ui` and the runs stream carry the same shape.
 * @example const runs = (await store.runs.query({ limit: 100 })).runs.map(runSummary);
 */
export function runSummary(rec: RunRecord): RunSummary {
  return {
    runId: rec.runId,
    pipeline: rec.pipeline,
    planId: rec.planId,
    status: rec.status,
    startedAt: rec.startedAt,
    finishedAt: rec.finishedAt ?? null,
    orchestrationMode: rec.orchestrator ?? null,
    tenant: rec.tenant ?? null,
    sessions: rec.sessions ?? 1,
    lastSeq: rec.lastSeq ?? 0,
    error: rec.error ? { code: rec.error.code, message: rec.error.message } : null,
  };
}
