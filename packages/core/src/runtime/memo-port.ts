import type { StepCode } from '../definition/types.js';
import type { MemoPort } from '../scheduler/env.js';
import type { StepMemo } from './memo.js';

/** The scheduler's view of the idempotency hook: a step replaced by an override is never memoised. */
export function memoPort(
  memo: StepMemo | null | undefined,
  overrides: ReadonlyMap<string, StepCode>,
): MemoPort | null {
  if (!memo) return null;
  return {
    eligible: (path, node) => !overrides.has([...path, node].join('/')),
    key: (call) => memo.key(call),
    get: (key) => memo.get(key),
    put: (key, value) => memo.put(key, value),
    checkpoint: (key, value) => memo.checkpoint?.(key, value),
    lastCheckpoint: (key) => memo.lastCheckpoint?.(key),
  };
}
