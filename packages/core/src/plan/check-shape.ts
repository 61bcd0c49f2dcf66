import type { NodeDef } from '../definition/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import { isPlainObject, plainDataProblem } from '../util/plain-data.js';
import { show } from './check-options.js';
import type { Problem } from './execution-plan.js';

type Push = (p: Problem) => void;

/** A pipeline whose shape has been checked: what the rest of validation may rely on. */
export interface CheckedPipeline {
  readonly name: string;
  readonly module: string | undefined;
  readonly nodes: readonly NodeDef[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly declarationProblems: readonly { readonly message: string; readonly node?: string }[];
}

const KINDS = ['step', 'map', 'switch', 'sub'];
const PIPELINE_OPTION_KEYS = ['module', 'state', 'hooks', 'middleware', 'onError', 'version', 'description'];
const REDUCERS = ['replace', 'append', 'sum', 'max', 'min', 'merge', 'union', 'custom'];

/**
 * Checks that a branded value really has the shape of a built pipeline (it may have been forged,
 * copied or mutated). Returns the pipeline when the rest of validation can read it; otherwise
 * pushes DEFINITION_INVALID problems and returns undefined. Never throws on ordinary data.
 */
export function checkShape(value: Record<string, unknown>, push: Push): CheckedPipeline | undefined {
  const name = value['name'];
  const label = typeof name === 'string' && name.length > 0 ? name : '?';
  if (typeof name !== 'string' || name.length === 0)
    push({
      code: 'DEFINITION_INVALID',
      message: `a pipeline needs a non-empty string name, got ${show(name)}`,
    });
  const module = value['module'];
  if (module !== undefined && typeof module !== 'string')
    push({
      code: 'DEFINITION_INVALID',
      message: `pipeline "${label}": module must be a string (pass import.meta.url), got ${show(module)}`,
    });
  const options = value['options'] ?? {};
  if (!isPlainObject(options)) {
    push({
      code: 'DEFINITION_INVALID',
      message: `pipeline "${label}": options must be an object, got ${show(options)}`,
    });
    return undefined;
  }
  const declared = value['declarationProblems'] ?? [];
  const declarationProblems: { message: string; node?: string }[] = [];
  if (!Array.isArray(declared))
    push({
      code: 'DEFINITION_INVALID',
      message: `pipeline "${label}" is malformed: declarationProblems is not an array`,
    });
  else {
    for (const d of declared as unknown[]) {
      const r = isPlainObject(d) ? d : {};
      declarationProblems.push({
        message: typeof r['message'] === 'string' ? r['message'] : show(d),
        ...(typeof r['node'] === 'string' ? { node: r['node'] } : {}),
      });
    }
  }
  const nodes = value['nodes'];
  if (!Array.isArray(nodes)) {
    push({
      code: 'DEFINITION_INVALID',
      message: `pipeline "${label}" is malformed: nodes must be an array, got ${show(nodes)}`,
    });
    return undefined;
  }
  let ok =
    typeof name === 'string' && name.length > 0 && (module === undefined || typeof module === 'string');
  for (const [i, n] of (nodes as unknown[]).entries()) {
    const node = isPlainObject(n) ? n : undefined;
    if (
      !node ||
      !KINDS.includes(node['kind'] as string) ||
      typeof node['name'] !== 'string' ||
      node['name'].length === 0 ||
      !isPlainObject(node['options'])
    ) {
      push({
        code: 'DEFINITION_INVALID',
        message: `pipeline "${label}": node #${i} is malformed (expected { kind, name, options, code | pipeline }), got ${show(n)}`,
      });
      ok = false;
    }
  }
  checkPipelineOptions(options, label, push);
  if (!ok) return undefined;
  return {
    name: name as string,
    module: module as string | undefined,
    nodes: nodes as NodeDef[],
    options,
    declarationProblems,
  };
}

/** Checks the options given to `pipeline(name, options)`. */
function checkPipelineOptions(o: Record<string, unknown>, label: string, push: Push): void {
  const bad = (option: string, expected: string, value: unknown = o[option]): void =>
    push({
      code: 'OPTION_INVALID',
      option,
      message: `pipeline "${label}": option ${option} must be ${expected}, got ${show(value)}`,
    });
  for (const k of Object.keys(o)) {
    if (PIPELINE_OPTION_KEYS.includes(k)) continue;
    const guess = didYouMean(k, PIPELINE_OPTION_KEYS);
    push({
      code: 'OPTION_INVALID',
      option: k,
      message: `pipeline "${label}": unknown option "${k}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
      ...(guess ? { hint: `did you mean "${guess}"?` } : {}),
    });
  }
  for (const k of ['module', 'version', 'description'])
    if (o[k] !== undefined && typeof o[k] !== 'string') bad(k, 'a string');
  if (o['onError'] !== undefined && typeof o['onError'] !== 'function') bad('onError', 'a function');
  const mw = o['middleware'];
  if (mw !== undefined && !(Array.isArray(mw) && mw.every((m) => typeof m === 'function')))
    bad('middleware', 'an array of functions');
  const hooks = o['hooks'];
  if (hooks !== undefined) {
    if (!isPlainObject(hooks)) bad('hooks', 'an object { startup?, shutdown? }');
    else {
      for (const [k, v] of Object.entries(hooks)) {
        if (k !== 'startup' && k !== 'shutdown') bad(`hooks.${k}`, 'one of startup, shutdown', k);
        else if (v !== undefined && typeof v !== 'function') bad(`hooks.${k}`, 'a function', v);
      }
    }
  }
  const state = o['state'];
  if (state === undefined) return;
  if (!isPlainObject(state)) {
    bad('state', 'an object of reducers (e.g. { total: reducers.sum(0) })');
    return;
  }
  for (const [key, spec] of Object.entries(state)) checkStateKey(key, spec, label, push);
}

function checkStateKey(key: string, spec: unknown, label: string, push: Push): void {
  const problem = (message: string): void =>
    push({
      code: 'DEFINITION_INVALID',
      option: `state.${key}`,
      message: `pipeline "${label}": state key "${key}" ${message}`,
    });
  if (key === '__proto__') return problem('is a reserved name');
  if (!isPlainObject(spec) || typeof spec['reducer'] !== 'string')
    return problem('needs a reducer (use reducers.sum(), reducers.replace(x), …)');
  const reducer = spec['reducer'];
  if (!REDUCERS.includes(reducer)) {
    const guess = didYouMean(reducer, REDUCERS);
    return problem(
      `has an unknown reducer "${reducer}"${guess ? ` (did you mean "${guess}"?)` : ''}; known: ${REDUCERS.join(', ')}`,
    );
  }
  if (reducer === 'custom' && typeof spec['fn'] !== 'function')
    return problem('uses the custom reducer without a function (use reducers.custom(fn, initial))');
  if (reducer !== 'custom' && spec['fn'] !== undefined)
    return problem(`has a function but reducer "${reducer}"; only reducers.custom takes a function`);
  const initial = spec['initial'];
  const why = plainDataProblem(initial, 'its initial value');
  if (why) return problem(`must start from plain data (it is persisted with the run): ${why}`);
  const numeric = reducer === 'sum' || reducer === 'max' || reducer === 'min';
  if (numeric && typeof initial !== 'number')
    return problem(`uses reducer "${reducer}", so its initial value must be a number, got ${show(initial)}`);
  if ((reducer === 'append' || reducer === 'union') && !Array.isArray(initial))
    return problem(`uses reducer "${reducer}", so its initial value must be an array, got ${show(initial)}`);
  if (reducer === 'merge' && !isPlainObject(initial))
    return problem(`uses reducer "merge", so its initial value must be an object, got ${show(initial)}`);
}
