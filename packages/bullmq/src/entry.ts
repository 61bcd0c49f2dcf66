import type { OrchestratorEntry } from '@weft/core';
import { BULLMQ_CAPABILITIES, BullmqOrchestrator } from './coordinator/bullmq-orchestrator.js';

/**
 * The registry entry of `bullmq`: options come from `EngineOptions.orchestratorOptions` (see
 * {@link BullmqOptions}); `weft worker` processes must run against the same Redis.
 * @example
 * const engine = createEngine({ registry: createRegistry().register(bullmqEntry), orchestrator: 'bullmq', orchestratorOptions: { redis } });
 */
export const bullmqEntry: OrchestratorEntry = {
  name: 'bullmq',
  description: 'tasks as BullMQ jobs on Redis, run by `weft worker` processes on any number of machines',
  capabilities: BULLMQ_CAPABILITIES,
  create: (ctx) => new BullmqOrchestrator(ctx.options, ctx.services),
};

export type { BullmqOptions } from './coordinator/options.js';
