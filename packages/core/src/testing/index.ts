import { SimulatedClock, systemClock, type Clock } from '../clock/clock.js';
import type { Pipeline } from '../definition/pipeline.js';
import type { StepCode } from '../definition/types.js';
import { createEngine, type Engine } from '../engine/engine.js';
import type { EngineOptions, RunOptions } from '../engine/options.js';
import type { RunHandle, RunResult } from '../engine/run-result.js';
import type { EventOf, EventType, RunEvent } from '../events/types.js';

/** What a harness run gives back: the result plus every event, with helpers to read them. */
export interface HarnessRun<O = unknown> {
  readonly result: RunResult<O>;
  readonly events: readonly RunEvent[];
  /** Events of one type, in order. */
  of<T extends EventType>(type: T): EventOf<T>[];
  /** Types in order (handy for ordering assertions). */
  readonly types: readonly string[];
  /** Every token a step streamed, flattened in order (`sub/step` for a step inside a sub-pipeline). */
  tokens(step: string): unknown[];
  /** Qualified names (`step`, `sub/step`) of the steps that ended, in order. */
  readonly ended: readonly string[];
}

/** Options of a test harness. */
export interface HarnessOptions extends EngineOptions {
  /** Steps replaced by in-process code, by qualified name (`step` or `sub/step`). */
  readonly overrides?: Readonly<Record<string, StepCode>>;
  /** Use a simulated clock (default true); `false` uses the real clock. Ignored when `clock` is given. */
  readonly simulated?: boolean;
}

/** A run started by the harness: its handle, and its events and result once it ends. */
export interface HarnessStart<O> {
  readonly handle: RunHandle<O>;
  readonly done: Promise<HarnessRun<O>>;
}

/** The test harness returned by `createTestHarness`. */
export interface TestHarness {
  readonly engine: Engine;
  readonly clock: Clock;
  /** Starts a run and collects its events, without driving the clock (advance it yourself). */
  start<O = unknown>(p: Pipeline, input?: unknown, run?: RunOptions): HarnessStart<O>;
  /** Runs to the end; with a simulated clock, timers fire as soon as nothing else can happen. */
  run<O = unknown>(p: Pipeline, input?: unknown, run?: RunOptions): Promise<HarnessRun<O>>;
  /** Resumes a suspended run (with the harness overrides) and runs it to the end, like `run`. */
  resume<O = unknown>(
    p: Pipeline,
    runId: string,
    value?: unknown,
    run?: Omit<RunOptions, 'runId'>,
  ): Promise<HarnessRun<O>>;
  close(): Promise<void>;
}

/**
 * A harness for users' tests: runs a pipeline with some steps replaced, on a simulated clock,
 * and collects events and the result.
 * @example
 * const h = createTestHarness({ overrides: { fetch: () => 'fixture' } });
 * const run = await h.run(myPipeline, input);
 * expect(run.result.status).toBe('succeeded');
 * expect(run.of('step.retry')).toHaveLength(0);
 */
export function createTestHarness(options: HarnessOptions = {}): TestHarness {
  const { overrides = {}, simulated, ...engineOptions } = options;
  const clock: Clock = options.clock ?? (simulated === false ? systemClock : new SimulatedClock());
  const engine: Engine = createEngine({ random: () => 0.5, ...engineOptions, clock });
  const withOverrides = <R extends RunOptions>(run: R): R => ({
    ...run,
    overrides: { ...overrides, ...run.overrides },
  });

  /** Collects every event of a handle (subscribed in the same tick as the run started). */
  function collect<O>(handle: RunHandle<O>): Promise<HarnessRun<O>> {
    const stream = handle.events();
    return (async () => {
      const events: RunEvent[] = [];
      for await (const e of stream) events.push(e);
      return view(await handle.result, events);
    })();
  }

  /** With a simulated clock, fires the next timer whenever the run has nothing else to do. */
  async function drive<O>(done: Promise<HarnessRun<O>>): Promise<HarnessRun<O>> {
    if (!(clock instanceof SimulatedClock)) return done;
    let finished = false;
    void done.then(
      () => (finished = true),
      () => (finished = true),
    );
    while (!finished) {
      await clock.advance(0);
      if (finished) break;
      const at = clock.nextAt();
      if (at !== undefined) await clock.advance(at - clock.now());
      else await new Promise<void>((r) => setImmediate(r));
    }
    return done;
  }

  function start<O>(p: Pipeline, input?: unknown, run: RunOptions = {}): HarnessStart<O> {
    const handle = engine.start<O>(p, input, withOverrides(run));
    return { handle, done: collect(handle) };
  }

  return {
    engine,
    clock,
    start,
    run: <O>(p: Pipeline, input?: unknown, run: RunOptions = {}) => drive(start<O>(p, input, run).done),
    async resume<O>(
      p: Pipeline,
      runId: string,
      value?: unknown,
      run: Omit<RunOptions, 'runId'> = {},
    ): Promise<HarnessRun<O>> {
      const handle = await engine.resume<O>(p, runId, value, withOverrides(run));
      return drive(collect(handle));
    },
    close: () => engine.close(),
  };
}

/** Wraps a result and its events with reading helpers. */
export function view<O>(result: RunResult<O>, events: RunEvent[]): HarnessRun<O> {
  const qualified = (e: RunEvent & { step: string }): string => [...e.path, e.step].join('/');
  return {
    result,
    events,
    of: <T extends EventType>(type: T) => events.filter((e): e is EventOf<T> => e.type === type),
    types: events.map((e) => e.type),
    tokens: (step) => events.flatMap((e) => (e.type === 'token' && qualified(e) === step ? e.tokens : [])),
    ended: events.flatMap((e) => (e.type === 'step.end' ? [qualified(e)] : [])),
  };
}

export { SimulatedClock };
