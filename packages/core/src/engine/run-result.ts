import type { WeftError } from '../errors/weft-error.js';
import type { RunMetrics } from '../events/metrics.js';
import type { RunEvent, RunStatus } from '../events/types.js';

/** How a run ended. */
export interface RunResult<O = unknown> {
  readonly runId: string;
  readonly status: RunStatus;
  readonly output: O | undefined;
  readonly state: Readonly<Record<string, unknown>>;
  /** Outputs of every top-level step that completed. */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly error: WeftError | undefined;
  /** Why the run is suspended (status `suspended`). */
  readonly suspended: readonly { readonly step: string; readonly reason: string; readonly data?: unknown }[];
  readonly durationMs: number;
  readonly metrics: RunMetrics;
}

/** A run in progress. */
export interface RunHandle<O = unknown> {
  readonly runId: string;
  /**
   * Subscribes to the run's ordered event stream. Subscribe right after `start()` (same tick) to
   * receive every event; the stream ends after `run.finish`. A slow consumer slows the run.
   */
  events(): AsyncIterableIterator<RunEvent>;
  /** Resolves when the run ends, whatever its status (it never rejects for a failed run). */
  readonly result: Promise<RunResult<O>>;
  /** Cancels the run cooperatively. */
  cancel(reason?: string): void;
}
