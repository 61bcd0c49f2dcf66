import { isPipeline, type Pipeline } from '../definition/pipeline.js';
import { WeftError, isWeftError } from '../errors/weft-error.js';

/** Imports a module and returns the exported pipeline with that name. */
export async function findPipeline(module: string, name: string): Promise<Pipeline> {
  if (module === '') {
    throw new WeftError(
      'STEP_NOT_FOUND',
      `pipeline "${name}" declares no module, so its steps cannot be found in another thread; pass { module: import.meta.url } to pipeline()`,
    );
  }
  const mod = await importModule(module);
  for (const v of Object.values(mod)) if (isPipeline(v) && v.name === name) return v;
  throw new WeftError('EXPORT_NOT_FOUND', `module ${module} exports no pipeline named "${name}"`, {
    data: { module, name },
  });
}

/** Imports a step module; MODULE_NOT_FOUND (with the cause) when it cannot be found or fails to load. */
export async function importModule(module: string): Promise<Record<string, unknown>> {
  try {
    return (await import(module)) as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (
      code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'ERR_UNSUPPORTED_ESM_URL_SCHEME' ||
      code === 'ERR_INVALID_URL'
    ) {
      throw new WeftError('MODULE_NOT_FOUND', `cannot import step module ${module}: ${ownMessage(cause)}`, {
        cause,
        data: { module },
      });
    }
    // A coded error thrown while the module loads (ENGINE_IN_WORKER, say) keeps its code.
    throw new WeftError(
      isWeftError(cause) ? cause.code : 'MODULE_NOT_FOUND',
      `step module ${module} failed to load: ${(cause as Error).message}`,
      { cause, data: { ...(isWeftError(cause) ? cause.data : {}), module } },
    );
  }
}

/** This file, as Node names an importer in its messages. */
const SELF = decodeURIComponent(new URL(import.meta.url).pathname);

/**
 * Node's message without " imported from <this file>": the importer it names is the engine, which
 * tells the user nothing (the module was named by their pipeline); an importer of their own is kept.
 */
function ownMessage(cause: unknown): string {
  const message = (cause as Error).message;
  return message.endsWith(` imported from ${SELF}`)
    ? message.slice(0, -` imported from ${SELF}`.length)
    : message;
}
