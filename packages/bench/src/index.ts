// @weft/bench: side-by-side benchmark suites and the runner that measures them.
export type { Suite, SuiteOptions, SuiteSetup, BenchCase, Measurement, Target } from './suite.js';
export {
  runSuite,
  runSuites,
  resolveRunnerOptions,
  environment,
  type RunnerOptions,
  type ResolvedRunnerOptions,
  type CaseResult,
  type SuiteResult,
  type TargetResult,
  type BenchReport,
  type Environment,
} from './runner.js';
export { summarize, median, type Summary } from './stats.js';
export { formatReport, formatSuite, fmt, fmtRate } from './report.js';
export { suites, selectSuites, chainSuite, mapSuite } from './suites/index.js';
export { benchMain, USAGE, type BenchIo } from './main.js';
export { DiscardRunStore, benchEngine, consume, expectOutput } from './suites/shared.js';
