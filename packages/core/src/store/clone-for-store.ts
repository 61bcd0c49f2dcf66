import { WeftError } from '../errors/weft-error.js';

/**
 * Copies a value with structured-clone semantics, the ones every store keeps: what
 * `structuredClone` refuses (a function, a Promise, a WeakMap, a symbol) is NOT_SERIALIZABLE.
 */
export function cloneForStore<T>(value: T, what: string): T {
  try {
    return structuredClone(value);
  } catch (cause) {
    throw new WeftError('NOT_SERIALIZABLE', `${what} cannot be stored: ${(cause as Error).message}`, {
      cause,
    });
  }
}
