// Helpers of the actors suites: engines on the `workers` orchestrator, piscina baselines, calibration.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Engine, EngineOptions } from '@weft/core';
import { createEngine, type WorkersOptions } from '@weft/actors';
import { spin } from './actors-fixtures.js';
import { discardStore } from './shared.js';

/** The baselines' worker module (compiled next to this file). */
export const BASELINE_WORKER = fileURLToPath(new URL('./actors-baseline-worker.js', import.meta.url));

/** An engine on `workers` (the @weft/actors default) with a store that keeps nothing. */
export function workersEngine(
  workers: WorkersOptions = {},
  options: Omit<EngineOptions, 'orchestratorOptions'> = {},
): Engine {
  return createEngine({ store: discardStore(), ...options, orchestratorOptions: workers });
}

/** A plain piscina pool of `threads` threads running the baseline worker (defaults otherwise). */
export function piscinaPool(threads: number): Piscina {
  return new Piscina({ filename: BASELINE_WORKER, minThreads: threads, maxThreads: threads });
}

/** Kernel rounds that take about `us` microseconds on this machine (median of a few timings). */
export function calibrate(us: number): number {
  const probe = 200_000;
  spin(probe);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    spin(probe, i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const perRoundUs = (times[3]! * 1000) / probe;
  return Math.max(1, Math.round(us / perRoundUs));
}

/** Waits until every thread of a fresh engine's pool has started (one tiny run per thread). */
export async function warm(engine: Engine, run: () => Promise<unknown>, times = 4): Promise<void> {
  await engine.orchestrator();
  for (let i = 0; i < times; i++) await run();
}
