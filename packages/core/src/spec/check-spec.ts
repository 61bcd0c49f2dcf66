import type { ErrorCode } from '../errors/codes.js';
import { didYouMean } from '../util/did-you-mean.js';

/** One problem of a JSON pipeline file, located by a JSON Pointer (`/steps/count/retry/attempts`). */
export interface SpecProblem {
  readonly code: ErrorCode;
  /** JSON Pointer (RFC 6901) into the file; `` is the whole document. */
  readonly path: string;
  readonly message: string;
  /** The file the problem is in, when it is not the top file (a `sub` file). */
  readonly file?: string;
  readonly hint?: string;
}

type Push = (path: string, message: string, hint?: string) => void;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const EXPORT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const PIPELINE_KEYS = [
  '$schema',
  'weft',
  'name',
  'description',
  'version',
  'params',
  'state',
  'quotas',
  'steps',
  'edges',
];
const STEP_KEYS = [
  'run',
  'map',
  'switch',
  'sub',
  'description',
  'to',
  'routes',
  'cases',
  'default',
  'retry',
  'timeoutMs',
  'concurrency',
  'chunkSize',
  'placement',
  'join',
  'barrierTimeoutMs',
  'version',
  'params',
  'io',
  'cache',
  'writes',
];
const KIND_KEYS = ['run', 'map', 'switch', 'sub'] as const;
const RETRY_KEYS = ['attempts', 'initialDelayMs', 'factor', 'maxDelayMs', 'jitter', 'retryOn'];
const QUOTA_KEYS = ['maxConcurrency', 'maxSteps', 'chunkSize', 'timeoutMs'];
const REDUCERS = ['replace', 'append', 'sum', 'max', 'min', 'merge', 'union'];

/** Escapes one JSON Pointer segment. */
export function pointer(...segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isPosInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
const isPos = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isNonNeg = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Checks a parsed JSON pipeline document against the schema (format 1), reporting every problem
 * with its JSON Pointer. Pure; never throws. Graph rules (cycles, unknown targets, joins) are
 * checked later by the compiler and mapped back to paths by `pipelineFromSpec`.
 */
export function checkSpec(doc: unknown, base = ''): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const push: Push = (path, message, hint) =>
    void problems.push({ code: 'SPEC_INVALID', path, message, ...(hint ? { hint } : {}) });
  checkPipeline(doc, base, push);
  return problems;
}

