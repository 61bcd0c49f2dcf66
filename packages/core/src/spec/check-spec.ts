import type { ErrorObject } from 'ajv';
import type { ErrorCode } from '../errors/codes.js';
import { pointer } from '../util/json-pointer.js';
import { show } from '../util/show.js';
import { explainErrors } from './explain-errors.js';
import { validate } from './pipeline-validator.generated.js';

export { pointer };

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

/** The validator Ajv compiled ahead of time from `pipelineSchema` (see pipeline-validator.generated.ts). */
const validatePipeline = validate as unknown as {
  (doc: unknown): boolean;
  errors?: ErrorObject[] | null;
};

/**
 * Checks a parsed JSON pipeline document against the pipeline schema (format 1) and reports every
 * problem with its JSON Pointer (prefixed by `base`), a message and, for a misspelt key or value, a
 * "did you mean". The rules are the schema's alone; this only words them. Processor references must
 * have been expanded (`expandProcessors`) first. Pure; never throws. Graph rules (cycles, unknown
 * targets, joins) are checked later by the compiler and mapped back to paths by `pipelineFromSpec`.
 * @example
 * for (const p of checkSpec(JSON.parse(text))) console.error(`${p.path}: ${p.message}`);
 */
export function checkSpec(doc: unknown, base = ''): SpecProblem[] {
  if (!validatePipeline(doc)) return explainErrors(doc, validatePipeline.errors ?? [], base);
  const problems: SpecProblem[] = [];
  unexpanded(doc, base, problems);
  return problems;
}

const CODE_KEYS = ['run', 'map', 'switch'] as const;

/** Processor references left in a valid document: only the catalogue can turn them into code. */
function unexpanded(doc: unknown, at: string, problems: SpecProblem[]): void {
  const steps = (doc as { steps: Record<string, Record<string, unknown>> }).steps;
  for (const name in steps) {
    const step = steps[name]!;
    const found = (path: string, ref: unknown): void =>
      void problems.push({
        code: 'SPEC_INVALID',
        path: `${at}/steps${pointer(name)}${path}`,
        message: `processor ${show(ref)} needs the project's catalogue: expand processor references first (the weft CLI does, or expandProcessors())`,
      });
    if (step['processor'] !== undefined) found('/processor', step['processor']);
    for (const k of CODE_KEYS) {
      const code = step[k];
      if (
        typeof code === 'object' &&
        code !== null &&
        (code as Record<string, unknown>)['processor'] !== undefined
      )
        found(`/${k}/processor`, (code as Record<string, unknown>)['processor']);
    }
    const sub = step['sub'];
    if (typeof sub === 'object' && sub !== null) unexpanded(sub, `${at}/steps${pointer(name)}/sub`, problems);
  }
}
