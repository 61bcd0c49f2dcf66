import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionPlan } from '@weft/core';
import type { WorkerDescription, WorkerSource } from '@weft/core/plugin';
import type { RunRecord, Store } from '@weft/core/store';
import type { Boot, BootBase, WorkerEntry } from '../shared/boot.js';
import { dashboardAssets, renderDashboardPage } from './dashboard-page.js';
import { PlanLayouts } from './plan-layouts.js';
import type { RunFeed } from './run-feed.js';
import { RunFolds } from './run-folds.js';
import { runSummary } from './run-summary.js';

/** What the dashboard reads: the service's store, its registered pipelines and (optionally) workers. */
export interface DashboardSource {
  readonly store: Pick<Store, 'runs' | 'events'>;
  /** The pipelines registered at start-up, with their plans (the service's pipeline table). */
  pipelines(): Iterable<{ readonly name: string; readonly plan: ExecutionPlan }>;
  /**
   * The worker sources of the distributed modes (weft serve's plugins register them: bullmq lists
   * its `weft worker` processes); none or absent: no distributed mode is on.
   */
  readonly workerSources?: readonly WorkerSource[];
}

/** Options of {@link DashboardPages}. */
export interface DashboardPagesOptions {
  /** Where the page finds the API (default `/v1`). */
  readonly api?: string;
  /** Where the dashboard is mounted (default `/ui`). */
  readonly ui?: string;
  /** The layouts (default: a new {@link PlanLayouts}, closed by `close()`). */
  readonly layouts?: PlanLayouts;
  /** Run folds kept between page loads (default 32). */
  readonly maxRuns?: number;
  /** Runs listed on the runs page, newest first (default 200). */
  readonly runsListed?: number;
  /**
   * The runs feed the runs page follows (its last id goes in the boot data). With a feed, the fold
   * of every run that starts (or resumes) follows its events as they are logged, so its page is
   * ready at once even the first time (`followRuns: false` folds at page load only).
   */
  readonly feed?: RunFeed;
  readonly followRuns?: boolean;
}

/** Who asks: a tenant sees its own runs only; `null` (no auth, or an all-tenants token) sees all. */
export interface DashboardAccess {
  readonly tenant: string | null;
}

/** An answer to a GET under the dashboard's prefix: a page, or one of its assets. */
export interface DashboardResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

const ALL: DashboardAccess = { tenant: null };

/**
 * The dashboard's pages as plain request → response functions, for the service to mount under
 * `/ui` (no HTTP server of its own): `/ui/` (runs), `/ui/runs/{id}` (the run, its snapshot at the
 * log's last event inlined), `/ui/pipelines`, `/ui/workers`, `/ui/assets/*`. Plans are laid out
 * once per plan id off the main thread; one fold per run is kept, so reloading a long run's page
 * folds only the new events.
 * @example
 * const pages = new DashboardPages({ store, pipelines: () => table.list() });
 * await pages.warm(); // lay out the registered plans at start-up
 * const res = await pages.handle('/ui/runs/r-1'); // { status, headers, body }
 * await pages.close();
 */
export class DashboardPages {
  readonly layouts: PlanLayouts;
  readonly #source: DashboardSource;
  readonly #base: BootBase;
  readonly #folds: RunFolds;
  readonly #runsListed: number;
  readonly #ownLayouts: boolean;
  readonly #feed: RunFeed | null;
  readonly #unsubscribe: () => void;

