import type { ServerResponse } from 'node:http';
import type { ExecutionPlan } from '@weft/core';
import type { Store } from '@weft/core/store';
import type { WorkerSource } from '@weft/core/plugin';
import { DashboardPages, type DashboardPagesOptions } from './dashboard-pages.js';
import type { RunFeed } from './run-feed.js';
import { streamRunFeed } from './run-feed-stream.js';

/** The request fields the dashboard's routes read (a Fastify request has them; `principal` is @weft/serve's). */
export interface MountRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: unknown;
  readonly principal?: { readonly tenant: string | null } | null;
}

/** The reply methods the dashboard's routes use (a Fastify reply has them). */
export interface MountReply {
  code(status: number): MountReply;
  headers(values: Record<string, string>): MountReply;
  send(body: string | Buffer): unknown;
  hijack(): void;
  readonly raw: ServerResponse;
}

/** Route options: hidden from the OpenAPI document, authenticated like `GET /v1/runs` (scope `runs:read`). */
export interface MountRouteOptions {
  readonly schema: { readonly hide: true };
  readonly config: { readonly scope: 'runs:read' };
}

/** What the dashboard needs of the app it is mounted on (a Fastify instance has it). */
export interface MountApp {
  get(
    path: string,
    opts: MountRouteOptions,
    handler: (request: MountRequest, reply: MountReply) => unknown,
  ): unknown;
  addHook(name: 'onClose', hook: () => Promise<void>): unknown;
}

/** What the dashboard needs of the service (its `ServiceContext` has it). */
export interface MountContext {
  readonly store: Pick<Store, 'runs' | 'events'>;
  readonly pipelines: { list(): Iterable<{ readonly name: string; readonly plan: ExecutionPlan }> };
  /** The plugins' worker sources (what `GET /v1/workers` lists), shown on the workers page. */
  readonly workerSources?: readonly WorkerSource[];
}

/** Options of {@link dashboardRoutes}. */
export interface DashboardRoutesOptions extends Omit<DashboardPagesOptions, 'feed'> {
  /** The feed watching the service's store (`feed.watch(store)` is the store given to the service). */
  readonly feed: RunFeed;
}

/**
 * The dashboard as a route mount of `weft serve` (`startServer({ routes: [dashboardRoutes({ feed })] })`):
 * `GET /ui` and `/ui/*` (the pages and their assets, from {@link DashboardPages}) and
 * `GET /v1/runs/events` (the runs list's stream, {@link streamRunFeed}), all behind the service's auth
 * hook with scope `runs:read` (a tenant sees its own runs), none in the OpenAPI document. The
 * registered plans are laid out before the service listens; the layout worker stops with the app.
 * @example
 * const feed = new RunFeed();
 * const server = await startServer({ store: feed.watch(memoryStore()), routes: [dashboardRoutes({ feed })] });
 */
export function dashboardRoutes(options: DashboardRoutesOptions) {
  return async (app: MountApp, ctx: MountContext): Promise<void> => {
    const { feed, ...rest } = options;
    const pages = new DashboardPages(
      {
        store: ctx.store,
        pipelines: () => ctx.pipelines.list(),
        ...(ctx.workerSources ? { workerSources: ctx.workerSources } : {}),
      },
      { ...rest, feed },
    );
    await pages.warm();
    app.addHook('onClose', () => pages.close());
    const ui = options.ui ?? '/ui';
    const api = options.api ?? '/v1';
    const route: MountRouteOptions = { schema: { hide: true }, config: { scope: 'runs:read' } };
    const page = async (request: MountRequest, reply: MountReply): Promise<unknown> => {
      const r = await pages.handle(request.url, { tenant: request.principal?.tenant ?? null });
      return reply
        .code(r.status)
        .headers({ ...r.headers })
        .send(r.body);
    };
    app.get(ui, route, page);
    app.get(`${ui}/*`, route, page);
    app.get(`${api}/runs/events`, route, (request, reply) => {
      const header = request.headers['last-event-id'];
      const query = (request.query ?? {}) as { after?: unknown };
      const raw = typeof header === 'string' ? header : typeof query.after === 'string' ? query.after : null;
      const after = raw !== null && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
      const access = { tenant: request.principal?.tenant ?? null };
      reply.hijack();
      void streamRunFeed(reply.raw, feed, {
        after,
        access,
        list: async () => {
          const boot = await pages.runsBoot(access);
          return boot.page === 'runs' ? boot.runs : [];
        },
      });
    });
  };
}
