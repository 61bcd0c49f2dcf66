// The processor catalogue: named, versioned step processors and tuning profiles, fetched from a URL
// (with retries, a local cache and provenance) or read from a file. Pure: the network, the disk and
// the clock are injected.
export {
  CATALOGUE_FORMAT,
  PROCESSOR_REF,
  checkCatalogue,
  parseCatalogue,
  type CatalogueDocument,
  type CatalogueProblem,
  type ProcessorEntry,
  type TuningProfile,
} from './catalogue-document.js';
export {
  CATALOGUE_CACHE_SCHEMA,
  decodeCacheEntry,
  encodeCacheEntry,
  memoryCatalogueCache,
  type CacheEntry,
  type CacheVerdict,
  type CatalogueCache,
} from './catalogue-cache.js';
export {
  DEFAULT_CATALOGUE_RETRY,
  catalogueBackoff,
  describeNetworkError,
  fetchCatalogueText,
  isTransientStatus,
  type CatalogueRetry,
  type FetchCatalogueOptions,
  type FetchLike,
  type FetchOutcome,
} from './fetch-catalogue.js';
export {
  CATALOGUE_REMEDY,
  catalogueFromFile,
  describeAge,
  loadRemoteCatalogue,
  readCache,
  type CatalogueProvenance,
  type CatalogueWarning,
  type LoadCatalogueOptions,
  type LoadedCatalogue,
} from './load-catalogue.js';
export { primeCatalogue, type PrimeReport } from './prime-catalogue.js';
export {
  describeProvenance,
  lookupProcessor,
  lookupProfile,
  parseProcessorRef,
  type ProcessorLookup,
  type ResolvedProcessor,
} from './lookup-processor.js';
export {
  expandProcessors,
  scanProcessors,
  type ExpandResult,
  type ProcessorScan,
  type ProcessorUse,
} from './expand-processors.js';
export { didYouMean } from '../util/did-you-mean.js';
