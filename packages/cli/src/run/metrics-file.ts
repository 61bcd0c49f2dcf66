import { statSync } from 'node:fs';
import type { RunResult } from '@weft/core';
import type { MemoStats } from '@weft/store';

/** Invocations answered from the store in one session. */
export interface CacheCounts {
  steps: number;
  items: number;
}

/** The per-run metrics file (`.weft/runs/<id>/metrics.json`). */
export function buildMetricsFile(
  result: RunResult,
  extra: {
    session: number;
    pipeline: string;
    cache: MemoStats;
    cached: CacheCounts;
    outputFile: string | null;
  },
): Record<string, unknown> {
  const m = result.metrics;
  let outputBytes: number | null = null;
  if (extra.outputFile) {
    try {
      outputBytes = statSync(extra.outputFile).size;
    } catch {
      outputBytes = null;
    }
  }
  const items: Record<string, { items: number; failed: number }> = { ...m.mapFanout };
  return {
    formatVersion: 1,
    runId: result.runId,
    session: extra.session,
    pipeline: extra.pipeline,
    status: result.status,
    durationMs: result.durationMs,
    orchestrator: m.orchestrator,
    tasks: m.tasks,
    queueDepthMax: m.queueDepthMax,
    steps: m.steps,
    items,
    barrierWaits: m.barrierWaits,
    cache: {
      hits: extra.cache.hits,
      misses: extra.cache.misses,
      stored: extra.cache.stored,
      staleFiles: extra.cache.staleFiles,
      cachedSteps: extra.cached.steps,
      cachedItems: extra.cached.items,
    },
    retries: m.retries,
    errors: { retryable: m.retryableErrors, fatal: m.fatalErrors },
    workerRestarts: m.workerRestarts,
    bytes: { moved: m.bytesMoved, output: outputBytes },
    tokens: m.tokens,
    events: m.events,
    extra: m.extra,
  };
}