  constructor(source: DashboardSource, options: DashboardPagesOptions = {}) {
    this.#source = source;
    this.#base = { api: options.api ?? '/v1', ui: options.ui ?? '/ui' };
    this.#ownLayouts = options.layouts === undefined;
    this.layouts = options.layouts ?? new PlanLayouts();
    this.#folds = new RunFolds(source.store.events, options.maxRuns ?? 32);
    this.#runsListed = options.runsListed ?? 200;
    this.#feed = options.feed ?? null;
    this.#unsubscribe =
      this.#feed && options.followRuns !== false
        ? this.#feed.subscribe((c) => {
            if (c.kind === 'gone') this.#folds.forget(c.runId);
            else if (c.kind === 'run' && c.run.status === 'running')
              this.#folds.follow(c.run.runId, this.#planOf(c.run.pipeline, c.run.planId ?? null));
          })
        : () => {};
  }

  /** Lays out every registered plan now, so no page waits for ELK. */
  async warm(): Promise<void> {
    await Promise.all([...this.#source.pipelines()].map((p) => this.layouts.layout(p.plan)));
  }

  /**
   * Answers a GET of `path` (with or without the query string) under the dashboard's prefix:
   * a page (200, or 404 with the not-found page) or an asset (404 when unknown).
   */
  async handle(path: string, access: DashboardAccess = ALL): Promise<DashboardResponse> {
    const ui = this.#base.ui;
    const p = path.split('?')[0]!;
    if (!p.startsWith(ui))
      return this.#page({ ...this.#base, page: 'not-found', message: 'No such page.' }, 404);
    const rest = p.slice(ui.length);
    if (rest === '' || rest === '/') return this.#page(await this.runsBoot(access));
    if (rest === '/pipelines') return this.#page(await this.pipelinesBoot());
    if (rest === '/workers') return this.#page(await this.workersBoot());
    const asset = /^\/assets\/([\w.-]+)$/.exec(rest);
    if (asset) return this.#asset(asset[1]!);
    const run = /^\/runs\/([^/]+)$/.exec(rest);
    if (run) {
      let id: string | null = null;
      try {
        id = decodeURIComponent(run[1]!);
      } catch {
        // a malformed escape names no run
      }
      const boot = id === null ? null : await this.runBoot(id, access);
      if (boot) return this.#page(boot);
      return this.#page({ ...this.#base, page: 'not-found', message: 'No such run.' }, 404);
    }
    return this.#page({ ...this.#base, page: 'not-found', message: 'No such page.' }, 404);
  }

  /** The boot data of the runs page: the runs the caller may see, newest first. */
  async runsBoot(access: DashboardAccess = ALL): Promise<Boot> {
    // Read before the list: a change made while the store answers is replayed, never lost.
    const feedId = this.#feed?.lastId;
    const page = await this.#source.store.runs.query({
      limit: this.#runsListed,
      ...(access.tenant !== null ? { tenant: access.tenant } : {}),
    });
    return {
      ...this.#base,
      page: 'runs',
      runs: page.runs.map(runSummary),
      ...(feedId !== undefined ? { feedId } : {}),
    };
  }

  /** The boot data of a run's page (its snapshot at the log's last event); null when the caller may not see it. */
  async runBoot(runId: string, access: DashboardAccess = ALL): Promise<Boot | null> {
    const rec = await this.#source.store.runs.get(runId);
    if (!rec || !visible(rec, access)) return null;
    const plan = this.#planOf(rec.pipeline, rec.planId);
    const [layout, snapshot] = await Promise.all([
      plan ? this.layouts.layout(plan) : Promise.resolve(null),
      this.#folds.snapshot(rec.runId, plan),
    ]);
    return { ...this.#base, page: 'run', run: runSummary(rec), plan, layout, snapshot };
  }

  /** The boot data of the pipelines page: every registered pipeline with its layout. */
  async pipelinesBoot(): Promise<Boot> {
    const pipelines = await Promise.all(
      [...this.#source.pipelines()].map(async (p) => ({
        name: p.name,
        planId: p.plan.id,
        nodes: Object.keys(p.plan.nodes).length,
        layout: await this.layouts.layout(p.plan),
      })),
    );
    return { ...this.#base, page: 'pipelines', pipelines };
  }

  /**
   * The boot data of the workers page: the workers every source lists now (null workers: no
   * distributed mode is on). A source that cannot answer (Redis down) is shown as an error on the
   * page, not a failed page.
   */
  async workersBoot(): Promise<Boot> {
    const sources = this.#source.workerSources ?? [];
    if (sources.length === 0) return { ...this.#base, page: 'workers', workers: null };
    const modes = sources.map((s) => s.orchestrator);
    try {
      const lists = await Promise.all(sources.map((s) => s.list()));
      const workers = sources.flatMap((s, i) => lists[i]!.map((w) => workerEntry(s.orchestrator, w)));
      return { ...this.#base, page: 'workers', workers, sources: modes };
    } catch (e) {
      const err = e as { code?: unknown; message?: unknown };
      const error = `${typeof err.code === 'string' ? err.code : 'ERROR'}: ${String(err.message ?? e)}`;
      return { ...this.#base, page: 'workers', workers: [], sources: modes, error };
    }
  }

  /** Drops a run's fold (after the run was deleted). */
  forget(runId: string): void {
    this.#folds.forget(runId);
  }

  /** Stops following runs, and the layout worker when this object made it. */
  async close(): Promise<void> {
    this.#unsubscribe();
    this.#folds.close();
    if (this.#ownLayouts) await this.layouts.close();
  }

  #planOf(pipeline: string, planId: string | null): ExecutionPlan | null {
    for (const p of this.#source.pipelines()) if (p.name === pipeline && p.plan.id === planId) return p.plan;
    return null;
  }

  #page(boot: Boot, status = 200): DashboardResponse {
    const page = renderDashboardPage(boot);
    return { status, headers: page.headers, body: page.html };
  }

  async #asset(name: string): Promise<DashboardResponse> {
    const a = dashboardAssets();
    if (name !== a.js && name !== a.css)
      return this.#page({ ...this.#base, page: 'not-found', message: 'No such file.' }, 404);
    return {
      status: 200,
      headers: {
        'content-type': name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
      },
      body: await readFile(join(a.dir, name)),
    };
  }
}

const visible = (rec: RunRecord, access: DashboardAccess): boolean =>
  access.tenant === null || access.tenant === (rec.tenant ?? null);

function workerEntry(orchestrator: string, w: WorkerDescription): WorkerEntry {
  const started = w.startedAt === undefined ? NaN : Date.parse(w.startedAt);
  return {
    orchestrator,
    id: w.id,
    name: w.name ?? null,
    host: w.host ?? null,
    pid: w.pid ?? null,
    threads: w.threads ?? null,
    version: w.version ?? null,
    startedAt: Number.isFinite(started) ? started : null,
  };
}
