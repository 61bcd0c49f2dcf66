import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WeftError } from '@weft/core';
import { parseInput } from '../util/input.js';
import type { Io, Outcome } from '../util/output.js';
import { openProjectStore, type RunSource } from '../store/open.js';
import { loadPipeline } from '../run/load-pipeline.js';
import { OUTPUT_FILE, runSession, writeOutput } from '../run/session.js';
import { encodeOutput } from '../output/lossless-json.js';
import { parseMaxMemory } from '../run/limits.js';
import { parseThreads } from './run.js';
import { checkPipeline } from './validate.js';
import { warnInto } from '../catalogue/report.js';

/**
 * `weft resume <run-id>`: continues a run. A suspended run resumes from its snapshot with
 * `--input` as the resume value; an interrupted one (its process died, or the store failed) and
 * one that failed or was cancelled start again under the same id, their event numbers continuing,
 * and every invocation they had completed is answered from the store (not run again); a step that
 * was interrupted gets its last checkpoint. A run that succeeded is not run again (its output file
 * is rewritten if it is missing).
 */
export async function resumeCommand(
  runId: string,
  opts: {
    input?: string;
    events?: boolean;
    threads?: string;
    maxMemory?: string;
    orchestrator?: string;
    offline?: boolean;
    pluginOptions?: (orchestrator: string) => Record<string, unknown>;
  },
  io: Io,
): Promise<Outcome> {
  const threads = parseThreads(opts.threads);
  const maxMemoryMb = parseMaxMemory(opts.maxMemory);
  const { root, store } = await openProjectStore(io);
  try {
    const record = await store.runs.get(runId);
    if (!record) throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in the store`, { data: { runId } });
    const source = record.source as RunSource | undefined;
    if (!source || typeof source.file !== 'string')
      throw new WeftError(
        'RUN_NOT_RESUMABLE',
        `run "${runId}" was not started by the weft command, so it cannot be resumed here`,
        { data: { runId } },
      );
    if (record.status === 'running')
      throw new WeftError(
        'LOCK_HELD',
        `run "${runId}" is running in process ${record.owner?.pid ?? '?'} (${record.owner?.id ?? 'unknown owner'})`,
        { data: { runId, owner: record.owner } },
      );
    const loaded = await loadPipeline(
      source.exportName ? `${source.file}#${source.exportName}` : source.file,
      process.cwd(),
      warnInto(io),
    );
    await checkPipeline(loaded);
    if (record.status === 'succeeded') {
      let outputFile: string | null = null;
      if (source.outDir) {
        outputFile = join(source.outDir, OUTPUT_FILE);
        if (!existsSync(outputFile)) {
          const lock = store.locks.acquire(
            `out:${source.outDir}`,
            store.owner,
            `output directory ${source.outDir}`,
          );
          try {
            writeOutput(source.outDir, record.output);
          } finally {
            lock.release();
          }
        }
      }
      return {
        exit: 0,
        result: {
          runId,
          status: 'succeeded',
          alreadyFinished: true,
          output: encodeOutput(record.output),
          files: { output: outputFile },
        },
        text: `run ${runId} had already succeeded; nothing to do${outputFile ? `\noutput: ${outputFile}` : ''}`,
      };
    }
    if (source.offline && (globalThis as Record<string, unknown>)['__weftOffline'] !== true) {
      throw new WeftError(
        'USAGE_INVALID',
        `run "${runId}" was started with --offline: resume it with --offline too`,
        { data: { runId } },
      );
    }
    const orchestrator = opts.orchestrator ?? source.orchestrator;
    const orchestratorOptions = opts.pluginOptions?.(orchestrator) ?? {};
    const suspended = record.status === 'suspended';
    if (!suspended && opts.input !== undefined) {
      throw new WeftError(
        'USAGE_INVALID',
        `run "${runId}" is ${record.status}, not suspended: --input applies only to a suspended run (a crashed run restarts with its own input)`,
      );
    }
    return await runSession({
      root,
      store,
      loaded,
      runId,
      input: record.input,
      mode: suspended ? 'resume' : record.status === 'interrupted' ? 'recover' : 'start',
      ...(suspended ? { resumeValue: parseInput(opts.input) } : {}),
      outDir: source.outDir,
      orchestrator,
      ...(threads !== undefined ? { threads } : {}),
      ...(maxMemoryMb !== undefined ? { maxMemoryMb } : {}),
      ...(Object.keys(orchestratorOptions).length > 0 ? { orchestratorOptions } : {}),
      cache: source.cache,
      offline: source.offline,
      events: opts.events === true,
      io,
      source,
    });
  } finally {
    await store.close().catch(() => undefined);
  }
}
