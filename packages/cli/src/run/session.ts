import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { engineTuning, loadTuningProfile } from '@weft/bench/tuning';
import {
  WeftError,
  type Engine,
  type EngineTuning,
  type RunEvent,
  type RunHandle,
  type RunOptions,
  type RunResult,
} from '@weft/core';
import { stepMemo, type Lock, type MemoStats, type Store } from '@weft/store';
import { writeFileAtomic } from '../util/atomic.js';
import { encodeOutput, type Json } from '../output/lossless-json.js';
import { prepareOutDir, writeOutput } from '../output/write-output.js';
import { exitCodeFor, failure, type Io, type Outcome } from '../util/output.js';
import { runDir } from '../util/project.js';
import type { RunSource } from '../store/open.js';
import { cliEngine } from './engine.js';
import { FailureTracker, placeError } from './failure-context.js';
import { guardMainThread, mayHoldMainThread } from './main-thread-guard.js';
import { describeLimits, resolveLimits, type RunLimits } from './limits.js';
import type { LoadedPipeline } from './load-pipeline.js';
import { buildMetricsFile, type CacheCounts } from './metrics-file.js';
import { TtyProgress } from './progress.js';
import { noteCatalogue } from '../catalogue/report.js';

/** How to run one session (one `weft run` or `weft resume` invocation) of a run. */
export interface SessionOptions {
  readonly root: string;
  readonly store: Store;
  readonly loaded: LoadedPipeline;
  readonly runId: string;
  readonly input: unknown;
  /**
   * `start`: a new run, or one that failed or was cancelled started again under its id;
   * `resume`: a suspended run, with `resumeValue`; `recover`: an interrupted run (its process died).
   * Completed invocations are answered by the memo (the cross-run cache, or with --no-cache the
   * run's own checkpoints).
   */
  readonly mode: 'start' | 'resume' | 'recover';
  readonly resumeValue?: unknown;
  readonly outDir: string | null;
  readonly orchestrator: string;
  readonly threads?: number;
  /** Heap cap of each worker in MB (`--max-memory`). */
  readonly maxMemoryMb?: number;
  /** Options for the orchestrator (from plugins' run options such as `--redis`). */
  readonly orchestratorOptions?: Readonly<Record<string, unknown>>;
  readonly cache: boolean;
  readonly offline: boolean;
  /** Print every event as a JSON line on stdout. */
  readonly events: boolean;
  readonly io: Io;
  /** How the run was started, kept in its record (so that `weft resume` can start it again). */
  readonly source: RunSource;
}

/** The result a run command reports. */
export interface RunReport {
  readonly runId: string;
  readonly session: number;
  readonly status: RunResult['status'];
  readonly output?: unknown;
  readonly durationMs: number;
  readonly cached: CacheCounts;
  /** Threads and the memory cap of each worker. */
  readonly limits: RunLimits;
  readonly suspended?: RunResult['suspended'];
  readonly files: { readonly output: string | null; readonly metrics: string; readonly audit: string };
  /** Where the pipeline's processors came from (JSON pipelines that name processors). */
  readonly catalogue?: Record<string, unknown>;
}

export { OUTPUT_FILE, writeOutput } from '../output/write-output.js';

/**
 * Runs one session: locks the output directory, runs the pipeline on an engine over the project's
 * store (which takes the run's lock, numbers and keeps its events, audits them), then writes the
 * metrics and the output.
 */
export async function runSession(o: SessionOptions): Promise<Outcome> {
  let lock: Lock | undefined;
  let engine: Engine | undefined;
  try {
    if (o.outDir) prepareOutDir(o.outDir);
    if (o.outDir)
      lock = o.store.locks.acquire(`out:${o.outDir}`, o.store.owner, `output directory ${o.outDir}`);
    return await drive(o, (e) => (engine = e));
  } catch (e) {
    return failure(e);
  } finally {
    try {
      await engine?.close();
    } catch (e) {
      o.io.warnings.push({ code: 'HOOK_FAILED', message: `closing the engine: ${(e as Error).message}` });
    }
    lock?.release();
  }
}

