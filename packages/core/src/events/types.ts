import type { SerializedError } from '../errors/weft-error.js';
import type { RunMetrics } from './metrics.js';

/** Terminal (or paused) status of a run. */
export type RunStatus = 'succeeded' | 'failed' | 'cancelled' | 'timedOut' | 'suspended';

/** Fields every event carries. `path` is the sub-pipeline path ([] at top level). */
export interface EventBase {
  readonly runId: string;
  /** Strictly increasing per run stream, from 1. */
  readonly seq: number;
  /** Clock time in ms. */
  readonly time: number;
  readonly path: readonly string[];
}

/** Event payloads, discriminated by `type`. */
export type EventBody =
  | {
      readonly type: 'run.start';
      readonly pipeline: string;
      readonly planId: string;
      readonly orchestrator: string;
      readonly resumed: boolean;
    }
  | {
      readonly type: 'run.finish';
      readonly status: RunStatus;
      readonly durationMs: number;
      readonly error?: SerializedError;
      readonly metrics: RunMetrics;
    }
  | {
      readonly type: 'run.suspend';
      readonly reasons: readonly {
        readonly step: string;
        readonly reason: string;
        readonly data?: unknown;
      }[];
    }
  | { readonly type: 'run.cancel'; readonly reason: string }
  | { readonly type: 'run.timeout'; readonly timeoutMs: number }
  | {
      readonly type: 'step.start';
      readonly step: string;
      readonly invocation: number;
      readonly attempt: number;
    }
  | {
      readonly type: 'step.end';
      readonly step: string;
      readonly invocation: number;
      readonly attempt: number;
      readonly durationMs: number;
      readonly output: unknown;
    }
  /**
   * `index` is set for a map item's attempt that will be retried (the invocation is then the map's). An
   * item's final failure is its `map.item` with `ok: false`; the map then ends with one `step.error`.
   */
  | {
      readonly type: 'step.error';
      readonly step: string;
      readonly invocation: number;
      readonly attempt: number;
      readonly error: SerializedError;
      readonly willRetry: boolean;
      readonly index?: number;
    }
  /** `index` is set for one map item's retry. */
  | {
      readonly type: 'step.retry';
      readonly step: string;
      readonly invocation: number;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
      readonly index?: number;
    }
  /** `invocation` is set when the step ran and returned skip() (it closes that invocation). */
  | {
      readonly type: 'step.skip';
      readonly step: string;
      readonly reason: string;
      readonly cached?: boolean;
      readonly invocation?: number;
    }
  | {
      readonly type: 'token';
      readonly step: string;
      readonly invocation: number;
      readonly tokens: readonly unknown[];
    }
  | {
      readonly type: 'checkpoint';
      readonly step: string;
      readonly invocation: number;
      readonly value: unknown;
    }
  | { readonly type: 'state.update'; readonly step: string; readonly keys: readonly string[] }
  | {
      readonly type: 'barrier.wait';
      readonly step: string;
      readonly from: string;
      readonly arrived: number;
      readonly expected: number;
    }
  | {
      readonly type: 'barrier.release';
      readonly step: string;
      readonly join: 'all' | 'any';
      readonly arrived: readonly string[];
      readonly waitedMs: number;
      readonly skipped: boolean;
    }
  | {
      readonly type: 'barrier.timeout';
      readonly step: string;
      readonly arrived: readonly string[];
      readonly missing: readonly string[];
    }
  /** Map events carry the invocation of the map (its `step.start`). */
  | {
      readonly type: 'map.start';
      readonly step: string;
      readonly invocation: number;
      readonly total: number | null;
    }
  /** `error` and `attempt` are set when the item failed for good (`ok: false`). */
  | {
      readonly type: 'map.item';
      readonly step: string;
      readonly invocation: number;
      readonly index: number;
      readonly ok: boolean;
      readonly cached?: boolean;
      readonly error?: SerializedError;
      readonly attempt?: number;
    }
  | {
      readonly type: 'map.complete';
      readonly step: string;
      readonly invocation: number;
      readonly count: number;
      readonly failed: number;
    }
  | { readonly type: 'warning'; readonly code: string; readonly message: string; readonly step?: string };

/** One event of a run's ordered stream. */
export type RunEvent = EventBase & EventBody;

/** The event type names. */
export type EventType = EventBody['type'];

/** The event of a given type. */
export type EventOf<T extends EventType> = Extract<RunEvent, { type: T }>;

/** An observer: called synchronously, in order, for every event of the run. */
export interface Observer {
  onEvent(event: RunEvent): void;
}
