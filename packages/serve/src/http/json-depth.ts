import { WeftError } from '@weft/core';

/**
 * Refuses JSON text nested deeper than `max` before it is parsed (a deep document costs the parser
 * and every later recursive walk; a stack overflow must never be how a request fails). Brackets
 * inside strings do not count. Linear in the text; no allocation.
 */
export function assertJsonDepth(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) {
        throw new WeftError('REQUEST_INVALID', `the JSON body nests deeper than ${max} levels`, {
          data: { errors: [{ pointer: '', message: `nesting deeper than ${max}` }], limit: max },
        });
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
}
