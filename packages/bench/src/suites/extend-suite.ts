import type { BenchCase, Suite, SuiteOptions, SuiteSetup, Target } from '../suite.js';

/** What {@link extendSuite} adds to a suite. */
export interface SuiteExtension {
  readonly name: string;
  readonly description: string;
  /** Cases added after the base suite's, built from its setup (its params say the sizes). */
  cases(base: SuiteSetup, options: SuiteOptions): readonly BenchCase[] | Promise<readonly BenchCase[]>;
  readonly targets?: readonly Target[];
}

/**
 * A suite that runs another suite's cases, targets and params unchanged, plus cases of its own in
 * the same run: reuse a measurement instead of repeating it.
 * @example extendSuite(actorsTrivialMapSuite, { name: 'trivial-map', description: '…', cases: (base) => [plainLoop(base)] })
 */
export function extendSuite(base: Suite, ext: SuiteExtension): Suite {
  return {
    name: ext.name,
    description: ext.description,
    async setup(options) {
      const setup = await base.setup(options);
      let extra: readonly BenchCase[];
      try {
        extra = await ext.cases(setup, options);
      } catch (e) {
        await setup.teardown?.();
        throw e;
      }
      return {
        ...setup,
        cases: [...setup.cases, ...extra],
        targets: [...(setup.targets ?? []), ...(ext.targets ?? [])],
      };
    },
  };
}

/**
 * The same suite with a fixed number of calls per run. For suites whose cases return a latency as
 * `durationMs` from calls that take much longer (tinybench counts the overridden durations against
 * its time budget, so it would call them for a long time).
 */
export function withIterations(base: Suite, iterations: number): Suite {
  return { ...base, setup: async (options) => ({ ...(await base.setup(options)), iterations }) };
}
