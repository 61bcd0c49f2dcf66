// The worker module piscina loads once per worker thread. Each worker runs exactly one piscina task,
// `attach`, for its whole life: the hot path then runs over the attached port, not through piscina's
// per-task dispatch (measured ~10× slower for tiny tasks).
import { WeftError } from '@weft/core';
import { markWeftWorker } from '@weft/core/plugin';
import type { AttachRequest } from '../protocol/attach.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { StepHost } from './step-host.js';

// Before any step module is imported: an engine created by a module's top level refuses to start here.
markWeftWorker();

/** Serves the host until it closes this worker. */
export default async function attach(req: AttachRequest): Promise<string> {
  if (req.protocol !== PROTOCOL_VERSION) {
    throw new WeftError('PROTOCOL_ERROR', `worker speaks protocol ${PROTOCOL_VERSION}, host ${req.protocol}`);
  }
  const host = new StepHost(req);
  await host.closed;
  return 'closed';
}
