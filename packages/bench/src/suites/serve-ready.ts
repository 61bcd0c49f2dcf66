import type { Measurement, Suite } from '../suite.js';
import { spawnServer } from './serve-shared.js';

const PIPELINES = 20;

/** Spawns a server, returns its time to ready (its own clock, from process start), stops it. */
async function ready(options: Record<string, unknown>): Promise<Measurement> {
  const s = await spawnServer(options);
  await s.stop();
  return { durationMs: s.readyMs, metrics: { 'spawn to ready ms': s.spawnToReadyMs } };
}

/**
 * Start-up: from the process start to listening (Node's own boot and module loading included),
 * `weft serve` with 20 pipelines on `workers` (threads started) against a bare Fastify app.
 */
export const serveReadySuite: Suite = {
  name: 'serve-ready',
  description: `process start to listening: weft serve with ${PIPELINES} pipelines on workers vs a bare Fastify app`,
  setup: () => ({
    unit: 'start',
    baseline: 'fastify floor',
    latency: true,
    iterations: 5,
    params: { pipelines: PIPELINES + 5, mode: 'workers' },
    cases: [
      { name: 'fastify floor', units: 1, run: () => ready({ kind: 'floor' }) },
      {
        name: 'weft serve',
        description: `${PIPELINES} extra pipelines, workers`,
        units: 1,
        run: () => ready({ kind: 'weft', mode: 'workers', pipelines: PIPELINES }),
      },
    ],
    targets: [
      {
        case: 'weft serve',
        metric: 'usPerUnit',
        max: 300_000,
        label: 'issue 13: ready <= 300 ms with 20 pipelines',
      },
    ],
  }),
};
