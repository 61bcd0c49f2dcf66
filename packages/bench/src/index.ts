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
export * from './suites/index.js';
export { extendSuite, withIterations, type SuiteExtension } from './suites/extend-suite.js';
export {
  loadTuningProfile,
  writeTuningProfile,
  engineTuning,
  tuningProfilePath,
  type LoadedTuning,
} from './tuning/profile-file.js';
export { tuneMachine, builtInDefaults, type TuneOptions, type TuneResult } from './tuning/tune.js';
export { benchMain, USAGE, type BenchIo } from './main.js';
export { DiscardRunStore, discardStore, benchEngine, consume, expectOutput } from './suites/shared.js';
