// The shapes of the `weft --json` results and of the files a run writes, as the e2e tests read them
// (only the fields some test reads; the type arguments of weftJson and the casts of JSON.parse).
import { readFileSync } from 'node:fs';
import type { JsonObject } from './cli.js';

/** Reads a JSON file a run (or a command) wrote, as the `T` the test expects it to hold. */
export function readJson<T = JsonObject>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Cache counts of a run (`result.cached`). */
export interface Cached {
  readonly steps: number;
  readonly items: number;
}

/** The threads and memory cap of a run (`result.limits`). */
export interface RunLimits {
  readonly orchestrator: string;
  readonly threads: number;
  readonly cores: number;
  readonly memoryCapMb: number;
  readonly memoryCapFrom: string;
}

/** The catalogue report of a run, a graph or `init` (`result.catalogue`). */
export interface CatalogueReport extends JsonObject {
  readonly source: string;
  readonly location: string;
  readonly snapshotAt: string;
  readonly processors: readonly { readonly path: string; readonly ref: string; readonly module: string }[];
}

/** The result of `weft run` / `weft resume`. `O` is the output the test expects. */
export interface RunResult<O = unknown> {
  readonly runId: string;
  readonly status: string;
  readonly output: O;
  readonly cached: Cached;
  readonly limits: RunLimits;
  readonly files: { readonly output: string | null; readonly metrics: string; readonly audit: string };
  /** Absent for a pipeline that names no catalogue processors. */
  readonly catalogue: CatalogueReport;
  readonly network: unknown;
}

/** One step of `weft runs <id>`. */
export interface StepRow extends JsonObject {
  readonly step: string;
  readonly status: string;
}

/** One session of `weft runs <id>`. */
export interface SessionRow extends JsonObject {
  readonly session: number;
  readonly kind: string;
  readonly status: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly steps: readonly StepRow[];
}

/** The result of `weft runs <id>`. */
export interface RunShown {
  readonly status: string;
  readonly steps: readonly StepRow[];
  readonly sessions: readonly SessionRow[];
}

/** The result of `weft runs`. */
export interface RunList {
  readonly runs: readonly { readonly runId: string; readonly status: string }[];
}

/** `error.data` of a validation error: the problems found. */
export interface ProblemsData<P = { readonly path: string; readonly message: string }> {
  readonly problems: readonly P[];
}

/** The `metrics.json` a run writes (the fields the tests read). */
export interface MetricsFile extends JsonObject {
  readonly orchestrator: string;
  readonly extra: JsonObject;
}

/** A `package.json` (the fields the tests read). */
export interface PackageJson {
  readonly name: string;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}
