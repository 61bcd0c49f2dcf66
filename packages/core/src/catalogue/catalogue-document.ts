import { WeftError } from '../errors/weft-error.js';
import { pointer } from '../util/json-pointer.js';
import { didYouMean } from '../util/did-you-mean.js';
import { isObject } from '../util/is-object.js';
import { show } from '../util/show.js';

/** The catalogue document format this Weft reads (`"weftCatalogue": 1`). */
export const CATALOGUE_FORMAT = 1;

/** One named, versioned processor: where its step code is. */
export interface ProcessorEntry {
  /** Module specifier: a package name, a URL, or a path relative to the catalogue (files) or project root (URLs). */
  readonly module: string;
  /** The export holding the step code. */
  readonly export: string;
  readonly description?: string;
}

/** A tuning profile: run settings a team recommends for some kind of work. */
export interface TuningProfile {
  readonly description?: string;
  readonly orchestrator?: string;
  readonly threads?: number;
  readonly chunkSize?: number;
  readonly maxConcurrency?: number;
}

/** A catalogue document: processors by `name@version`, plus optional tuning profiles. */
export interface CatalogueDocument {
  readonly weftCatalogue: typeof CATALOGUE_FORMAT;
  readonly name?: string;
  readonly description?: string;
  readonly processors: Readonly<Record<string, ProcessorEntry>>;
  readonly profiles?: Readonly<Record<string, TuningProfile>>;
}

/** One problem of a catalogue document, located by a JSON Pointer. */
export interface CatalogueProblem {
  readonly path: string;
  readonly message: string;
}

/** `name@version`: name segments separated by `/` (`text/uppercase`), then a version (`2`, `1.4.0`). */
export const PROCESSOR_REF =
  /^[A-Za-z0-9][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)*@[A-Za-z0-9][A-Za-z0-9_.+-]*$/;
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const EXPORT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const DOC_KEYS = ['$schema', 'weftCatalogue', 'name', 'description', 'processors', 'profiles'];
const PROCESSOR_KEYS = ['module', 'export', 'description'];
const PROFILE_KEYS = ['description', 'orchestrator', 'threads', 'chunkSize', 'maxConcurrency'];

/** A value for a message; a missing one is "nothing". */
const shown = (v: unknown): string => (v === undefined ? 'nothing' : show(v));

/**
 * Checks a parsed catalogue document, reporting every problem with its JSON Pointer. Pure; never
 * throws.
 * @example
 * const problems = checkCatalogue(JSON.parse(text));
 */
export function checkCatalogue(doc: unknown): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const push = (path: string, message: string): void => void problems.push({ path, message });
  if (!isObject(doc)) {
    push('', `a catalogue must be a JSON object, got ${shown(doc)}`);
    return problems;
  }
  unknownKeys(doc, DOC_KEYS, '', 'catalogue', push);
  if (doc['weftCatalogue'] !== CATALOGUE_FORMAT) {
    push(
      '/weftCatalogue',
      doc['weftCatalogue'] === undefined
        ? `"weftCatalogue": ${CATALOGUE_FORMAT} is required (the format version)`
        : `unsupported catalogue format ${shown(doc['weftCatalogue'])}; this Weft reads format ${CATALOGUE_FORMAT}`,
    );
  }
  for (const k of ['name', 'description', '$schema'])
    if (doc[k] !== undefined && typeof doc[k] !== 'string')
      push(pointer(k), `${k} must be a string, got ${shown(doc[k])}`);
  const processors = doc['processors'];
  if (!isObject(processors))
    push(
      '/processors',
      `"processors" must be an object of "name@version" to { "module", "export" }, got ${shown(processors)}`,
    );
  else {
    for (const [ref, entry] of Object.entries(processors)) {
      const at = `/processors${pointer(ref)}`;
      if (!PROCESSOR_REF.test(ref))
        push(at, `processor key "${ref}" must be "name@version" (e.g. "text/uppercase@2")`);
      if (!isObject(entry)) {
        push(at, `a processor must be { "module", "export" }, got ${shown(entry)}`);
        continue;
      }
      unknownKeys(entry, PROCESSOR_KEYS, at, 'processor', push);
      if (typeof entry['module'] !== 'string' || entry['module'].length === 0)
        push(`${at}/module`, `module must be a non-empty module specifier, got ${shown(entry['module'])}`);
      if (typeof entry['export'] !== 'string' || !EXPORT.test(entry['export']))
        push(`${at}/export`, `export must be an export name, got ${shown(entry['export'])}`);
      if (entry['description'] !== undefined && typeof entry['description'] !== 'string')
        push(`${at}/description`, `description must be a string, got ${shown(entry['description'])}`);
    }
  }
  const profiles = doc['profiles'];
  if (profiles !== undefined) {
    if (!isObject(profiles))
      push('/profiles', `"profiles" must be an object of name to profile, got ${shown(profiles)}`);
    else
      for (const [name, p] of Object.entries(profiles))
        checkProfile(name, p, `/profiles${pointer(name)}`, push);
  }
  return problems;
}

function checkProfile(
  name: string,
  p: unknown,
  at: string,
  push: (path: string, message: string) => void,
): void {
  if (!PROFILE_NAME.test(name)) push(at, `profile name "${name}" must be letters, digits, "_", "." or "-"`);
  if (!isObject(p)) return push(at, `a profile must be an object, got ${shown(p)}`);
  unknownKeys(p, PROFILE_KEYS, at, 'profile', push);
  for (const k of ['description', 'orchestrator'])
    if (p[k] !== undefined && typeof p[k] !== 'string')
      push(`${at}/${k}`, `${k} must be a string, got ${shown(p[k])}`);
  for (const k of ['threads', 'chunkSize', 'maxConcurrency'])
    if (p[k] !== undefined && !(Number.isInteger(p[k]) && (p[k] as number) >= 1))
      push(`${at}/${k}`, `${k} must be an integer ≥ 1, got ${shown(p[k])}`);
}

function unknownKeys(
  o: Record<string, unknown>,
  known: readonly string[],
  at: string,
  what: string,
  push: (path: string, message: string) => void,
): void {
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const guess = didYouMean(k, known);
    push(
      `${at}${pointer(k)}`,
      `unknown ${what} property "${k}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
    );
  }
}

/**
 * Parses and validates the text of a catalogue. Throws CATALOGUE_INVALID (every problem in
 * `data.problems`) when it is not JSON or breaks the format; `where` names the source in messages.
 * @example
 * const doc = parseCatalogue(await res.text(), 'https://example.com/catalogue.json');
 */
export function parseCatalogue(text: string, where: string): CatalogueDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (e) {
    const snippet = text.trimStart().slice(0, 40).replace(/\s+/g, ' ');
    throw new WeftError(
      'CATALOGUE_INVALID',
      `the catalogue from ${where} is not JSON (${(e as Error).message}); it begins "${snippet}"`,
      {
        data: { location: where, problems: [{ path: '', message: 'not JSON' }] },
      },
    );
  }
  const problems = checkCatalogue(doc);
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n');
    throw new WeftError(
      'CATALOGUE_INVALID',
      `the catalogue from ${where} is not a valid catalogue:\n${lines}`,
      { data: { location: where, problems } },
    );
  }
  return doc as CatalogueDocument;
}
