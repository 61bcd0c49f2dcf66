import type { FastifyInstance } from 'fastify';
import {
  WeftError,
  isPipeline,
  systemClock,
  type Clock,
  type OrchestratorRegistry,
  type Pipeline,
} from '@weft/core';
import { createRegistry } from '@weft/actors';
import { loadPlugins, type LoadedPlugins } from '@weft/core/plugin';
import type { Store } from '@weft/core/store';
import { buildApp, type RouteMount } from './app.js';
import { BearerAuth } from './auth/bearer-auth.js';
import { resolveServeConfig, type ResolvedServeConfig, type ServeConfig } from './config/resolve-config.js';
import { silentLogger, type ServeLogger, type ServiceContext } from './context.js';
import { IdempotencyCache } from './http/idempotency.js';
import { loadPipelineFile, type PipelineLoader } from './pipelines/load-pipeline-file.js';
import { PipelineTable, type PipelineRegistration } from './pipelines/pipeline-table.js';
import { TenantQuotas } from './quotas/tenant-quotas.js';
import { RunService } from './runs/run-service.js';
import { RunViews } from './runs/run-views.js';
import { StreamRegistry } from './sse/stream-registry.js';
import { isOwnerAlive } from '@weft/store';
import { openStore } from './store/open-store.js';

/** How to start a service. Only `config` is usually needed; the rest is for embedders and tests. */
export interface ServeOptions {
  /** The configuration document (as in `.weft/serve.json`). Default `{}`. */
  readonly config?: ServeConfig;
  /** Where relative paths of the configuration are resolved (its file's directory). Default: the working directory. */
  readonly baseDir?: string;
  /** Overrides of `listen` (the CLI's --host and --port). */
  readonly host?: string;
  readonly port?: number;
  /** More pipelines: objects, registrations with an input schema, or files (the CLI's positional arguments). */
  readonly pipelines?: readonly (Pipeline | PipelineRegistration | string)[];
  /** The store; default: opened from `config.store` (memory, or SQLite at a path). */
  readonly store?: Store | (() => Store | Promise<Store>);
  /** The orchestrator registry; default: `direct` and `workers` (@weft/actors), plus the plugins'. */
  readonly registry?: OrchestratorRegistry;
  /** Loads configured pipeline files; default: JSON specs and JS modules (the CLI adds catalogue processors). */
  readonly loadPipeline?: PipelineLoader;
  /** Imports plugin modules (default: a dynamic import). */
  readonly importPlugin?: (specifier: string) => Promise<unknown>;
  readonly clock?: Clock;
  readonly logger?: ServeLogger;
  /** More routes (the dashboard at `/ui`): see {@link RouteMount}. */
  readonly routes?: readonly RouteMount[];
  /** False: build everything but do not listen (tests use `app.inject`). Default true. */
  readonly listen?: boolean;
}

/** A running service. */
export interface WeftServer {
  /** `http://host:port` it listens on; null when not listening. */
  readonly url: string | null;
  readonly app: FastifyInstance;
  readonly context: ServiceContext;
  readonly config: ResolvedServeConfig;
  /**
   * Graceful shutdown: `/ready` answers 503 and new runs 503 at once; open streams get `shutdown`;
   * runs and blocking executes get `shutdownGraceMs`, then are cancelled; the store is flushed and
   * closed; the plugins closed. Idempotent.
   */
  close(): Promise<void>;
}

interface Closer {
  readonly name: string;
  readonly close: () => Promise<unknown> | unknown;
}

/**
 * Starts `weft serve`: configuration, plugins, registry, pipelines, store, engines, recovery of
 * interrupted runs, then listen. When any step fails, everything opened so far is closed in reverse
 * order before the error is thrown: no worker thread, handle or socket is left behind, and another
 * server can start in the same process.
 * @example
 * const server = await startServer({ config: { orchestrationMode: 'direct' }, pipelines: [hello] });
 * console.log(server.url); // http://127.0.0.1:8742
 * await server.close();
 */