function unknownKeys(
  o: Record<string, unknown>,
  known: readonly string[],
  at: string,
  what: string,
  push: Push,
): void {
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const guess = didYouMean(k, known);
    push(
      `${at}${pointer(k)}`,
      `unknown ${what} property "${k}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
      guess ? `did you mean "${guess}"?` : `allowed: ${known.join(', ')}`,
    );
  }
}

function checkPipeline(doc: unknown, at: string, push: Push): void {
  if (!isObject(doc)) return push(at, `a pipeline must be a JSON object, got ${show(doc)}`);
  unknownKeys(doc, PIPELINE_KEYS, at, 'pipeline', push);
  if (doc['weft'] !== undefined && doc['weft'] !== 1)
    push(`${at}/weft`, `unsupported format version ${show(doc['weft'])}; this Weft reads format 1`);
  checkName(doc['name'], `${at}/name`, 'name', push, true);
  for (const k of ['description', 'version', '$schema'] as const) {
    if (doc[k] !== undefined && typeof doc[k] !== 'string')
      push(`${at}${pointer(k)}`, `${k} must be a string, got ${show(doc[k])}`);
  }
  if (doc['params'] !== undefined && !isObject(doc['params']))
    push(`${at}/params`, `params must be an object, got ${show(doc['params'])}`);
  checkState(doc['state'], `${at}/state`, push);
  checkQuotas(doc['quotas'], `${at}/quotas`, push);
  const steps = doc['steps'];
  if (steps === undefined) push(`${at}/steps`, 'a pipeline needs "steps": an object of step name to step');
  else if (!isObject(steps))
    push(`${at}/steps`, `steps must be an object of step name to step, got ${show(steps)}`);
  else if (Object.keys(steps).length === 0)
    push(`${at}/steps`, 'steps is empty: a pipeline needs at least one step');
  else
    for (const [n, s] of Object.entries(steps)) {
      const p = `${at}/steps${pointer(n)}`;
      if (!NAME.test(n)) push(p, `step name "${n}" must be letters, digits, "_", "." or "-"`);
      checkStep(s, p, push);
    }
  const edges = doc['edges'];
  if (edges !== undefined) {
    if (!Array.isArray(edges))
      push(`${at}/edges`, `edges must be an array of { "from", "to" }, got ${show(edges)}`);
    else
      edges.forEach((e, i) => {
        const p = `${at}/edges/${i}`;
        if (!isObject(e))
          return push(p, `an edge must be an object { "from": step, "to": step or [steps] }, got ${show(e)}`);
        unknownKeys(e, ['from', 'to'], p, 'edge', push);
        checkName(e['from'], `${p}/from`, 'from', push, true);
        checkNames(e['to'], `${p}/to`, 'to', push, true);
      });
  }
}

function checkName(v: unknown, at: string, what: string, push: Push, required: boolean): void {
  if (v === undefined) {
    if (required) push(at, `${what} is required`);
    return;
  }
  if (typeof v !== 'string' || !NAME.test(v) || v.length > 128)
    push(at, `${what} must be a name (letters, digits, "_", "." or "-"), got ${show(v)}`);
}

function checkNames(v: unknown, at: string, what: string, push: Push, required: boolean): void {
  if (Array.isArray(v)) v.forEach((x, i) => checkName(x, `${at}/${i}`, `${what}[${i}]`, push, true));
  else checkName(v, at, what, push, required);
}

function checkState(v: unknown, at: string, push: Push): void {
  if (v === undefined) return;
  if (!isObject(v))
    return push(at, `state must be an object of key to { "reducer", "initial" }, got ${show(v)}`);
  for (const [k, d] of Object.entries(v)) {
    const p = `${at}${pointer(k)}`;
    if (!isObject(d)) {
      push(p, `state key "${k}" must be { "reducer": ..., "initial": ... }, got ${show(d)}`);
      continue;
    }
    unknownKeys(d, ['reducer', 'initial'], p, 'state key', push);
    if (typeof d['reducer'] !== 'string' || !REDUCERS.includes(d['reducer'])) {
      push(`${p}/reducer`, `reducer must be one of ${REDUCERS.join(', ')}, got ${show(d['reducer'])}`);
    }
  }
}

function checkQuotas(v: unknown, at: string, push: Push): void {
  if (v === undefined) return;
  if (!isObject(v)) return push(at, `quotas must be an object, got ${show(v)}`);
  unknownKeys(v, QUOTA_KEYS, at, 'quotas', push);
  for (const k of ['maxConcurrency', 'maxSteps', 'chunkSize'])
    if (v[k] !== undefined && !isPosInt(v[k]))
      push(`${at}/${k}`, `${k} must be an integer ≥ 1, got ${show(v[k])}`);
  if (v['timeoutMs'] !== undefined && !isPos(v['timeoutMs']))
    push(`${at}/timeoutMs`, `timeoutMs must be a positive number of ms, got ${show(v['timeoutMs'])}`);
}

/** Checks a code reference: `"./module.js#export"` or `{ "module", "export" }`. */
function checkCode(v: unknown, at: string, push: Push): void {
  if (typeof v === 'string') {
    const i = v.lastIndexOf('#');
    if (i <= 0 || !EXPORT.test(v.slice(i + 1)))
      push(at, `code must be "module#export" (e.g. "./steps.js#count"), got ${show(v)}`);
    return;
  }
  if (!isObject(v)) return push(at, `code must be "module#export" or { "module", "export" }, got ${show(v)}`);
  unknownKeys(v, ['module', 'export'], at, 'code', push);
  if (typeof v['module'] !== 'string' || v['module'].length === 0)
    push(`${at}/module`, `module must be a non-empty path, got ${show(v['module'])}`);
  if (typeof v['export'] !== 'string' || !EXPORT.test(v['export']))
    push(`${at}/export`, `export must be an export name, got ${show(v['export'])}`);
}

function checkStep(s: unknown, at: string, push: Push): void {
  if (!isObject(s))
    return push(at, `a step must be an object with one of "run", "map", "switch" or "sub", got ${show(s)}`);
  unknownKeys(s, STEP_KEYS, at, 'step', push);
  const kinds = KIND_KEYS.filter((k) => s[k] !== undefined);
  if (kinds.length === 0) push(at, 'a step needs one of "run" (a step), "map", "switch" or "sub"');
  if (kinds.length > 1)
    push(
      `${at}/${kinds[1]!}`,
      `a step has exactly one of "run", "map", "switch" or "sub"; this one has ${kinds.map((k) => `"${k}"`).join(' and ')}`,
    );
  const kind = kinds[0];
  if (kind === 'sub') {
    const sub = s['sub'];
    if (typeof sub === 'string') {
      if (sub.length === 0) push(`${at}/sub`, 'sub must be a pipeline file path or an inline pipeline');
    } else checkPipeline(sub, `${at}/sub`, push);
  } else if (kind !== undefined) checkCode(s[kind], `${at}/${kind}`, push);

  if (s['to'] !== undefined) checkNames(s['to'], `${at}/to`, 'to', push, true);
  if (s['routes'] !== undefined) {
    if (!Array.isArray(s['routes']))
      push(`${at}/routes`, `routes must be an array of step names, got ${show(s['routes'])}`);
    else checkNames(s['routes'], `${at}/routes`, 'routes', push, true);
  }
  if (kind === 'switch') {
    const cases = s['cases'];
    if (!isObject(cases) || Object.keys(cases).length === 0)
      push(`${at}/cases`, 'a switch needs "cases": a non-empty object of value to step name');
    else
      for (const [k, t] of Object.entries(cases))
        checkName(t, `${at}/cases${pointer(k)}`, `case "${k}"`, push, true);
    if (s['default'] !== undefined) checkName(s['default'], `${at}/default`, 'default', push, true);
    if (s['to'] !== undefined) push(`${at}/to`, 'a switch routes with "cases" and "default", not "to"');
  } else {
    for (const k of ['cases', 'default'])
      if (s[k] !== undefined) push(`${at}/${k}`, `"${k}" applies only to a switch step`);
  }
  if (s['chunkSize'] !== undefined && kind !== 'map')
    push(`${at}/chunkSize`, '"chunkSize" applies only to a map step');
  if (s['chunkSize'] !== undefined && kind === 'map' && !isPosInt(s['chunkSize']))
    push(`${at}/chunkSize`, `chunkSize must be an integer ≥ 1, got ${show(s['chunkSize'])}`);
  checkRetry(s['retry'], `${at}/retry`, push);
  for (const k of ['timeoutMs', 'barrierTimeoutMs'])
    if (s[k] !== undefined && !isPos(s[k]))
      push(`${at}/${k}`, `${k} must be a positive number of ms, got ${show(s[k])}`);
  if (s['concurrency'] !== undefined && !isPosInt(s['concurrency']))
    push(`${at}/concurrency`, `concurrency must be an integer ≥ 1, got ${show(s['concurrency'])}`);
  if (s['placement'] !== undefined && s['placement'] !== 'main' && s['placement'] !== 'worker')
    push(`${at}/placement`, `placement must be "main" or "worker", got ${show(s['placement'])}`);
  if (s['join'] !== undefined && s['join'] !== 'all' && s['join'] !== 'any')
    push(`${at}/join`, `join must be "all" or "any", got ${show(s['join'])}`);
  for (const k of ['version', 'description'])
    if (s[k] !== undefined && typeof s[k] !== 'string')
      push(`${at}/${k}`, `${k} must be a string, got ${show(s[k])}`);
  for (const k of ['io', 'cache'])
    if (s[k] !== undefined && typeof s[k] !== 'boolean')
      push(`${at}/${k}`, `${k} must be true or false, got ${show(s[k])}`);
  if (s['params'] !== undefined && !isObject(s['params']))
    push(`${at}/params`, `params must be an object, got ${show(s['params'])}`);
  const w = s['writes'];
  if (w !== undefined && !(Array.isArray(w) && w.every((f) => typeof f === 'string' && f.length > 0)))
    push(`${at}/writes`, `writes must be an array of file paths (relative to --out), got ${show(w)}`);
  if (w !== undefined && kind === 'sub') push(`${at}/writes`, '"writes" applies to the steps inside a sub');
}

function checkRetry(r: unknown, at: string, push: Push): void {
  if (r === undefined) return;
  if (typeof r === 'number') {
    if (!isPosInt(r))
      push(
        at,
        `retry must be an integer ≥ 1 (attempts, the first included) or a policy object, got ${show(r)}`,
      );
    return;
  }
  if (!isObject(r)) return push(at, `retry must be an integer ≥ 1 or { "attempts", ... }, got ${show(r)}`);
  unknownKeys(r, RETRY_KEYS, at, 'retry', push);
  if (!isPosInt(r['attempts']))
    push(`${at}/attempts`, `attempts must be an integer ≥ 1, got ${show(r['attempts'])}`);
  for (const k of ['initialDelayMs', 'maxDelayMs'])
    if (r[k] !== undefined && !isNonNeg(r[k]))
      push(`${at}/${k}`, `${k} must be a number ≥ 0, got ${show(r[k])}`);
  if (r['factor'] !== undefined && !(typeof r['factor'] === 'number' && r['factor'] >= 1))
    push(`${at}/factor`, `factor must be a number ≥ 1, got ${show(r['factor'])}`);
  if (r['jitter'] !== undefined && !(typeof r['jitter'] === 'number' && r['jitter'] >= 0 && r['jitter'] <= 1))
    push(`${at}/jitter`, `jitter must be a number from 0 to 1, got ${show(r['jitter'])}`);
  const on = r['retryOn'];
  if (on !== undefined && on !== 'all' && !(Array.isArray(on) && on.every((x) => typeof x === 'string')))
    push(`${at}/retryOn`, `retryOn must be "all" or an array of error codes or names, got ${show(on)}`);
}
