export { ERROR_CODES, RUN_FAILURE_CODES, isErrorCode, type ErrorCode } from './codes.js';
export {
  WeftError,
  isWeftError,
  serializeError,
  deserializeError,
  toWeftError,
  type SerializedError,
  type WeftErrorOptions,
} from './weft-error.js';
