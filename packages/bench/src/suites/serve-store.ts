import type { Store } from '@weft/core/store';
import { memoryStore } from '@weft/store';

/** The store of the service under test: memory, keeping every event of the suites' runs (1M per run). */
export function benchStore(): Store {
  return memoryStore({ maxEventsPerRun: 1_000_000 });
}
