import type { Problem } from './execution-plan.js';
import type { NodeDef } from '../definition/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import { plainDataProblem } from '../util/plain-data.js';
import { show } from '../util/show.js';

export { show };

type Push = (p: Problem) => void;

const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
const nonNegative = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

const COMMON = [
  'to',
  'routes',
  'retry',
  'timeoutMs',
  'concurrency',
  'placement',
  'join',
  'barrierTimeoutMs',
  'onError',
  'version',
  'params',
  'io',
  'cache',
  'writes',
];
/** The option names each kind of node accepts; anything else is reported (with a "did you mean"). */
export const NODE_OPTION_KEYS: Readonly<Record<NodeDef['kind'], readonly string[]>> = {
  step: COMMON,
  map: [...COMMON, 'chunkSize'],
  switch: [...COMMON.filter((k) => k !== 'to' && k !== 'routes'), 'cases', 'default'],
  // A sub's own steps run the code: their options say where. Its timeoutMs bounds the whole sub-pipeline.
  sub: COMMON.filter((k) => !['placement', 'params', 'io', 'version', 'cache', 'writes'].includes(k)),
};
const RETRY_KEYS = ['attempts', 'initialDelayMs', 'factor', 'maxDelayMs', 'jitter', 'retryOn'];

/** Checks the option values of one node; every problem is pushed, nothing throws. */
export function checkNodeOptions(node: NodeDef, q: string, push: Push): void {
  const o = node.options as Record<string, unknown>;
  const bad = (option: string, expected: string, value: unknown = o[option]): void =>
    push({
      code: 'OPTION_INVALID',
      node: q,
      option,
      message: `"${q}": option ${option} must be ${expected}, got ${show(value)}`,
    });

  if (node.kind === 'switch' && (o['to'] !== undefined || o['routes'] !== undefined)) {
    push({
      code: 'SWITCH_INVALID',
      node: q,
      message: `"${q}": a switch routes with "cases" and "default", not "${o['to'] !== undefined ? 'to' : 'routes'}"`,
    });
  }
  const known = NODE_OPTION_KEYS[node.kind];
  for (const k of Object.keys(o)) {
    if (known.includes(k) || (node.kind === 'switch' && (k === 'to' || k === 'routes'))) continue;
    const elsewhere = Object.entries(NODE_OPTION_KEYS).find(([, keys]) => keys.includes(k))?.[0];
    if (node.kind === 'sub' && elsewhere) {
      push({
        code: 'OPTION_INVALID',
        node: q,
        option: k,
        message: `"${q}": option "${k}" does not apply to a sub-pipeline; set it on the inner steps`,
      });
      continue;
    }
    const guess = elsewhere ? undefined : didYouMean(k, known);
    const why = elsewhere
      ? `it applies to ${elsewhere} nodes, not to a ${node.kind}`
      : guess
        ? `did you mean "${guess}"?`
        : `known options: ${known.join(', ')}`;
    push({
      code: 'OPTION_INVALID',
      node: q,
      option: k,
      message: `"${q}": unknown option "${k}" (${why})`,
      ...(guess ? { hint: `did you mean "${guess}"?` } : {}),
    });
  }

  if (
    o['to'] !== undefined &&
    node.kind !== 'switch' &&
    typeof o['to'] !== 'string' &&
    !isStringArray(o['to'])
  )
    bad('to', 'a step name or an array of names');
  if (o['routes'] !== undefined && node.kind !== 'switch' && !isStringArray(o['routes']))
    bad('routes', 'an array of step names');
  if (o['timeoutMs'] !== undefined && !positive(o['timeoutMs'])) bad('timeoutMs', 'a positive number of ms');
  if (o['barrierTimeoutMs'] !== undefined && !positive(o['barrierTimeoutMs']))
    bad('barrierTimeoutMs', 'a positive number of ms');
  if (o['concurrency'] !== undefined && !positiveInt(o['concurrency'])) bad('concurrency', 'an integer ≥ 1');
  if (o['placement'] !== undefined && o['placement'] !== 'main' && o['placement'] !== 'worker')
    bad('placement', '"main" or "worker"');
  if (o['join'] !== undefined && o['join'] !== 'all' && o['join'] !== 'any') bad('join', '"all" or "any"');
  if (o['onError'] !== undefined && typeof o['onError'] !== 'function') bad('onError', 'a function');
  if (o['version'] !== undefined && typeof o['version'] !== 'string') bad('version', 'a string');
  if (o['io'] !== undefined && typeof o['io'] !== 'boolean') bad('io', 'a boolean');
  if (o['cache'] !== undefined && typeof o['cache'] !== 'boolean') bad('cache', 'a boolean');
  if (
    o['writes'] !== undefined &&
    !(Array.isArray(o['writes']) && o['writes'].every((f) => typeof f === 'string' && f.length > 0))
  )
    bad('writes', 'an array of file paths (relative to the output directory)');
  if (o['params'] !== undefined) {
    if (typeof o['params'] !== 'object' || o['params'] === null || Array.isArray(o['params']))
      bad('params', 'an object');
    else {
      const why = plainDataProblem(o['params'], 'params');
      if (why)
        push({
          code: 'OPTION_INVALID',
          node: q,
          option: 'params',
          message: `"${q}": params must be plain data (null, booleans, numbers, strings, arrays, plain objects): ${why}`,
        });
    }
  }
  checkRetry(o['retry'], bad);
  if (node.kind === 'map') {
    const c = o['chunkSize'];
    if (c !== undefined && !positiveInt(c))
      push({
        code: 'MAP_INVALID',
        node: q,
        option: 'chunkSize',
        message: `"${q}": chunkSize must be an integer ≥ 1, got ${show(c)}`,
      });
  }
  if (node.kind === 'switch') checkSwitch(o, q, push);
}

