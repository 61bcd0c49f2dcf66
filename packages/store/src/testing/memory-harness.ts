import { memoryInternals, memoryStore } from '../memory/memory-store.js';
import { encodeValue, joinEncoded } from '../shared/value-codec.js';
import type { StoreHarness } from './harness.js';

/** The contract harness of {@link memoryStore}. */
export function memoryHarness(): StoreHarness {
  const of = (s: Parameters<typeof memoryInternals>[0]) => {
    const i = memoryInternals(s);
    if (!i) throw new Error('not a memory store');
    return i;
  };
  return {
    open: async (o = {}) => memoryStore(o.onWarning ? { onWarning: o.onWarning } : {}),
    editValue: (s, hash, replacement) =>
      void of(s).values.map.set(hash, joinEncoded(encodeValue(replacement))),
    auditText: (s, runId) => of(s).auditFiles.read(runId),
    setAuditText: (s, runId, text) => of(s).auditFiles.set(runId, text),
  };
}
