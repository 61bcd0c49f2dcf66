import type { SerializedError } from '../errors/weft-error.js';
import type { RunMetrics } from '../events/metrics.js';
import type { RunStatus } from '../events/types.js';
import type { RunSnapshot } from '../runtime/snapshot.js';

/** What a store keeps about one run. */
export interface RunRecord {
  readonly runId: string;
  readonly pipeline: string;
  readonly module: string | null;
  readonly planId: string;
  readonly status: RunStatus | 'running';
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: SerializedError;
  readonly metrics?: RunMetrics;
}

/**
 * Where runs and suspended snapshots are kept. The in-memory store is the default for embedding;
 * durable stores (SQLite, in the CLI) implement the same interface.
 */
export interface RunStore {
  put(record: RunRecord): Promise<void>;
  get(runId: string): Promise<RunRecord | undefined>;
  list(): Promise<RunRecord[]>;
  saveSnapshot(runId: string, snapshot: RunSnapshot): Promise<void>;
  loadSnapshot(runId: string): Promise<RunSnapshot | undefined>;
  deleteSnapshot(runId: string): Promise<void>;
}
