import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { WeftError } from '@weft/core';
import { parseInput } from '../util/input.js';
import type { Io, Outcome } from '../util/output.js';
import { openProjectStore } from '../store/open.js';
import { cliRegistry, defaultOrchestrator } from '../run/engine.js';
import { loadPipeline } from '../run/load-pipeline.js';
import { parseMaxMemory, parseThreads } from '../run/limits.js';
import { runSession } from '../run/session.js';
import { checkPipeline } from './validate.js';
import { warnInto } from '../catalogue/report.js';

/** Options of `weft run`. */
export interface RunCommandOptions {
  readonly input?: string;
  readonly runId?: string;
  readonly out?: string;
  readonly orchestrator?: string;
  readonly threads?: string;
  readonly maxMemory?: string;
  readonly cache: boolean;
  readonly offline?: boolean;
  readonly events?: boolean;
  /** Orchestrator options from plugins' run options (`--redis`), for the mode the run uses. */
  readonly pluginOptions?: (orchestrator: string) => Record<string, unknown>;
}

const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A new run id: the UTC time plus random hex (sortable, unique enough). */
export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

export { parseThreads } from '../run/limits.js';

/** `weft run <pipeline>`. */
export async function runCommand(target: string, opts: RunCommandOptions, io: Io): Promise<Outcome> {
  if (opts.runId !== undefined && !RUN_ID.test(opts.runId)) {
    throw new WeftError(
      'USAGE_INVALID',
      `--run-id must be 1–128 letters, digits, ".", "_" or "-", got "${opts.runId}"`,
    );
  }
  const threads = parseThreads(opts.threads);
  const maxMemoryMb = parseMaxMemory(opts.maxMemory);
  const input = parseInput(opts.input);
  const loaded = await loadPipeline(target, process.cwd(), warnInto(io));
  await checkPipeline(loaded);
  const { root, store } = await openProjectStore(io);
  try {
    const runId = opts.runId ?? newRunId();
    const existing = await store.runs.get(runId);
    if (existing) {
      throw new WeftError(
        'USAGE_INVALID',
        `run "${runId}" already exists (${existing.status}); continue it with: weft resume ${runId}`,
        { data: { runId, status: existing.status } },
      );
    }
    const orchestrator = opts.orchestrator ?? (await defaultOrchestrator());
    (await cliRegistry()).get(orchestrator);
    const orchestratorOptions = opts.pluginOptions?.(orchestrator) ?? {};
    const outDir = opts.out !== undefined ? resolve(opts.out) : null;
    return await runSession({
      source: {
        file: loaded.file,
        exportName: loaded.exportName,
        outDir,
        orchestrator,
        offline: opts.offline === true,
        cache: opts.cache,
      },
      root,
      store,
      loaded,
      runId,
      input,
      mode: 'start',
      outDir,
      orchestrator,
      ...(threads !== undefined ? { threads } : {}),
      ...(maxMemoryMb !== undefined ? { maxMemoryMb } : {}),
      ...(Object.keys(orchestratorOptions).length > 0 ? { orchestratorOptions } : {}),
      cache: opts.cache,
      offline: opts.offline === true,
      events: opts.events === true,
      io,
    });
  } finally {
    await store.close().catch(() => undefined);
  }
}
