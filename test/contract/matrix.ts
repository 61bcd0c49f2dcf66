// The orchestrators every contract suite runs against. A semantic test of the engine is written once,
// as `describe.each(ORCHESTRATORS)`, and must pass unchanged on each backend: `direct` runs steps on
// the main thread, `workers` (@weft/actors) in a pool of worker threads, `bullmq` (@weft/bullmq) on two
// `weft worker` processes through Redis (one Redis for the whole run, started by bullmq-setup.ts; a
// pair of workers per test file, below; left out with a message where redis-server is not installed,
// never under CI).
import { afterAll, beforeAll, inject } from 'vitest';
import {
  createEngine,
  createRegistry,
  type Engine,
  type EngineOptions,
  type OrchestratorRegistry,
} from '@weft/core';
import { workersEntry } from '@weft/actors';
import { bullmqEntry } from '@weft/bullmq';
import { spawnWorker, type SpawnedWorker } from '@weft/bullmq/testing';
import { CONTRACT_WORKER } from './bullmq-setup.js';

// The bullmq rows run by default (under CI always); outside CI, WEFT_CONTRACT_BULLMQ=0 leaves them out
// for a quicker local run of the other rows.
const bullmq =
  process.env['WEFT_CONTRACT_BULLMQ'] === '0' && process.env['CI'] !== 'true' ? null : inject('bullmq');
/** A key prefix of this test file's own: jobs of another file's workers never reach this file's. */
const prefix = `contract-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

// Each test file that uses the matrix gets its own pair of `weft worker` processes (the real CLI
// command, two threads each), started before its tests and stopped after them.
let workers: SpawnedWorker[] = [];
if (bullmq) {
  beforeAll(async () => {
    workers = await Promise.all(
      [1, 2].map((n) =>
        spawnWorker({
          cli: bullmq.cli,
          cwd: bullmq.root,
          options: {
            redis: bullmq.redis,
            prefix,
            root: bullmq.root,
            threads: 2,
            name: `contract-${n}`,
            ...CONTRACT_WORKER,
          },
        }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });
}

export const ORCHESTRATORS = bullmq
  ? (['direct', 'workers', 'bullmq'] as const)
  : (['direct', 'workers'] as const);
export type OrchestratorName = 'direct' | 'workers' | 'bullmq';

/**
 * The time limit of a property test (hundreds of random runs) on `name`: on bullmq every step is a
 * Redis job handled by another process, ~16 s per property on a quiet 2-core machine, far longer
 * under load; the in-process orchestrators keep the suite's default.
 */
export const propertyTimeout = (name: OrchestratorName): number => (name === 'bullmq' ? 300_000 : 60_000);

/** A registry holding every backend of the matrix. */
export function contractRegistry(): OrchestratorRegistry {
  return createRegistry().register(workersEntry).register(bullmqEntry);
}

/** Options each backend gets in the contract suites (a small pool; a short grace before a hard kill). */
const BACKEND_OPTIONS: Record<OrchestratorName, Readonly<Record<string, unknown>>> = {
  direct: {},
  workers: { threads: 2, cancelGraceMs: 250 },
  bullmq: bullmq
    ? {
        redis: bullmq.redis,
        // This file's own prefix: the one its pair of workers takes jobs from.
        prefix,
        root: bullmq.root,
        lockDurationMs: 1000,
        stalledIntervalMs: 1000,
        cancelGraceMs: 250,
      }
    : {},
};

/** An engine on the given backend; close it in `afterEach`/`finally`. */
export function engineFor(
  name: OrchestratorName,
  options: Omit<EngineOptions, 'orchestrator' | 'registry'> = {},
): Engine {
  return createEngine({
    orchestratorOptions: BACKEND_OPTIONS[name],
    ...options,
    orchestrator: name,
    registry: contractRegistry(),
  });
}
