import { isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { WeftError, didYouMean } from '@weft/core';
import type { PluginSpec } from '@weft/core/plugin';
import { serveConfigSchema, type Scope } from './config-schema.js';

/** Where runs and events are kept: in memory (the default), or a SQLite file. */
export type StoreSetting =
  | { readonly kind: 'memory'; readonly maxEventsPerRun?: number }
  | { readonly kind: 'sqlite'; readonly path: string };

/** Quotas of one tenant. */
export interface TenantLimits {
  /** Runs of the tenant active at once (execute, start, stream, resume); over it: 429. */
  readonly maxActiveRuns: number;
  /** Runs started (or resumed) per rolling minute; over it: 429 with `Retry-After`. */
  readonly startsPerMinute: number;
  /** Open SSE connections; over it: 429. */
  readonly maxStreams: number;
}

/** A configured bearer token: only its SHA-256 is kept. */
export interface TokenEntry {
  readonly name?: string;
  /** Hex SHA-256 of the token. */
  readonly sha256: string;
  readonly tenant: string;
  readonly scopes: readonly Scope[];
}

/** The configuration as written (`.weft/serve.json`); every key optional. See README "Configuration". */
export interface ServeConfig {
  readonly $schema?: string;
  readonly listen?: { readonly host?: string; readonly port?: number };
  /** The deployment's orchestration mode (default `workers`): checked at start against the registry. */
  readonly orchestrationMode?: string;
  /** Whether a request may name another mode than the default (default false: 403). */
  readonly allowRequestOrchestrationModeOverride?: boolean;
  /** Options per mode, passed to the backend (e.g. `{ "workers": { "threads": 4 } }`). */
  readonly orchestrators?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** What `/v1/start` needs of a backend: `detached` (default) or `durable`. */
  readonly start?: { readonly requires?: 'detached' | 'durable' };
  /** Pipeline files (`.json`, or `module.js[#export]`), relative to the configuration file, optionally with a JSON Schema of the input. */
  readonly pipelines?: readonly (string | PipelineEntry)[];
  readonly plugins?: readonly PluginSpec[];
  readonly store?: StoreSetting;
  /** Bearer tokens; without `auth` the service listens on loopback only. */
  readonly auth?: { readonly tokens: readonly TokenEntry[] };
  readonly limits?: Partial<ServeLimits>;
  /** Quotas per tenant name; `"*"` is the default of every tenant. */
  readonly tenants?: Readonly<Record<string, Partial<TenantLimits>>>;
  /** How long shutdown waits for runs and executes before cancelling them (default 10,000 ms). */
  readonly shutdownGraceMs?: number;
}

/** A pipeline file with the JSON Schema its input must match (checked before a run starts: 400). */
export interface PipelineEntry {
  readonly path: string;
  readonly inputSchema?: Readonly<Record<string, unknown>>;
}

/** Request and stream limits. */
export interface ServeLimits {
  /** Largest request body (default 1 MiB): over it, 413. */
  readonly bodyBytes: number;
  /** Deepest JSON nesting of a body (default 64): over it, 400. */
  readonly jsonDepth: number;
  /** Cap of `waitMs` on `GET /v1/runs/{id}/result` (default 60,000). */
  readonly resultWaitMaxMs: number;
  /** Heartbeat comment period on SSE streams (default 15,000 ms). */
  readonly sseHeartbeatMs: number;
  /** Bytes an SSE connection may have unsent before it stops reading the log (default 1 MiB). */
  readonly sseBufferBytes: number;
  /** How long an `Idempotency-Key` answer is kept (default 24 h). */
  readonly idempotencyTtlMs: number;
  /** Most keys kept per service (oldest dropped first; default 10,000). */
  readonly idempotencyMaxKeys: number;
}

/** The configuration with every default filled in, paths absolute. */
export interface ResolvedServeConfig {
  readonly listen: { readonly host: string; readonly port: number };
  readonly orchestrationMode: string;
  readonly allowRequestOrchestrationModeOverride: boolean;
  readonly orchestrators: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly start: { readonly requires: 'detached' | 'durable' };
  readonly pipelines: readonly {
    readonly target: string;
    readonly inputSchema: Readonly<Record<string, unknown>> | null;
  }[];
  readonly plugins: readonly PluginSpec[];
  readonly store: StoreSetting;
  readonly auth: { readonly tokens: readonly TokenEntry[] } | null;
  readonly limits: ServeLimits;
  readonly tenants: {
    readonly default: TenantLimits;
    readonly named: Readonly<Record<string, TenantLimits>>;
  };
  readonly shutdownGraceMs: number;
  /** Directory relative paths are resolved against (the configuration file's). */
  readonly baseDir: string;
}

/** The defaults. */
export const DEFAULT_LIMITS: ServeLimits = {
  bodyBytes: 1024 * 1024,
  jsonDepth: 64,
  resultWaitMaxMs: 60_000,
  sseHeartbeatMs: 15_000,
  sseBufferBytes: 1024 * 1024,
  idempotencyTtlMs: 24 * 3600_000,
  idempotencyMaxKeys: 10_000,
};

/** The default quotas of a tenant. */
export const DEFAULT_TENANT_LIMITS: TenantLimits = {
  maxActiveRuns: 50,
  startsPerMinute: 600,
  maxStreams: 100,
};

/** The default port of `weft serve`. */
export const DEFAULT_PORT = 8742;

let validator: ReturnType<Ajv2020['compile']> | undefined;

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Checks a configuration document and fills in every default, once. Every problem is listed in one
 * CONFIG_INVALID (with a "did you mean" for unknown keys). Without `auth`, a host that is not
 * loopback is refused: an open service must authenticate.
 * @example
 * const config = resolveServeConfig({ orchestrationMode: 'direct' }, process.cwd());
 */
export function resolveServeConfig(
  raw: unknown,
  baseDir: string,
  source = 'configuration',
): ResolvedServeConfig {
  validator ??= new Ajv2020({ allErrors: true, strict: false }).compile(serveConfigSchema);
  if (!validator(raw)) {
    const problems = dedupe((validator.errors ?? []).map(describe));
    throw new WeftError('CONFIG_INVALID', `${source} is invalid:\n  ${problems.join('\n  ')}`, {
      data: { problems },
    });
  }
  const c = raw as ServeConfig;
  const host = c.listen?.host ?? '127.0.0.1';
  if (!c.auth && !isLoopback(host)) {
    throw new WeftError(
      'CONFIG_INVALID',
      `${source}: listen.host "${host}" is not loopback and no auth is configured; an open service must authenticate (add auth.tokens) or listen on 127.0.0.1`,
      { data: { problems: [`/listen/host: not loopback without auth`] } },
    );
  }
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const tenants = c.tenants ?? {};
  const base = { ...DEFAULT_TENANT_LIMITS, ...tenants['*'] };
  const named: Record<string, TenantLimits> = {};
  for (const [k, v] of Object.entries(tenants)) if (k !== '*') named[k] = { ...base, ...v };
  return {
    listen: { host, port: c.listen?.port ?? DEFAULT_PORT },
    orchestrationMode: c.orchestrationMode ?? 'workers',
    allowRequestOrchestrationModeOverride: c.allowRequestOrchestrationModeOverride ?? false,
    orchestrators: c.orchestrators ?? {},
    start: { requires: c.start?.requires ?? 'detached' },
    pipelines: (c.pipelines ?? []).map((p) => {
      const path = typeof p === 'string' ? p : p.path;
      const hash = path.lastIndexOf('#');
      const target = hash > 0 ? at(path.slice(0, hash)) + path.slice(hash) : at(path);
      return { target, inputSchema: typeof p === 'string' ? null : (p.inputSchema ?? null) };
    }),
    plugins: c.plugins ?? [],
    store:
      c.store?.kind === 'sqlite'
        ? { kind: 'sqlite', path: at(c.store.path) }
        : (c.store ?? { kind: 'memory' }),
    auth: c.auth ? { tokens: c.auth.tokens } : null,
    limits: { ...DEFAULT_LIMITS, ...c.limits },
    tenants: { default: base, named },
    shutdownGraceMs: c.shutdownGraceMs ?? 10_000,
    baseDir,
  };
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') {
    const key = (e.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys(propertiesAt(e.schemaPath));
    const guess = didYouMean(key, known);
    return `${where}: unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`;
  }
  if (e.keyword === 'enum')
    return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${where}: ${e.message ?? 'is invalid'}`;
}

/** The `properties` of the schema object an Ajv schemaPath (`#/properties/listen/additionalProperties`) points into. */
function propertiesAt(schemaPath: string): Record<string, unknown> {
  let node: unknown = serveConfigSchema;
  const parts = schemaPath.replace(/^#\//, '').split('/').slice(0, -1);
  for (const p of parts) node = (node as Record<string, unknown> | undefined)?.[decodeURIComponent(p)];
  const props = (node as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ?? {};
}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
