import { SimulatedClock, type Clock } from '../clock/clock.js';
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
  /** Every token a step streamed, flattened in order. */
  tokens(step: string): unknown[];
  /** Names of the steps that ended, in order. */
  readonly ended: readonly string[];
}

/** Options of a test harness. */
export interface HarnessOptions extends EngineOptions {
  /** Steps replaced by in-process code, by qualified name (`step` or `sub/step`). */
  readonly overrides?: Readonly<Record<string, StepCode>>;
  /** Use a simulated clock (default true). */
  readonly simulated?: boolean;
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
export function createTestHarness(options: HarnessOptions = {}) {
  const clock: Clock = options.clock ?? (options.simulated === false ? undefined : new SimulatedClock()) ?? new SimulatedClock();
  const engine: Engine = createEngine({ random: () => 0.5, ...options, clock });

  /** Starts a run and collects every event; does not wait. */
  function start<O>(p: Pipeline, input?: unknown, run: RunOptions = {}): { handle: RunHandle<O>; done: Promise<HarnessRun<O>> } {
    const handle = engine.start<O>(p, input, { ...run, overrides: { ...options.overrides, ...run.overrides } });
    const events: RunEvent[] = [];
    const stream = handle.events();
    const done = (async () => {
      for await (const e of stream) events.push(e);
      return view(await handle.result, events);
    })();
    return { handle, done };
  }

  return {
    engine,
    clock,
    start,
    /** Runs to the end; with a simulated clock, timers fire as soon as nothing else can happen. */
    async run<O = unknown>(p: Pipeline, input?: unknown, run: RunOptions = {}): Promise<HarnessRun<O>> {
      const { done } = start<O>(p, input, run);
      if (clock instanceof SimulatedClock) {
        let finished = false;
        void done.then(() => (finished = true));
        while (!finished) {
          await clock.advance(0);
          if (finished) break;
          const at = clock.nextAt();
          if (at !== undefined) await clock.advance(at - clock.now());
          else await new Promise<void>((r) => setImmediate(r));
        }
      }
      return done;
    },
    /** Resumes a suspended run and collects its events. */
    async resume<O = unknown>(p: Pipeline, runId: string, value?: unknown): Promise<HarnessRun<O>> {
      const handle = await engine.resume<O>(p, runId, value, { overrides: { ...options.overrides } });
      const events: RunEvent[] = [];
      for await (const e of handle.events()) events.push(e);
      return view(await handle.result, events);
    },
    close: () => engine.close(),
  };
}

/** Wraps a result and its events with reading helpers. */
export function view<O>(result: RunResult<O>, events: RunEvent[]): HarnessRun<O> {
  return {
    result,
    events,
    of: <T extends EventType>(type: T) => events.filter((e): e is EventOf<T> => e.type === type),
    types: events.map((e) => e.type),
    tokens: (step) => events.flatMap((e) => (e.type === 'token' && e.step === step ? e.tokens : [])),
    ended: events.flatMap((e) => (e.type === 'step.end' ? [e.step] : [])),
  };
}

export { SimulatedClock };
