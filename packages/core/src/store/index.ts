// The `@weft/core/store` subpath: the store ports, the engine's default store, and the pieces every
// implementation shares (live tails, run queries, the clone rule, the event-number check).
export type * from './ports.js';
export { ephemeralStore, checkBatch, type EphemeralStoreOptions } from './ephemeral-store.js';
export { cloneForStore } from './clone-for-store.js';
export { tailLog, type TailSource, type TailOptions } from './tail-log.js';
export {
  queryRecords,
  resolveQuery,
  encodeCursor,
  decodeCursor,
  compareRuns,
  pruneCandidates,
  FINISHED,
  QUERY_LIMIT,
  type QueryCursor,
  type ResolvedQuery,
} from './run-query.js';
export { storeFault } from '../engine/run-journal.js';
