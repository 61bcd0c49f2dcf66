/**
 * @weft/dashboard: the dashboard page served at `/ui` by `weft serve`, and the server-side pieces it
 * needs, as plain functions the service mounts: the page's HTML with its boot data, the built assets,
 * graph layouts of plans (ELK in a worker thread, cached per plan id), run snapshots at event n, and
 * the fold that continues them.
 */
export {
  renderDashboardPage,
  dashboardAssets,
  DASHBOARD_CSP,
  type DashboardAssets,
} from './server/dashboard-page.js';
export { PlanLayouts, type PlanLayoutsOptions } from './server/plan-layouts.js';
export { fallbackLayout } from './server/fallback-layout.js';
export { runSnapshot } from './server/run-snapshot.js';
export {
  DashboardPages,
  type DashboardSource,
  type DashboardPagesOptions,
  type DashboardAccess,
  type DashboardResponse,
} from './server/dashboard-pages.js';
export { RunFolds } from './server/run-folds.js';
export { RunFeed, type RunChange } from './server/run-feed.js';
export { streamRunFeed, type RunFeedStreamOptions } from './server/run-feed-stream.js';
export { runSummary } from './server/run-summary.js';
export {
  dashboardRoutes,
  type DashboardRoutesOptions,
  type MountApp,
  type MountContext,
  type MountReply,
  type MountRequest,
  type MountRouteOptions,
} from './server/dashboard-routes.js';
export { DashboardFold, CHANGED, type RunSnapshot } from './shared/dashboard-fold.js';
export { TimelineBuilder, SPAN_STATUS, MARK_KIND, type TimelineData } from './shared/timeline-builder.js';
export { ErrorGroups, type ErrorGroup, type ErrorSample } from './shared/error-groups.js';
export { TokenLog, type TokenText } from './shared/token-log.js';
export { OutputPreviews, type OutputPreview } from './shared/output-previews.js';
export type { PlanLayout, LayoutNode, LayoutEdge } from './shared/plan-layout.js';
export type { Boot, BootBase, RunSummary, PipelineEntry, WorkerEntry } from './shared/boot.js';
