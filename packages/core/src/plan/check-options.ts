import type { Problem } from './execution-plan.js';
import type { NodeDef } from '../definition/types.js';

type Push = (p: Problem) => void;

const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;

/** Checks the option values of one node; every problem is pushed, nothing throws. */
export function checkNodeOptions(node: NodeDef, q: string, push: Push): void {
  const o = node.options as Record<string, unknown>;
  const bad = (option: string, expected: string): void =>
    push({ code: 'OPTION_INVALID', node: q, message: `"${q}": option ${option} must be ${expected}, got ${show(o[option])}` });
  if (o['to'] !== undefined && typeof o['to'] !== 'string' && !isStringArray(o['to'])) bad('to', 'a step name or an array of names');
  if (o['routes'] !== undefined && !isStringArray(o['routes'])) bad('routes', 'an array of step names');
  if (o['timeoutMs'] !== undefined && !positive(o['timeoutMs'])) bad('timeoutMs', 'a positive number of ms');
  if (o['barrierTimeoutMs'] !== undefined && !positive(o['barrierTimeoutMs'])) bad('barrierTimeoutMs', 'a positive number of ms');
  if (o['concurrency'] !== undefined && !positiveInt(o['concurrency'])) bad('concurrency', 'an integer ≥ 1');
  if (o['placement'] !== undefined && o['placement'] !== 'main' && o['placement'] !== 'worker') bad('placement', '"main" or "worker"');
  if (o['join'] !== undefined && o['join'] !== 'all' && o['join'] !== 'any') bad('join', '"all" or "any"');
  if (o['onError'] !== undefined && typeof o['onError'] !== 'function') bad('onError', 'a function');
  if (o['version'] !== undefined && typeof o['version'] !== 'string') bad('version', 'a string');
  if (o['params'] !== undefined && (typeof o['params'] !== 'object' || o['params'] === null)) bad('params', 'an object');
  const r = o['retry'];
  if (r !== undefined) {
    if (typeof r === 'number') {
      if (!positiveInt(r)) bad('retry', 'an integer ≥ 1 (attempts) or a retry policy object');
    } else if (typeof r !== 'object' || r === null) {
      bad('retry', 'an integer ≥ 1 (attempts) or a retry policy object');
    } else {
      const p = r as Record<string, unknown>;
      if (!positiveInt(p['attempts'])) bad('retry.attempts', 'an integer ≥ 1');
      for (const k of ['initialDelayMs', 'maxDelayMs'] as const) {
        if (p[k] !== undefined && !(typeof p[k] === 'number' && (p[k]) >= 0)) bad(`retry.${k}`, 'a number ≥ 0');
      }
      if (p['factor'] !== undefined && !(typeof p['factor'] === 'number' && (p['factor']) >= 1)) bad('retry.factor', 'a number ≥ 1');
      if (p['jitter'] !== undefined && !(typeof p['jitter'] === 'number' && (p['jitter']) >= 0 && (p['jitter']) <= 1)) bad('retry.jitter', 'a number from 0 to 1');
      if (p['retryOn'] !== undefined && p['retryOn'] !== 'all' && !isStringArray(p['retryOn'])) bad('retry.retryOn', '"all" or an array of error codes or names');
    }
  }
  if (node.kind === 'map') {
    const c = o['chunkSize'];
    if (c !== undefined && !positiveInt(c)) push({ code: 'MAP_INVALID', node: q, message: `"${q}": chunkSize must be an integer ≥ 1, got ${show(c)}` });
  }
  if (node.kind === 'switch') {
    const cases = o['cases'];
    if (typeof cases !== 'object' || cases === null || Array.isArray(cases) || Object.keys(cases).length === 0) {
      push({ code: 'SWITCH_INVALID', node: q, message: `"${q}": a switch needs a non-empty "cases" object mapping values to step names` });
    } else {
      for (const [k, v] of Object.entries(cases)) {
        if (typeof v !== 'string') push({ code: 'SWITCH_INVALID', node: q, message: `"${q}": case "${k}" must name a step, got ${show(v)}` });
      }
    }
    if (o['default'] !== undefined && typeof o['default'] !== 'string') push({ code: 'SWITCH_INVALID', node: q, message: `"${q}": default must name a step` });
    if (o['to'] !== undefined) push({ code: 'SWITCH_INVALID', node: q, message: `"${q}": a switch routes with "cases" and "default", not "to"` });
  }
}

export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export function show(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
