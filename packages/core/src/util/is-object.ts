/**
 * True for a non-null object that is not an array (a JSON object, once parsed): the one check every
 * reader of JSON documents (pipelines, catalogues, tuning profiles, configuration) starts with.
 * @example
 * if (!isObject(doc)) return problem('', 'a pipeline must be a JSON object');
 */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
