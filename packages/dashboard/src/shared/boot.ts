import type { ExecutionPlan } from '@weft/core';
import type { RunSnapshot } from './dashboard-fold.js';
import type { PlanLayout } from './plan-layout.js';

/** A run in the list (the service's run summary, the fields the page reads). */
export interface RunSummary {
  readonly runId: string;
  readonly pipeline: string;
  readonly planId?: string;
  readonly status: string;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly orchestrationMode: string | null;
  readonly tenant: string | null;
  readonly sessions: number;
  readonly lastSeq: number;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** A registered pipeline with its drawing. */
export interface PipelineEntry {
  readonly name: string;
  readonly planId: string;
  readonly nodes: number;
  readonly layout: PlanLayout | null;
}

/**
 * A live worker process of a distributed orchestration mode (a `weft worker` of bullmq), as the
 * mode's plugin lists it (`GET /v1/workers` of weft serve: only workers whose heartbeat is current).
 */
export interface WorkerEntry {
  /** The orchestration mode (e.g. `bullmq`). */
  readonly orchestrator: string;
  readonly id: string;
  readonly name: string | null;
  readonly host: string | null;
  readonly pid: number | null;
  /** Threads of its pool (CPU slots). */
  readonly threads: number | null;
  readonly version: string | null;
  /** When it started (epoch ms), if it said. */
  readonly startedAt: number | null;
}

/** Where the page finds the API (`/v1` by default) and the UI (`/ui`). */
export interface BootBase {
  readonly api: string;
  readonly ui: string;
}

/**
 * The data a page boots from, inlined in the HTML as a JSON block: one request paints the page, then
 * the page follows server-sent events.
 */
export type Boot = BootBase &
  (
    | {
        readonly page: 'runs';
        readonly runs: readonly RunSummary[];
        /** The runs feed's last change id before the list was read: the stream resumes after it. */
        readonly feedId?: number;
      }
    | {
        readonly page: 'run';
        readonly run: RunSummary;
        readonly plan: ExecutionPlan | null;
        readonly layout: PlanLayout | null;
        readonly snapshot: RunSnapshot;
      }
    | { readonly page: 'pipelines'; readonly pipelines: readonly PipelineEntry[] }
    | {
        readonly page: 'workers';
        /** Null: no distributed mode lists workers. */
        readonly workers: readonly WorkerEntry[] | null;
        /** The modes whose workers are listed. */
        readonly sources?: readonly string[];
        /** Why the list could not be read (the source's code and message), if it failed. */
        readonly error?: string;
      }
    | { readonly page: 'not-found'; readonly message: string }
  );
