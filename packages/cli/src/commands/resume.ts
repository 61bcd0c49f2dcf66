import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WeftError } from '@weft/core';
import { parseInput } from '../util/input.js';
import { FileLock, outDirLockPath } from '../util/lock.js';
import type { Io, Outcome } from '../util/output.js';
import { openProjectStore } from '../store/open.js';
import { loadPipeline } from '../run/load-pipeline.js';
import { OUTPUT_FILE, runSession, writeOutput } from '../run/session.js';
import { encodeOutput } from '../output/lossless-json.js';
import { parseMaxMemory } from '../run/limits.js';
import { parseThreads } from './run.js';
import { checkPipeline } from './validate.js';
import { warnInto } from '../catalogue/report.js';

/**
 * `weft resume <run-id>`: continues a run. A suspended run resumes from its snapshot with
 * `--input` as the resume value; a run that crashed, failed or was cancelled starts again under
 * the same id, and every invocation it had completed is answered from the store (not run again);
 * a step that was interrupted gets its last checkpoint. A run that succeeded is not run again
 * (its output file is rewritten if it is missing).
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
  },
  io: Io,
): Promise<Outcome> {
  const threads = parseThreads(opts.threads);
  const maxMemoryMb = parseMaxMemory(opts.maxMemory);
  const { root, store } = openProjectStore();
  try {
    const record = store.getSync(runId);
    if (!record)
      throw new WeftError('RUN_NOT_FOUND', `no run "${runId}" in ${store.file}`, { data: { runId } });
    const source = store.source(runId);
    if (!source)
      throw new WeftError(
        'RUN_NOT_RESUMABLE',
        `run "${runId}" was not started by the weft command, so it cannot be resumed here`,
        { data: { runId } },
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
          const lock = FileLock.acquire(outDirLockPath(source.outDir), `output directory ${source.outDir}`);
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
      mode: suspended ? 'resume' : 'start',
      ...(suspended ? { resumeValue: parseInput(opts.input) } : {}),
      outDir: source.outDir,
      orchestrator: opts.orchestrator ?? source.orchestrator,
      ...(threads !== undefined ? { threads } : {}),
      ...(maxMemoryMb !== undefined ? { maxMemoryMb } : {}),
      cache: source.cache,
      offline: source.offline,
      events: opts.events === true,
      io,
    });
  } finally {
    store.close();
  }
}
