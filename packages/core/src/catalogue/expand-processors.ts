import type { ErrorCode } from '../errors/codes.js';
import type { SpecProblem } from '../spec/check-spec.js';
import { pointer } from '../util/json-pointer.js';
import { PROCESSOR_REF } from './catalogue-document.js';
import type { ProcessorLookup, ResolvedProcessor } from './lookup-processor.js';
import { isObject } from '../util/is-object.js';

/** A processor reference in a JSON pipeline: the JSON Pointer of the reference and its value. */
export interface ProcessorUse {
  /** `/steps/up/processor` (shorthand step) or `/steps/up/map/processor` (a code reference). */
  readonly path: string;
  readonly ref: unknown;
}

/** The processor references of one JSON pipeline document, and the `sub` files it names. */
export interface ProcessorScan {
  readonly uses: readonly ProcessorUse[];
  /** `sub` file paths as written (relative to the document): scan them too. */
  readonly subFiles: readonly string[];
}

/** A JSON pipeline with its processor references replaced by module references. */
export interface ExpandResult {
  readonly doc: unknown;
  readonly problems: readonly SpecProblem[];
  readonly used: readonly { readonly path: string; readonly processor: ResolvedProcessor }[];
}

const KINDS = ['run', 'map', 'switch'] as const;
/**
 * Lists the processor references of a JSON pipeline document (inline `sub` pipelines included) and
 * the `sub` files it names, without looking anything up: when there are none, no catalogue is
 * needed (and none is fetched). Pure; never throws.
 * @example
 * if (scanProcessors(doc).uses.length === 0) skipTheCatalogue();
 */
export function scanProcessors(doc: unknown): ProcessorScan {
  const uses: ProcessorUse[] = [];
  const subFiles: string[] = [];
  walk(doc, '', (step, at) => {
    if (step['processor'] !== undefined) uses.push({ path: `${at}/processor`, ref: step['processor'] });
    for (const k of KINDS) {
      const code = step[k];
      if (isObject(code) && code['processor'] !== undefined)
        uses.push({ path: `${at}/${k}/processor`, ref: code['processor'] });
    }
    if (typeof step['sub'] === 'string') subFiles.push(step['sub']);
  });
  return { uses, subFiles };
}

/**
 * Replaces the processor references of a JSON pipeline document by the catalogue's module
 * references, ready for `pipelineFromSpec`. A step `"processor": "text/uppercase@2"` becomes a
 * `run` step; `"map": { "processor": "…" }` (or `run`, `switch`) keeps its kind. The step's
 * `version` becomes `processor:<name>@<version>` (after the step's own version, if any), so the
 * processor's version feeds the step's idempotency key. Unknown or malformed references are
 * problems with their JSON Pointer (PROCESSOR_UNKNOWN with the look-up's message, or
 * SPEC_INVALID). The input is not modified. Pure.
 * @example
 * const r = expandProcessors(doc, (ref) => lookupProcessor(loaded, ref));
 */
export function expandProcessors(doc: unknown, lookup: (ref: string) => ProcessorLookup): ExpandResult {
  const problems: SpecProblem[] = [];
  const used: { path: string; processor: ResolvedProcessor }[] = [];
  const copy = structuredClone(doc);
  const push = (code: ErrorCode, path: string, message: string, hint?: string): void =>
    void problems.push({ code, path, message, ...(hint !== undefined ? { hint } : {}) });
  const resolve = (ref: unknown, path: string): ResolvedProcessor | undefined => {
    if (typeof ref !== 'string' || !PROCESSOR_REF.test(ref)) {
      push(
        'SPEC_INVALID',
        path,
        `processor must be "name@version" (e.g. "text/uppercase@2"), got ${JSON.stringify(ref) ?? String(ref)}`,
      );
      return undefined;
    }
    const r = lookup(ref);
    if (!r.ok) {
      push(
        'PROCESSOR_UNKNOWN',
        path,
        r.message,
        r.suggestion !== undefined ? `did you mean "${r.suggestion}"?` : undefined,
      );
      return undefined;
    }
    used.push({ path, processor: r.processor });
    return r.processor;
  };
  const version = (step: Record<string, unknown>, p: ResolvedProcessor): void => {
    const own = typeof step['version'] === 'string' ? `${step['version']}+` : '';
    step['version'] = `${own}processor:${p.ref}`;
  };
  walk(copy, '', (step, at) => {
    if (step['processor'] !== undefined) {
      const others = [...KINDS, 'sub'].filter((k) => step[k] !== undefined);
      if (others.length > 0) {
        push(
          'SPEC_INVALID',
          `${at}/processor`,
          `a step has exactly one of "run", "map", "switch", "sub" or "processor"; this one also has ${others.map((k) => `"${k}"`).join(' and ')}`,
        );
      } else {
        const p = resolve(step['processor'], `${at}/processor`);
        if (p) {
          delete step['processor'];
          step['run'] = { module: p.module, export: p.export };
          version(step, p);
        }
      }
    }
    for (const k of KINDS) {
      const code = step[k];
      if (!isObject(code) || code['processor'] === undefined) continue;
      const extra = Object.keys(code).filter((x) => x !== 'processor');
      if (extra.length > 0) {
        push(
          'SPEC_INVALID',
          `${at}/${k}${pointer(extra[0]!)}`,
          `a processor reference is { "processor": "name@version" } alone; it cannot also have ${extra.map((x) => `"${x}"`).join(', ')}`,
        );
        continue;
      }
      const p = resolve(code['processor'], `${at}/${k}/processor`);
      if (p) {
        step[k] = { module: p.module, export: p.export };
        version(step, p);
      }
    }
  });
  return { doc: copy, problems, used };
}

/** Calls `visit` for every step object of a pipeline document and of its inline sub pipelines. */
function walk(doc: unknown, at: string, visit: (step: Record<string, unknown>, at: string) => void): void {
  if (!isObject(doc) || !isObject(doc['steps'])) return;
  for (const [name, step] of Object.entries(doc['steps'])) {
    if (!isObject(step)) continue;
    const here = `${at}/steps${pointer(name)}`;
    visit(step, here);
    if (isObject(step['sub'])) walk(step['sub'], `${here}/sub`, visit);
  }
}
