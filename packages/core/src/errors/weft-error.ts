import { isErrorCode, type ErrorCode } from './codes.js';

const BRAND = '__weftError';

/** Options accepted by every Weft error. */
export interface WeftErrorOptions {
  readonly retryable?: boolean;
  readonly data?: Record<string, unknown>;
  readonly cause?: unknown;
}

/**
 * The one base error of Weft. It carries a stable `code`, whether it is `retryable`, structured
 * `data` and a `cause`. It is branded rather than relied on through `instanceof`, so that an error
 * rebuilt after crossing a thread is still recognised.
 *
 * @example
 * throw new WeftError('UNKNOWN_TARGET', 'step "a" routes to "b", which does not exist');
 */
export class WeftError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: WeftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeftError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.data = options.data ?? {};
  }
}

/** True for any Weft error, including one rebuilt from another thread. */
export function isWeftError(value: unknown): value is WeftError {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[BRAND] === true;
}

/** A thread-safe, msgpack-safe picture of an error. */
export interface SerializedError {
  readonly name: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly stack?: string;
  readonly retryable: boolean;
  readonly data: Record<string, unknown>;
  readonly cause?: SerializedError;
  /** The original error's own `code` property when it was not a Weft error (e.g. `ENOENT`). */
  readonly originalCode?: string;
}

/** Serialises any thrown value; a non-Weft error becomes `STEP_FAILED` keeping its name and stack. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (isWeftError(error)) {
    const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
      name: error.name,
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      data: safeData(error.data),
    };
    if (error.stack !== undefined) out.stack = error.stack;
    if (error.cause !== undefined && depth < 8) out.cause = serializeError(error.cause, depth + 1);
    return out;
  }
  if (error instanceof Error) {
    const original = (error as { code?: unknown }).code;
    const out: { -readonly [K in keyof SerializedError]: SerializedError[K] } = {
      name: error.name,
      code: 'STEP_FAILED',
      message: error.message,
      retryable: (error as { retryable?: unknown }).retryable === true,
      data: {},
    };
    if (error.stack !== undefined) out.stack = error.stack;
    if (typeof original === 'string') out.originalCode = original;
    if (error.cause !== undefined && depth < 8) out.cause = serializeError(error.cause, depth + 1);
    return out;
  }
  return {
    name: 'Error',
    code: 'STEP_FAILED',
    message: describe(error),
    retryable: false,
    data: { thrown: describe(error) },
  };
}

/** Rebuilds a serialised error into a `WeftError` with the same code, name, stack and cause chain. */
export function deserializeError(serialized: SerializedError): WeftError {
  const code = isErrorCode(serialized.code) ? serialized.code : 'INTERNAL';
  const options: { retryable: boolean; data: Record<string, unknown>; cause?: unknown } = {
    retryable: serialized.retryable,
    data: { ...serialized.data },
  };
  if (serialized.cause) options.cause = deserializeError(serialized.cause);
  if (serialized.originalCode !== undefined) options.data['originalCode'] = serialized.originalCode;
  const error = new WeftError(code, serialized.message, options);
  error.name = serialized.name;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}

/** Wraps any thrown value into a WeftError (identity for Weft errors). */
export function toWeftError(error: unknown, code: ErrorCode = 'STEP_FAILED'): WeftError {
  if (isWeftError(error)) return error;
  const s = serializeError(error);
  return deserializeError({ ...s, code: s.code === 'STEP_FAILED' ? code : s.code });
}

/** A description of any thrown value; never throws (cycles, BigInts, null-prototype objects). */
function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}

function safeData(data: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  } catch {
    return { unserializable: true };
  }
}
