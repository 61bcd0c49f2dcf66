/**
 * The plugin seam: how a package outside the base (the `bullmq` orchestrator, say) adds an
 * orchestration mode, the HTTP answers for its error codes, readiness checks and CLI commands,
 * without the base importing its SDK. A plugin is named in configuration (`plugins: ["@weft/bullmq"]`
 * in `.weft/serve.json`, or `--plugin` on the CLI) and loaded with `import()`; its module's default
 * export (or named export `plugin`) is a {@link WeftPlugin}. Types only.
 */
import type { OrchestratorEntry } from '../orchestrator/types.js';

/** Maps a plugin's error codes to an HTTP answer (consulted before the base table, for these codes only). */
export interface HttpErrorMapper {
  readonly codes: readonly string[];
  readonly status: number;
  /** A problem+json `type` URI; default `urn:weft:error:<code>`. */
  readonly type?: string;
  /** Seconds for `Retry-After` (429 and 503 answers). */
  readonly retryAfterSeconds?: number;
}

/** The result of a readiness check: not ready makes `/ready` answer 503 with the reason. */
export type ReadinessResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** A command-line option of a plugin command (commander-style flags, e.g. `--redis <url>`). */
export interface CliOptionSpec {
  readonly flags: string;
  readonly description: string;
  readonly default?: string | number | boolean;
}

/** What a plugin command may write; exit codes follow the CLI: 0 ok, 1 failed, 2 usage/configuration. */
export interface CliCommandIo {
  out(text: string): void;
  err(text: string): void;
  readonly json: boolean;
  /** Aborted on SIGINT/SIGTERM: a long-running command (`weft worker`) shuts down gracefully. */
  readonly signal: AbortSignal;
}

/** A CLI command contributed by a plugin (how `weft worker` arrives with @weft/bullmq). */
export interface CliCommandSpec {
  readonly name: string;
  readonly description: string;
  readonly arguments?: readonly string[];
  readonly options: readonly CliOptionSpec[];
  action(
    args: readonly string[],
    options: Readonly<Record<string, unknown>>,
    io: CliCommandIo,
  ): Promise<number>;
}

/**
 * An option a plugin adds to `weft run` and `weft resume` for its orchestration mode (how
 * `--redis <url>` arrives with @weft/bullmq). Given on the command line, it sets
 * `orchestratorOptions[key]` when the run uses that mode; with another mode it is a usage error.
 */
export interface RunOptionSpec extends CliOptionSpec {
  /** The orchestration mode it applies to. */
  readonly orchestrator: string;
  /** The orchestrator option it sets. */
  readonly key: string;
  /** Converts the flag's value (throw a WeftError for a bad one); default: the string as given. */
  parse?(value: string): unknown;
}

/**
 * A worker process of a distributed orchestration mode, as `GET /v1/workers` of `weft serve` lists it.
 * A source may describe its workers with more fields (queues, slots...): they are passed through.
 */
export interface WorkerDescription {
  readonly id: string;
  readonly name?: string;
  readonly host?: string;
  readonly pid?: number;
  /** Threads of its pool (CPU slots). */
  readonly threads?: number;
  /** Version of the plugin it runs. */
  readonly version?: string;
  /** ISO 8601 time it started. */
  readonly startedAt?: string;
}

/**
 * Lists the live workers of a plugin's orchestration mode (how `GET /v1/workers` of `weft serve`
 * learns about `weft worker` processes without importing the plugin's SDK).
 */
export interface WorkerSource {
  /** The orchestration mode whose workers these are (e.g. `bullmq`). */
  readonly orchestrator: string;
  /**
   * The workers alive now. Answers or fails within a bounded time (the plugin keeps its own
   * deadline); a failure is a WeftError whose code the plugin maps (e.g. ORCHESTRATOR_UNAVAILABLE, 503).
   */
  list(): Promise<readonly WorkerDescription[]>;
}

/** What a plugin's `register` receives. */
export interface PluginRegistrar {
  orchestrator(entry: OrchestratorEntry): void;
  /** Lists the workers of a distributed mode (optional: registrars of entry points that list none may omit it). */
  workerSource?(source: WorkerSource): void;
  httpErrorMapper(mapper: HttpErrorMapper): void;
  readinessCheck(name: string, check: () => Promise<ReadinessResult>): void;
  cliCommand(command: CliCommandSpec): void;
  /** Adds a `weft run`/`weft resume` option (optional: registrars of entry points without runs may omit it). */
  runOption?(option: RunOptionSpec): void;
}

/** A plugin module's export. `close` runs at shutdown, in reverse order of registration. */
export interface WeftPlugin {
  readonly name: string;
  register(r: PluginRegistrar, options: Readonly<Record<string, unknown>>): void | Promise<void>;
  close?(): Promise<void>;
}
