import type { Io } from '../util/output.js';
import type { LoadedPipeline } from '../run/load-pipeline.js';

/** `loadPipeline` options that report catalogue warnings into the command's warnings as soon as they are known. */
export function warnInto(io: Io): {
  onWarning: (w: { readonly code: string; readonly message: string }) => void;
} {
  return { onWarning: (w) => addWarning(io, w) };
}

function addWarning(io: Io, w: { readonly code: string; readonly message: string }): void {
  if (!io.warnings.some((x) => x.code === w.code && x.message === w.message))
    io.warnings.push({ code: w.code, message: w.message });
}

/** Adds the catalogue warnings of a loaded pipeline (a stale copy used, say) to the command's warnings, once. */
export function noteCatalogue(loaded: LoadedPipeline, io: Io): void {
  for (const w of loaded.catalogue?.warnings ?? []) addWarning(io, w);
}

/** The catalogue part of a command's result: provenance plus the processors the pipeline uses. */
export function catalogueResult(loaded: LoadedPipeline): Record<string, unknown> {
  const c = loaded.catalogue;
  return c ? { catalogue: { ...c.provenance, processors: c.processors } } : {};
}
