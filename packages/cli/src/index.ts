// @weft/cli: the `weft` command, usable as a library too.
export { main, VERSION, type Streams } from './program.js';
export { EXIT, exitCodeFor, type Envelope, type Warning } from './util/output.js';
export { SqliteRunStore, type RunSource, type StoredEvent } from './store/sqlite-store.js';
export { sqliteMemo, CodeVersions, type MemoStats } from './run/memo.js';
export { loadPipeline, type LoadedPipeline, type LoadPipelineOptions } from './run/load-pipeline.js';
export {
  AuditLog,
  verifyAudit,
  entryHash,
  GENESIS,
  type AuditEntry,
  type AuditVerdict,
} from './run/audit.js';
export { FileLock, processAlive, type LockInfo } from './util/lock.js';
export { writeFileAtomic } from './util/atomic.js';
export { findProjectRoot } from './util/project.js';
export { Progress, formatSeconds } from './run/progress.js';
export { scanNetworkUse, NETWORK_MODULES, type NetworkUse } from './offline/scan.js';
export {
  loadProjectConfig,
  CATALOGUE_URL_ENV,
  type CatalogueSetting,
  type ProjectConfig,
} from './catalogue/config.js';
export {
  projectCatalogue,
  openCatalogue,
  type CatalogueAccess,
  type CatalogueAccessOptions,
} from './catalogue/project-catalogue.js';
export { fileCatalogueCache, catalogueCachePath } from './catalogue/file-cache.js';
export type { PipelineCatalogue, CatalogueSource } from './catalogue/pipeline-processors.js';
export {
  encodeOutput,
  decodeOutput,
  stringifyOutput,
  TAG as OUTPUT_TAG,
  type Json,
} from './output/lossless-json.js';
export { OUTPUT_FILE, writeOutput, prepareOutDir } from './output/write-output.js';