async function drive(o: SessionOptions, setEngine: (e: Engine) => void): Promise<Outcome> {
  const { store, runId, io } = o;
  // Read before anything is recorded: a damaged profile fails the command, not a half-started run.
  const tuning = await projectTuning(o.root, io);
  const limits = resolveLimits(
    {
      orchestrator: o.orchestrator,
      threads: o.threads,
      maxMemoryMb: o.maxMemoryMb,
      tunedThreads: tuning?.values.threads,
    },
    io,
  );
  if (!io.json && !io.quiet) io.err(describeLimits(limits) + '\n');
  const dir = runDir(o.root, runId);
  const stats: MemoStats = { hits: 0, misses: 0, stored: 0, staleFiles: 0 };
  const cachedCounts: CacheCounts = { steps: 0, items: 0 };
  const engine = await cliEngine({
    ...(tuning ? { tuning } : {}),
    orchestrator: o.orchestrator,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    store,
    // Without the cross-run cache, completed invocations are still kept for this run's own resume.
    memo: stepMemo(store, {
      scope: o.cache ? 'global' : 'run',
      salt: { outDir: o.outDir },
      stats,
      filesRoot: o.outDir ?? process.cwd(),
    }),
    orchestratorOptions: {
      ...o.orchestratorOptions,
      ...(limits.memoryCapMb !== null ? { maxOldGenerationSizeMb: limits.memoryCapMb } : {}),
    },
  });
  setEngine(engine);
  const progress = io.tty && !io.json && !io.quiet && !o.events ? new TtyProgress((s) => io.err(s)) : null;
  const failures = new FailureTracker();
  const onEvent = (e: RunEvent): void => {
    failures.onEvent(e);
    if (e.type === 'step.skip' && e.cached) cachedCounts.steps++;
    if (e.type === 'map.item' && e.cached) cachedCounts.items++;
    progress?.onEvent(e);
    if (o.events) {
      // With --json, stdout holds only the envelope: event lines go to stderr then.
      const line = JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n';
      if (io.json) io.err(line);
      else io.out(line);
    }
  };
  // A stale (cached) catalogue is reported in the envelope's warnings and on the run's event stream.
  noteCatalogue(o.loaded, io);
  const catalogueWarnings = o.loaded.catalogue?.warnings ?? [];
  // Ctrl-C and process.exit while a step holds the main thread (main-thread-guard.ts).
  const watchdog = mayHoldMainThread(o.orchestrator, engine.plan(o.loaded.pipeline));
  const guard = await guardMainThread({ root: o.root, runId, io, watchdog });
  // The output is encoded (and written to --out) before the run is recorded as succeeded.
  let encoded: Json | undefined;
  let outputFile: string | null = null;
  const runOptions: RunOptions = {
    commitOutput: (output: unknown): void => {
      encoded = encodeOutput(output);
      if (o.outDir) outputFile = writeOutput(o.outDir, output);
    },
    observers: [{ onEvent }, guard],
    ...quotas(o.loaded),
    ...(catalogueWarnings.length > 0 ? { warnings: catalogueWarnings } : {}),
    source: o.source,
  };
  let handle: RunHandle;
  try {
    if (o.mode === 'resume')
      handle = await engine.resume(o.loaded.pipeline, runId, o.resumeValue, runOptions);
    else if (o.mode === 'recover')
      handle = await engine.resume(o.loaded.pipeline, runId, undefined, runOptions);
    else handle = engine.start(o.loaded.pipeline, o.input, { ...runOptions, runId });
  } catch (e) {
    guard.dispose();
    throw e;
  }
  // Ctrl-C cancels the run cooperatively (it can be resumed); a second one ends the process.
  const onSigint = (): void => {
    guard.interrupted(1);
    handle.cancel('interrupted (SIGINT)');
    process.once('SIGINT', () => {
      guard.interrupted(2);
      process.exit(130);
    });
  };
  process.once('SIGINT', onSigint);
  const result = await handle.result.finally(() => {
    process.off('SIGINT', onSigint);
    guard.dispose();
  });
  const summary = progress?.stop();
  if (stats.staleFiles > 0)
    io.warnings.push({
      code: 'CACHE_FILES_CHANGED',
      message: `${stats.staleFiles} cached result(s) were not used because a file their step writes is missing or changed: those steps ran again`,
    });
  const session = (await store.runs.sessions(runId).catch(() => [])).at(-1)?.session ?? 0;
  const metricsFile = join(dir, 'metrics.json');
  writeFileAtomic(
    metricsFile,
    JSON.stringify(
      buildMetricsFile(result, {
        session,
        pipeline: o.loaded.pipeline.name,
        cache: stats,
        cached: cachedCounts,
        outputFile,
      }),
      null,
      2,
    ) + '\n',
    0o600,
  );
  const report: RunReport = {
    runId,
    session,
    status: result.status,
    ...(result.status === 'succeeded' ? { output: encoded ?? null } : {}),
    durationMs: result.durationMs,
    cached: cachedCounts,
    limits,
    ...(result.status === 'suspended' ? { suspended: result.suspended } : {}),
    files: { output: outputFile, metrics: metricsFile, audit: join(dir, 'audit.jsonl') },
    ...(o.loaded.catalogue
      ? { catalogue: { ...o.loaded.catalogue.provenance, processors: o.loaded.catalogue.processors } }
      : {}),
  };
  const text = [
    summary ??
      `run ${runId} ${result.status} in ${(result.durationMs / 1000).toFixed(1)}s (${cachedCounts.steps} steps and ${cachedCounts.items} items cached)`,
  ];
  if (result.status === 'succeeded')
    text.push(outputFile ? `output: ${outputFile}` : showOutput(encoded ?? null));
  if (result.status === 'suspended')
    text.push(
      `suspended: ${result.suspended.map((s) => `${s.step}: ${s.reason}`).join('; ')}\nresume with: weft resume ${runId} --input <value>`,
    );
  // With --events, stdout carries only event lines: the summary goes to stderr.
  if (o.events && !io.json && !io.quiet) io.err(text.join('\n') + '\n');
  const shown = o.events ? {} : { text: text.join('\n') };
  if (result.status === 'succeeded' || result.status === 'suspended')
    return { exit: 0, result: report, ...shown };
  const bare = result.error ?? new WeftError('INTERNAL', `run ${result.status} without an error`);
  // The error says where it happened: step, sub-pipeline path, attempt (and the step's stack).
  const error = placeError(bare, failures.placeOf(bare, engine.plan(o.loaded.pipeline)));
  // A store fault (disk full, I/O, damage) is not the run's failure: exit 2, and the run resumes.
  return { exit: exitCodeFor(error), result: report, error, ...shown };
}

