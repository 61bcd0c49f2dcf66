// Public surface of @weft/store.
export { memoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export { processOwner, processStartTime, isOwnerAlive, pidAlive } from './owner/process-owner.js';
export type { StoreWarning, WarningSink } from './shared/store-warning.js';
export { isValueRef } from './shared/values.js';
export type * from '@weft/core/store';
export { stepMemo, type StepMemoOptions, type MemoStats } from './memo/step-memo.js';
export { CodeVersions } from './memo/code-versions.js';
export { stableHash } from './memo/stable-hash.js';
export { openStore, type OpenStoreOptions } from './sqlite/sqlite-store.js';
export { checkStore, repairStore, type StoreCheck, type StoreRepair } from './sqlite/check-repair.js';
