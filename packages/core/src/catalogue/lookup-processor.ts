import { didYouMean } from '../util/did-you-mean.js';
import { PROCESSOR_REF, type ProcessorEntry, type TuningProfile } from './catalogue-document.js';
import type { CatalogueProvenance, LoadedCatalogue } from './load-catalogue.js';

/** A processor found in a catalogue, with its module resolved. */
export interface ResolvedProcessor {
  /** `name@version`, as referenced. */
  readonly ref: string;
  readonly name: string;
  readonly version: string;
  /** The module specifier, resolved (relative ones made absolute by `resolveModule`). */
  readonly module: string;
  readonly export: string;
  readonly description?: string;
}

/** The outcome of a processor look-up. */
export type ProcessorLookup =
  | { readonly ok: true; readonly processor: ResolvedProcessor }
  | {
      readonly ok: false;
      readonly message: string;
      readonly suggestion?: string;
      readonly versions: readonly string[];
    };

/** Splits `name@version` (undefined when malformed). */
export function parseProcessorRef(ref: string): { name: string; version: string } | undefined {
  if (!PROCESSOR_REF.test(ref)) return undefined;
  const at = ref.lastIndexOf('@');
  return { name: ref.slice(0, at), version: ref.slice(at + 1) };
}

/**
 * Describes where a catalogue came from, for messages: `fresh from <url> (fetched <time>)`,
 * `a cached copy of <url> from <time>, used because <reason>`, or `the local file <path>`.
 */
export function describeProvenance(p: CatalogueProvenance): string {
  if (p.kind === 'file') return `the local catalogue file ${p.location}`;
  if (p.source === 'fresh') return `the catalogue fetched fresh from ${p.location} at ${p.snapshotAt}`;
  return `a cached copy of the catalogue of ${p.location} from ${p.snapshotAt}, used because ${p.reason ?? 'the network was unavailable'}`;
}

/** What to do about an unknown processor, which depends on whether the catalogue could be stale. */
function advice(p: CatalogueProvenance): string {
  if (p.kind === 'file') return `add it to ${p.location}, or fix the reference`;
  if (p.source === 'fresh')
    return 'the catalogue is current, so refreshing it will not help: fix the reference';
  return 'the cached catalogue may be out of date and the processor published since: go online and run `weft init` to refresh it, or fix the reference';
}

/**
 * Finds `name@version` in a loaded catalogue. An unknown reference gives a message that says
 * whether the catalogue was fresh or cached (so whether refreshing may help), the versions of that
 * name the catalogue does have, and a "did you mean". Pure.
 * @example
 * const r = lookupProcessor(loaded, 'text/uppercase@2', (m) => new URL(m, base).href);
 */
export function lookupProcessor(
  loaded: LoadedCatalogue,
  ref: string,
  resolveModule: (specifier: string) => string = (s) => s,
): ProcessorLookup {
  const processors = loaded.document.processors;
  const parsed = parseProcessorRef(ref);
  const where = describeProvenance(loaded.provenance);
  if (!parsed) {
    return {
      ok: false,
      message: `"${ref}" is not a processor reference: write "name@version" (e.g. "text/uppercase@2"); looked up in ${where}`,
      versions: [],
    };
  }
  const entry: ProcessorEntry | undefined = Object.hasOwn(processors, ref) ? processors[ref] : undefined;
  if (entry) {
    return {
      ok: true,
      processor: {
        ref,
        ...parsed,
        module: resolveModule(entry.module),
        export: entry.export,
        ...(entry.description !== undefined ? { description: entry.description } : {}),
      },
    };
  }
  const keys = Object.keys(processors);
  const versions = keys
    .filter((k) => k.slice(0, k.lastIndexOf('@')) === parsed.name)
    .map((k) => k.slice(k.lastIndexOf('@') + 1));
  const suggestion = versions.length > 0 ? undefined : didYouMean(ref, keys);
  const has =
    versions.length > 0
      ? `; it has ${parsed.name} in version${versions.length === 1 ? '' : 's'} ${versions.join(', ')}`
      : '';
  const guess = suggestion !== undefined ? ` (did you mean "${suggestion}"?)` : '';
  return {
    ok: false,
    message: `processor "${ref}" is not in ${where}${has}${guess}. The catalogue was ${loaded.provenance.source}: ${advice(loaded.provenance)}.`,
    ...(suggestion !== undefined ? { suggestion } : {}),
    versions,
  };
}

/** Finds a tuning profile by name (undefined with a "did you mean" when missing). Pure. */
export function lookupProfile(
  loaded: LoadedCatalogue,
  name: string,
): { ok: true; profile: TuningProfile } | { ok: false; message: string } {
  const profiles = loaded.document.profiles ?? {};
  if (Object.hasOwn(profiles, name)) return { ok: true, profile: profiles[name]! };
  const guess = didYouMean(name, Object.keys(profiles));
  return {
    ok: false,
    message: `tuning profile "${name}" is not in ${describeProvenance(loaded.provenance)}${guess ? ` (did you mean "${guess}"?)` : ''}. The catalogue was ${loaded.provenance.source}: ${advice(loaded.provenance)}.`,
  };
}