function showOutput(output: Json): string {
  const s = JSON.stringify(output, null, 2);
  return s.length > 4000
    ? `${s.slice(0, 4000)}\n… (${s.length} characters; use --out DIR to write it to a file)`
    : s;
}

/**
 * The project's machine tuning profile (`.weft/tuning.json`, from `weft bench tune`), if any: its
 * values become the workers defaults (explicit options win) and the run's metrics name it. A profile
 * measured on a machine with another core count is still used, with a warning.
 */
async function projectTuning(root: string, io: Io): Promise<EngineTuning | undefined> {
  const loaded = await loadTuningProfile(root);
  if (!loaded) return undefined;
  const cores = availableParallelism();
  if (loaded.profile.machine.cores !== cores) {
    io.warnings.push({
      code: 'TUNING_MISMATCH',
      message: `${loaded.path} was measured on ${loaded.profile.machine.cores} cores, this machine has ${cores}: measure again with \`weft bench tune\``,
    });
  }
  return engineTuning(loaded);
}

function quotas(l: LoadedPipeline): {
  maxConcurrency?: number;
  maxSteps?: number;
  chunkSize?: number;
  timeoutMs?: number;
} {
  const q = l.quotas;
  return {
    ...(q.maxConcurrency !== undefined ? { maxConcurrency: q.maxConcurrency } : {}),
    ...(q.maxSteps !== undefined ? { maxSteps: q.maxSteps } : {}),
    ...(q.chunkSize !== undefined ? { chunkSize: q.chunkSize } : {}),
    ...(q.timeoutMs !== undefined ? { timeoutMs: q.timeoutMs } : {}),
  };
}
