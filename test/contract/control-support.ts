// Test-side helpers shared by the control-flow, retry, switch, sub, suspend, handler, hook and state
// suites: collect a run's events, and drive a SimulatedClock from the run's own retry events (never
// from wall-clock time), so that the same test is deterministic in-process and across threads.
import type {
  Engine,
  EventOf,
  EventType,
  Pipeline,
  RunEvent,
  RunHandle,
  RunOptions,
  RunResult,
  SimulatedClock,
} from '@weft/core';

/** A finished run with every event it emitted. */
export interface Observed<O = unknown> {
  readonly result: RunResult<O>;
  readonly events: readonly RunEvent[];
  of<T extends EventType>(type: T): EventOf<T>[];
  /** `type:step` for step events (`type:path/step` inside a sub-pipeline), `type` for the others. */
  readonly trace: readonly string[];
}

/**
 * Collects a handle's events until the run ends (`onEvent` sees each as it comes, to steer the run
 * through the host's gates). Call it in the same tick as `start`/`resume` so that no event is missed. With a simulated clock, each `step.retry` advances time by its delay, which
 * fires exactly the retry timer the engine just scheduled.
 */
export async function observe<O>(
  handle: RunHandle<O>,
  clock?: SimulatedClock,
  onEvent?: (e: RunEvent) => void,
): Promise<Observed<O>> {
  const events: RunEvent[] = [];
  for await (const e of handle.events()) {
    events.push(e);
    onEvent?.(e);
    if (clock && e.type === 'step.retry') await clock.advance(e.delayMs);
  }
  return observed(await handle.result, events);
}

/** Starts a run and observes it to the end. */
export function runIt<O = unknown>(
  engine: Engine,
  p: Pipeline,
  input?: unknown,
  options: RunOptions = {},
  clock?: SimulatedClock,
): Promise<Observed<O>> {
  return observe(engine.start<O>(p, input, options), clock);
}

/** Resumes a suspended run and observes it to the end. */
export async function resumeIt<O = unknown>(
  engine: Engine,
  p: Pipeline,
  runId: string,
  value?: unknown,
  clock?: SimulatedClock,
): Promise<Observed<O>> {
  return observe(await engine.resume<O>(p, runId, value), clock);
}

/** Wraps a result and its events. */
export function observed<O>(result: RunResult<O>, events: readonly RunEvent[]): Observed<O> {
  return {
    result,
    events,
    of: <T extends EventType>(type: T) => events.filter((e): e is EventOf<T> => e.type === type),
    trace: events.map((e) =>
      'step' in e && typeof e.step === 'string' ? `${e.type}:${[...e.path, e.step].join('/')}` : e.type,
    ),
  };
}

/** A random source that returns `values` in turn (then repeats the last one). */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

/** A run being watched: its events so far, a way to wait for one, and the end. */
export interface Watched<O = unknown> {
  readonly events: readonly RunEvent[];
  /** Resolves once an event matching `pred` has been seen (at once if it already was). */
  waitFor(pred: (e: RunEvent) => boolean): Promise<RunEvent>;
  readonly done: Promise<Observed<O>>;
}

/** Watches a handle's events as they come (call it in the same tick as `start`). */
export function watch<O>(handle: RunHandle<O>): Watched<O> {
  const events: RunEvent[] = [];
  const waiters: { pred: (e: RunEvent) => boolean; resolve: (e: RunEvent) => void }[] = [];
  const stream = handle.events();
  const done = (async () => {
    for await (const e of stream) {
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
    return observed(await handle.result, events);
  })();
  return {
    events,
    waitFor(pred) {
      const seen = events.find(pred);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    done,
  };
}
