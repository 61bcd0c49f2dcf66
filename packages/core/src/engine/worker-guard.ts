// A Weft worker imports the pipeline's module to find its steps, so whatever that module does at
// its top level runs again in every worker. An engine created there would start its own pool in
// every worker (threads without bound) or run the pipeline once per worker: refused with
// ENGINE_IN_WORKER, which says how to guard the module.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { WeftError } from '../errors/weft-error.js';

const WEFT_WORKER = Symbol.for('weft.worker');

/**
 * Marks this thread (or process) as a Weft worker: an orchestrator calls it in its worker entry,
 * before any step module is imported. Engines refuse to start afterwards.
 * @example markWeftWorker(); // first line of a worker entry
 */
export function markWeftWorker(): void {
  (globalThis as Record<symbol, unknown>)[WEFT_WORKER] = true;
}

/**
 * True inside a Weft worker (a thread or process that imports pipeline modules to run their steps).
 * @example if (!isWeftWorker()) await engine.execute(p, input);
 */
export function isWeftWorker(): boolean {
  return (globalThis as Record<symbol, unknown>)[WEFT_WORKER] === true;
}

/** Throws ENGINE_IN_WORKER when called inside a Weft worker; `what` names the call refused. */
export function assertNotInWeftWorker(what: string): void {
  if (!isWeftWorker()) return;
  throw new WeftError(
    'ENGINE_IN_WORKER',
    `${what} was called inside a Weft worker. Workers import the pipeline's module to find its steps, so code at its top level runs in every worker: guard the code that runs the pipeline with \`if (isMainModule(import.meta.url)) { … }\` (from @weft/core), or move it to a file of its own`,
    { data: { call: what } },
  );
}

/**
 * True when `moduleUrl` is the script node was started with (`node file.js`), on the main thread,
 * outside any Weft worker: the guard for a file that defines a pipeline AND runs it. False when
 * `weft run` or a worker imports the file to find its steps.
 * @example
 * if (isMainModule(import.meta.url)) {
 *   const engine = createEngine();
 *   console.log(await engine.execute(wc, text));
 *   await engine.close();
 * }
 */
export function isMainModule(moduleUrl: string): boolean {
  if (!isMainThread || isWeftWorker()) return false;
  const entry = process.argv[1];
  if (entry === undefined || !moduleUrl.startsWith('file:')) return false;
  let file: string;
  try {
    file = realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
  // `node wc` runs wc.js: the entry may be given without its extension.
  for (const candidate of [entry, `${entry}.js`, `${entry}.mjs`, `${entry}.cjs`]) {
    try {
      if (realpathSync(candidate) === file) return true;
    } catch {
      // no such file: try the next spelling
    }
  }
  return false;
}
