// @weft/cli: the `weft` command, usable as a library too.
export { main, VERSION, type Streams } from './program.js';
export { EXIT, exitCodeFor, type Envelope, type Warning } from './util/output.js';
export { openProjectStore, type RunSource, type ProjectStore } from './store/open.js';
export { loadPipeline, type LoadedPipeline, type LoadPipelineOptions } from './run/load-pipeline.js';
export { writeFileAtomic } from './util/atomic.js';
export { findProjectRoot, projectRoot, type ProjectRoot } from './util/project.js';
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
