// Machine tuning profiles: the pool size, map chunk size and codec threshold that `weft bench tune`
// measured as best on one machine. Pure: reading and writing the file is the caller's (the CLI and
// @weft/bench do it atomically under `.weft/`).
import { WeftError } from '../errors/weft-error.js';
import { show } from '../util/show.js';
import { isObject } from '../util/is-object.js';

/** The profile format this Weft writes and reads (`"weftTuning": 1`). */
export const MACHINE_TUNING_SCHEMA = 1;

/** Where a project keeps its profile, relative to the project root. */
export const MACHINE_TUNING_FILE = '.weft/tuning.json';

/** What a tuning profile sets. Every value is what served best on the machine that measured it. */
export interface TuningValues {
  /** Worker threads in the pool (`workers` option `threads`). */
  readonly threads: number;
  /** Map items per task (`workers` option `chunkSize`). */
  readonly chunkSize: number;
  /** Binary outputs of at least this many bytes are transferred instead of encoded into the message (`workers` option `transferThreshold`). */
  readonly codecThreshold: number;
}

/** The machine a profile was measured on. */
export interface TunedMachine {
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  /** 1-minute load average when the measurement began. */
  readonly loadAverage: number;
}

/** A tuning profile as `weft bench tune` writes it. */
export interface MachineTuning {
  readonly weftTuning: typeof MACHINE_TUNING_SCHEMA;
  /** When it was measured (ISO 8601). */
  readonly createdAt: string;
  readonly machine: TunedMachine;
  /** The values to use. */
  readonly values: TuningValues;
  /** The built-in defaults they were measured against. */
  readonly defaults: TuningValues;
  /** The figures behind each choice (free-form, for people). */
  readonly measurements: Readonly<Record<string, unknown>>;
}

/** A profile handed to an engine (`EngineOptions.tuning`): where it came from and what it sets. */
export interface EngineTuning {
  /** Where the profile was read (a file path), reported in run metrics as `extra.tuning.profile`. */
  readonly profile: string;
  readonly values: TuningValues;
}

const TOP_KEYS = ['$schema', 'weftTuning', 'createdAt', 'machine', 'values', 'defaults', 'measurements'];
const VALUE_KEYS: readonly (keyof TuningValues)[] = ['threads', 'chunkSize', 'codecThreshold'];
const MACHINE_NUMBERS = ['cores', 'memoryGiB', 'loadAverage'] as const;
const MACHINE_STRINGS = ['node', 'platform', 'arch', 'cpu'] as const;

/** The problems of a set of tuning values (empty when valid), each prefixed with `at`. Pure. */
export function checkTuningValues(v: unknown, at = 'values'): string[] {
  if (!isObject(v)) return [`${at} must be an object, got ${show(v)}`];
  const problems: string[] = [];
  for (const k of Object.keys(v))
    if (!(VALUE_KEYS as readonly string[]).includes(k))
      problems.push(`${at}.${k} is not a tuning value (known: ${VALUE_KEYS.join(', ')})`);
  for (const k of VALUE_KEYS) {
    const n = v[k];
    const min = k === 'codecThreshold' ? 0 : 1;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min)
      problems.push(`${at}.${k} must be an integer ≥ ${min}, got ${show(n)}`);
  }
  return problems;
}

/**
 * Decodes and validates a profile. Every problem is listed in one TUNING_INVALID error (with
 * `data.location` and `data.problems`), so a damaged or foreign file is never half used. Pure.
 * @example const profile = parseMachineTuning(await readFile(path, 'utf8'), path);
 */
export function parseMachineTuning(text: string, location: string): MachineTuning {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(location, [`not JSON: ${(e as Error).message}`]);
  }
  const problems = checkMachineTuning(doc);
  if (problems.length > 0) throw invalid(location, problems);
  return doc as MachineTuning;
}

/** The problems of a decoded profile (empty when valid). Pure. */
export function checkMachineTuning(doc: unknown): string[] {
  if (!isObject(doc)) return [`a tuning profile must be a JSON object, got ${show(doc)}`];
  if (doc['weftTuning'] !== MACHINE_TUNING_SCHEMA) {
    return [
      `"weftTuning" must be ${MACHINE_TUNING_SCHEMA} (the profile format this Weft reads), got ${show(doc['weftTuning'])}: measure again with \`weft bench tune\``,
    ];
  }
  const problems: string[] = [];
  for (const k of Object.keys(doc))
    if (!TOP_KEYS.includes(k)) problems.push(`unknown key "${k}" (known: ${TOP_KEYS.join(', ')})`);
  const created = doc['createdAt'];
  if (typeof created !== 'string' || Number.isNaN(Date.parse(created)))
    problems.push(`createdAt must be an ISO 8601 time, got ${show(created)}`);
  const m = doc['machine'];
  if (!isObject(m)) problems.push(`machine must be an object, got ${show(m)}`);
  else {
    for (const k of MACHINE_STRINGS)
      if (typeof m[k] !== 'string') problems.push(`machine.${k} must be a string, got ${show(m[k])}`);
    for (const k of MACHINE_NUMBERS)
      if (typeof m[k] !== 'number' || !Number.isFinite(m[k]) || m[k] < 0)
        problems.push(`machine.${k} must be a number ≥ 0, got ${show(m[k])}`);
  }
  problems.push(
    ...checkTuningValues(doc['values'], 'values'),
    ...checkTuningValues(doc['defaults'], 'defaults'),
  );
  if (!isObject(doc['measurements']))
    problems.push(`measurements must be an object, got ${show(doc['measurements'])}`);
  return problems;
}

/** Encodes a profile as the file holds it (checked first: INTERNAL if it would not read back). Pure. */
export function encodeMachineTuning(profile: MachineTuning): string {
  const problems = checkMachineTuning(profile);
  if (problems.length > 0)
    throw new WeftError('INTERNAL', `refusing to write an invalid tuning profile: ${problems.join('; ')}`, {
      data: { problems },
    });
  return `${JSON.stringify(profile, null, 2)}\n`;
}

function invalid(location: string, problems: readonly string[]): WeftError {
  return new WeftError(
    'TUNING_INVALID',
    `tuning profile ${location} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}\nMeasure it again with \`weft bench tune\`, or delete it to use the defaults.`,
    {
      data: { location, problems: [...problems] },
    },
  );
}
