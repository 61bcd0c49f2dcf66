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

/** A worker of a distributed mode (bullmq): slots and heartbeat. */
export interface WorkerEntry {
  readonly id: string;
  readonly host: string;
  readonly slots: number;
  readonly busy: number;
  readonly heartbeatAt: number;
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
    | { readonly page: 'workers'; readonly workers: readonly WorkerEntry[] | null }
    | { readonly page: 'not-found'; readonly message: string }
  );
