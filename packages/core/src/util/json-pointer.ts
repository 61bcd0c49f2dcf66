/**
 * A JSON Pointer (RFC 6901) from path segments, each escaped: `pointer('steps', 'a/b')` is
 * `/steps/a~1b`. Pure.
 * @example
 * pointer('steps', name, 'retry'); // "/steps/count/retry"
 */
export function pointer(...segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