/** Checks a retry option (a number of attempts or a policy object); reports through `bad`. */
export function checkRetry(
  r: unknown,
  bad: (option: string, expected: string, value: unknown) => void,
): void {
  if (r === undefined) return;
  if (typeof r === 'number') {
    if (!positiveInt(r)) bad('retry', 'an integer ≥ 1 (attempts) or a retry policy object', r);
    return;
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    bad('retry', 'an integer ≥ 1 (attempts) or a retry policy object', r);
    return;
  }
  const p = r as Record<string, unknown>;
  for (const k of Object.keys(p)) {
    if (RETRY_KEYS.includes(k)) continue;
    const guess = didYouMean(k, RETRY_KEYS);
    bad(`retry.${k}`, `one of ${RETRY_KEYS.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`, k);
  }
  if (!positiveInt(p['attempts'])) bad('retry.attempts', 'an integer ≥ 1', p['attempts']);
  for (const k of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (p[k] !== undefined && !nonNegative(p[k])) bad(`retry.${k}`, 'a number ≥ 0', p[k]);
  }
  if (p['factor'] !== undefined && !(nonNegative(p['factor']) && (p['factor'] as number) >= 1))
    bad('retry.factor', 'a number ≥ 1', p['factor']);
  if (p['jitter'] !== undefined && !(nonNegative(p['jitter']) && (p['jitter'] as number) <= 1))
    bad('retry.jitter', 'a number from 0 to 1', p['jitter']);
  if (p['retryOn'] !== undefined && p['retryOn'] !== 'all' && !isStringArray(p['retryOn']))
    bad('retry.retryOn', '"all" or an array of error codes or names', p['retryOn']);
}

function checkSwitch(o: Record<string, unknown>, q: string, push: Push): void {
  const cases = o['cases'];
  if (
    typeof cases !== 'object' ||
    cases === null ||
    Array.isArray(cases) ||
    Object.keys(cases).length === 0
  ) {
    push({
      code: 'SWITCH_INVALID',
      node: q,
      message: `"${q}": a switch needs a non-empty "cases" object mapping values to step names, got ${show(cases)}`,
    });
  } else {
    for (const [k, v] of Object.entries(cases)) {
      if (typeof v !== 'string')
        push({
          code: 'SWITCH_INVALID',
          node: q,
          message: `"${q}": case "${k}" must name a step, got ${show(v)}`,
        });
    }
  }
  if (o['default'] !== undefined && typeof o['default'] !== 'string')
    push({
      code: 'SWITCH_INVALID',
      node: q,
      message: `"${q}": default must name a step, got ${show(o['default'])}`,
    });
}

export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
