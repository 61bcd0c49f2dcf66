import type { RunResult, SerializedError, WeftError } from '@weft/core';
import type { RunRecord } from '@weft/core/store';
import { toJsonValue } from '../http/to-json.js';

/** Links of a run, relative to the service root. */
export function runLinks(runId: string): { self: string; events: string; result: string } {
  const self = `/v1/runs/${encodeURIComponent(runId)}`;
  return { self, events: `${self}/events`, result: `${self}/result` };
}

/** The error summary of an answer: code, message, name and data; never a stack. */
export function errorBody(e: WeftError | SerializedError | undefined | null): {
  code: string;
  message: string;
  name: string;
  data?: unknown;
} | null {
  if (!e) return null;
  const data = toJsonValue(e.data) as Record<string, unknown> | undefined;
  return {
    code: e.code,
    message: e.message,
    name: e.name,
    ...(data && Object.keys(data).length > 0 ? { data } : {}),
  };
}

/** The answer body of a finished run (RunResult schema), from the engine's result. */
export function resultBody(
  r: RunResult,
  pipeline: string,
  mode: string | null,
  lastSeq?: number,
): Record<string, unknown> {
  const output = toJsonValue(r.output);
  return {
    runId: r.runId,
    status: r.status,
    pipeline,
    orchestrationMode: mode,
    ...(output !== undefined ? { output } : {}),
    error: errorBody(r.error),
    suspended: r.suspended.map((s) => ({
      step: s.step,
      reason: s.reason,
      ...(s.data !== undefined ? { data: toJsonValue(s.data) } : {}),
    })),
    durationMs: r.durationMs,
    ...(lastSeq !== undefined ? { lastSeq } : {}),
    links: runLinks(r.runId),
  };
}

/** The answer body of a finished run, from its stored record (and the suspend reasons of its log). */
export function recordResultBody(
  rec: RunRecord,
  suspended: readonly { step: string; reason: string; data?: unknown }[],
): Record<string, unknown> {
  const output = toJsonValue(rec.output);
  return {
    runId: rec.runId,
    status: rec.status,
    pipeline: rec.pipeline,
    orchestrationMode: rec.orchestrator ?? null,
    ...(output !== undefined ? { output } : {}),
    error: errorBody(rec.error),
    suspended: suspended.map((s) => ({
      ...s,
      ...(s.data !== undefined ? { data: toJsonValue(s.data) } : {}),
    })),
    durationMs:
      rec.metrics?.durationMs ?? (rec.finishedAt !== undefined ? rec.finishedAt - rec.startedAt : null),
    ...(rec.lastSeq !== undefined ? { lastSeq: rec.lastSeq } : {}),
    links: runLinks(rec.runId),
  };
}

/** A run as listed (RunSummary schema). */
export function summaryBody(rec: RunRecord): Record<string, unknown> {
  return {
    runId: rec.runId,
    pipeline: rec.pipeline,
    planId: rec.planId,
    status: rec.status,
    startedAt: rec.startedAt,
    finishedAt: rec.finishedAt ?? null,
    orchestrationMode: rec.orchestrator ?? null,
    tenant: rec.tenant ?? null,
    tags: rec.tags ?? [],
    sessions: rec.sessions ?? 1,
    lastSeq: rec.lastSeq ?? 0,
    error: errorBody(rec.error),
    links: runLinks(rec.runId),
  };
}

/** Statuses after which a run does nothing more on its own. */
export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timedOut']);
