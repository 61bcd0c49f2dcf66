/** The RunView's shapes: what `RunViewFold` (run-view.ts) folds a run's events into. Plain data. */
import type { RunStatus } from './types.js';

/** What a node is doing or how it ended, as a dashboard shows it. */
export type NodeState =
  'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'suspended' | 'cancelled';

/** The last error of a node: its code, message and stack, which attempt of which invocation. */
export interface NodeError {
  readonly code: string;
  readonly message: string;
  readonly stack?: string;
  readonly invocation: number;
  readonly attempt: number;
  /** Set for a map item's error. */
  readonly index?: number;
  readonly willRetry: boolean;
}

/** The folded state of one node (a step, map, switch or sub). */
export interface NodeView {
  state: NodeState;
  /** Invocations started (first attempts). */
  invocations: number;
  /** Attempts started (retries included). */
  attempts: number;
  /** Invocations running now. */
  running: number;
  succeeded: number;
  failed: number;
  skipped: number;
  retries: number;
  tokens: number;
  /** Maps: items over every invocation of the map (`total` null while a map's size is unknown). */
  items: { total: number | null; done: number; failed: number; cached: number } | null;
  /** Joins: parents arrived of those expected, by the last barrier event. */
  join: { arrived: number; expected: number; released: boolean; timedOut: boolean } | null;
  lastError: NodeError | null;
  /** Why it suspended (state `suspended`). */
  suspend: { reason: string; data?: unknown } | null;
  /** Event times (ms): the first start and the last end of any invocation. */
  firstStartedAt: number | null;
  lastEndedAt: number | null;
  /** Sub-pipelines: the nodes of the inner pipeline, by name. */
  children: Record<string, NodeView> | null;
}

/** An edge of the plan that a run followed, with how many times. */
export interface EdgeTaken {
  readonly path: readonly string[];
  readonly from: string;
  readonly to: string;
  count: number;
}

/** The whole fold. */
export interface RunView {
  runId: string | null;
  pipeline: string | null;
  planId: string | null;
  orchestrator: string | null;
  status: 'pending' | 'running' | RunStatus;
  /** Sessions seen: the first start, then each resume. */
  sessions: number;
  /** The `seq` of the last event folded: a snapshot "at event n" (follow the stream after it). */
  lastSeq: number;
  events: number;
  tokens: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  suspended: { step: string; reason: string; data?: unknown }[];
  nodes: Record<string, NodeView>;
  edges: EdgeTaken[];
}