export async function startServer(options: ServeOptions = {}): Promise<WeftServer> {
  const closers: Closer[] = [];
  const log = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  try {
    const base = options.config ?? {};
    const config = resolveServeConfig(
      {
        ...base,
        ...(options.host !== undefined || options.port !== undefined
          ? {
              listen: {
                ...base.listen,
                ...(options.host !== undefined ? { host: options.host } : {}),
                ...(options.port !== undefined ? { port: options.port } : {}),
              },
            }
          : {}),
      },
      options.baseDir ?? process.cwd(),
    );

    const plugins: LoadedPlugins = await loadPlugins(config.plugins, options.importPlugin);
    closers.push({
      name: 'plugins',
      close: async () => (await plugins.close()).forEach((f) => log.warn({}, f)),
    });

    const registry = options.registry ?? createRegistry();
    for (const entry of plugins.orchestrators) registry.register(entry);
    if (!registry.has(config.orchestrationMode)) {
      throw new WeftError(
        'CONFIG_INVALID',
        `orchestrationMode "${config.orchestrationMode}" names no registered backend; known: ${registry
          .list()
          .map((e) => e.name)
          .join(', ')}`,
        {
          data: {
            problems: ['/orchestrationMode: not registered'],
            known: registry.list().map((e) => e.name),
          },
        },
      );
    }

    const pipelines = new PipelineTable();
    const load = options.loadPipeline ?? loadPipelineFile;
    for (const p of config.pipelines)
      pipelines.add({ pipeline: await load(p.target), inputSchema: p.inputSchema, source: p.target });
    for (const p of options.pipelines ?? []) {
      if (typeof p === 'string') pipelines.add({ pipeline: await load(p), source: p });
      else if (isPipeline(p)) pipelines.add({ pipeline: p });
      else pipelines.add(p);
    }

    const store = options.store
      ? typeof options.store === 'function'
        ? await options.store()
        : options.store
      : await openStore(config.store);
    closers.push({ name: 'store', close: () => store.close() });

    const runs = new RunService({ store, registry, orchestratorOptions: config.orchestrators, clock });
    closers.push({
      name: 'engines',
      close: async () => (await runs.close()).forEach((f) => log.warn({}, f)),
    });
    await runs.warm(config.orchestrationMode);

    const interrupted = await store.runs.reconcile((owner) => isOwnerAlive(owner));
    if (interrupted.length > 0)
      log.warn({ runs: interrupted }, `${interrupted.length} interrupted run(s) found; resumable`);

    const ctx: ServiceContext = {
      config,
      policy: {
        default: config.orchestrationMode,
        allowOverride: config.allowRequestOrchestrationModeOverride,
        startRequires: config.start.requires,
      },
      modes: {
        has: (n) => registry.has(n),
        capabilities: (n) => registry.get(n).capabilities,
        names: () => registry.list().map((e) => e.name),
      },
      registry,
      pipelines,
      store,
      runs,
      views: new RunViews(store, pipelines),
      auth: config.auth ? new BearerAuth(config.auth.tokens) : null,
      quotas: new TenantQuotas(config.tenants, clock),
      idempotency: new IdempotencyCache(
        clock,
        config.limits.idempotencyTtlMs,
        config.limits.idempotencyMaxKeys,
      ),
      streams: new StreamRegistry(),
      mappers: plugins.httpErrorMappers,
      readiness: plugins.readinessChecks,
      workerSources: plugins.workerSources,
      clock,
      log,
      phase: 'starting',
    };

    const app = await buildApp(ctx, options.routes);
    closers.push({ name: 'http', close: () => app.close() });
    await app.ready();
    let url: string | null = null;
    if (options.listen !== false) {
      await app.listen({ host: config.listen.host, port: config.listen.port });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.listen.port;
      const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
      url = `http://${host}:${port}`;
    }
    ctx.phase = 'ready';

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        ctx.phase = 'draining';
        runs.stopAccepting();
        await ctx.streams.shutdown(1000);
        await runs.drain(config.shutdownGraceMs);
        await ctx.streams.shutdown(1000);
        await closeAll(closers, log);
        ctx.phase = 'closed';
      })());
    return { url, app, context: ctx, config, close };
  } catch (e) {
    await closeAll(closers, log);
    throw e;
  }
}

/** Closes in reverse order of opening; a failing closer does not stop the others. */
async function closeAll(closers: Closer[], log: ServeLogger): Promise<void> {
  for (const c of closers.splice(0).reverse()) {
    try {
      await c.close();
    } catch (e) {
      log.warn({ err: e }, `closing ${c.name} failed`);
    }
  }
}
