// Shared helpers of the worker tests: an engine on real workers, and a run observed to its end.
import type {
  Engine,
  EngineOptions,
  EventOf,
  EventType,
  Pipeline,
  RunEvent,
  RunOptions,
  RunResult,
} from '@weft/core';
import { createEngine, type WorkersOptions } from '../dist/index.js';
import { createTestHost, type TestHost } from './dist/fixtures/host.js';

/** An engine on `workers` with fresh host services. Close it with `close()`. */
export interface Rig {
  readonly engine: Engine;
  readonly host: TestHost;
  close(): Promise<void>;
}

/** Builds a rig; `workers` are the orchestrator options. */
export function rig(
  workers: WorkersOptions = {},
  engine: Omit<EngineOptions, 'services' | 'orchestratorOptions'> = {},
): Rig {
  const host = createTestHost();
  const e = createEngine({
    ...engine,
    services: host.services,
    orchestratorOptions: { threads: 2, ...workers },
  });
  return {
    engine: e,
    host,
    async close() {
      host.openAll();
      await e.close();
    },
  };
}

/** A finished run with all its events. */
export interface Observed<O = unknown> {
  readonly result: RunResult<O>;
  readonly events: readonly RunEvent[];
  of<T extends EventType>(type: T): EventOf<T>[];
}

/** Starts a run and collects its events to the end. */
export async function runIt<O = unknown>(
  engine: Engine,
  p: Pipeline,
  input?: unknown,
  options: RunOptions = {},
): Promise<Observed<O>> {
  const handle = engine.start<O>(p, input, options);
  const events: RunEvent[] = [];
  for await (const e of handle.events()) events.push(e);
  const result = await handle.result;
  return {
    result,
    events,
    of: <T extends EventType>(t: T) => events.filter((e): e is EventOf<T> => e.type === t),
  };
}

/** The orchestrator's counters. */
export async function stats(
  engine: Engine,
): Promise<{ workerRestarts: number; bytesMoved: number; tasks: number; dispatches: number }> {
  const s = (await engine.orchestrator()).stats();
  const n = (k: string): number => Number(s.extra?.[k] ?? 0);
  return {
    workerRestarts: s.workerRestarts,
    bytesMoved: s.bytesMoved,
    tasks: n('tasks'),
    dispatches: n('dispatches'),
  };
}
