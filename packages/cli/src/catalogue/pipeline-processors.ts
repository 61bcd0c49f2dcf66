import { fileURLToPath } from 'node:url';
import { WeftError, type SpecProblem } from '@weft/core';
import {
  expandProcessors,
  lookupProcessor,
  scanProcessors,
  type CatalogueProvenance,
  type CatalogueWarning,
} from '@weft/core/catalogue';
import { CATALOGUE_URL_ENV } from './config.js';
import type { CatalogueAccess } from './project-catalogue.js';

/** What a JSON pipeline took from the catalogue: provenance, warnings, and each processor it uses. */
export interface PipelineCatalogue {
  readonly provenance: CatalogueProvenance;
  readonly warnings: readonly CatalogueWarning[];
  readonly processors: readonly {
    readonly file: string;
    readonly path: string;
    readonly ref: string;
    readonly module: string;
    readonly export: string;
  }[];
}

/** Where a command gets the project's catalogue from, asked only when a pipeline names a processor. */
export type CatalogueSource = () => CatalogueAccess | null;

/** Turns processor references into module references while a JSON pipeline (and its sub files) is read. */
export interface ProcessorPass {
  /** Expands one document read from `url`. */
  transform(doc: unknown, url: string): unknown;
  /** Throws PROCESSOR_UNKNOWN (or SPEC_INVALID for a malformed reference) with every problem found. */
  check(file: string): void;
  readonly info: PipelineCatalogue;
}

/**
 * Prepares the processor pass of a JSON pipeline. When neither the document nor its sub files name
 * a processor, gives null and the catalogue is never consulted (no fetch, no file read, no
 * configuration read). Otherwise loads the catalogue once (which may throw CATALOGUE_UNAVAILABLE,
 * CATALOGUE_INVALID, CATALOGUE_FETCH_FAILED or CATALOGUE_STALE).
 */
export async function prepareProcessors(
  doc: unknown,
  url: string,
  read: (url: string) => unknown,
  source: CatalogueSource,
): Promise<ProcessorPass | null> {
  const refs = collect(doc, url, read);
  if (refs.length === 0) return null;
  const access = source();
  if (!access) {
    const file = fileURLToPath(url);
    throw new WeftError(
      'CATALOGUE_UNAVAILABLE',
      `${file} names processors (${[...new Set(refs)].map((r) => JSON.stringify(r)).join(', ')}) but the project configures no catalogue: add "catalogue": { "url": "…" } or { "file": "…" } to .weft/config.json (\`weft init --catalogue <url|file>\`), or set ${CATALOGUE_URL_ENV}`,
      { data: { file, processors: refs } },
    );
  }
  const loaded = await access.load();
  const problems: SpecProblem[] = [];
  const processors: PipelineCatalogue['processors'][number][] = [];
  return {
    transform(d, at) {
      const r = expandProcessors(d, (ref) => lookupProcessor(loaded, ref, (m) => access.resolveModule(m)));
      const file = fileURLToPath(at);
      for (const p of r.problems) problems.push(at === url ? p : { ...p, file: at });
      for (const u of r.used)
        processors.push({
          file,
          path: u.path,
          ref: u.processor.ref,
          module: u.processor.module,
          export: u.processor.export,
        });
      return r.doc;
    },
    check(file) {
      if (problems.length === 0) return;
      const lines = problems
        .map((p) => `  ${p.file ? `${fileURLToPath(p.file)} ` : ''}${p.path}: ${p.message}`)
        .join('\n');
      const code = problems.some((p) => p.code === 'PROCESSOR_UNKNOWN')
        ? 'PROCESSOR_UNKNOWN'
        : 'SPEC_INVALID';
      const what =
        code === 'PROCESSOR_UNKNOWN'
          ? 'names processors the catalogue does not have'
          : 'has malformed processor references';
      throw new WeftError(code, `${file} ${what}:\n${lines}`, {
        data: {
          file,
          problems: problems.map((p) => ({ ...p, ...(p.file ? { file: fileURLToPath(p.file) } : {}) })),
          catalogue: loaded.provenance,
        },
      });
    },
    info: { provenance: loaded.provenance, warnings: loaded.warnings, processors },
  };
}

/** The processor references of a document and of the sub files it names (read once each). */
function collect(doc: unknown, url: string, read: (url: string) => unknown): unknown[] {
  const refs: unknown[] = [];
  const seen = new Set<string>();
  const visit = (d: unknown, at: string): void => {
    if (seen.has(at)) return;
    seen.add(at);
    const scan = scanProcessors(d);
    refs.push(...scan.uses.map((u) => u.ref));
    for (const sub of scan.subFiles) {
      let target: string;
      let subDoc: unknown;
      try {
        target = new URL(sub, at).href;
        subDoc = read(target);
      } catch {
        continue; // the spec loader reports unreadable sub files
      }
      visit(subDoc, target);
    }
  };
  visit(doc, url);
  return refs;
}
