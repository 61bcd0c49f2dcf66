// `@weft/store/testing`: the contract suite every store implementation passes.
import { describe } from 'vitest';
import { auditContract } from './audit-contract.js';
import { contractContext } from './context.js';
import { engineContract } from './engine-contract.js';
import { eventsContract } from './events-contract.js';
import type { StoreHarness } from './harness.js';
import { locksContract } from './locks-contract.js';
import { memoContract } from './memo-contract.js';
import { runsContract } from './runs-contract.js';
import { durableContract } from './durable-contract.js';

export type { StoreHarness } from './harness.js';
export { memoryHarness } from './memory-harness.js';
export { sqliteHarness } from './sqlite-harness.js';

/**
 * Registers the store contract suite (vitest) for one implementation: every port, the values and
 * audit rules, and the engine's event numbering on it. Durable stores (with `reopen`) are also
 * checked to keep everything across a close and open.
 * @example
 * import { storeContract, memoryHarness } from '@weft/store/testing';
 * storeContract('memory', memoryHarness());
 */
export function storeContract(name: string, harness: StoreHarness): void {
  describe(`store contract: ${name}`, () => {
    const c = contractContext(harness);
    runsContract(c);
    eventsContract(c);
    memoContract(c);
    locksContract(c);
    auditContract(c);
    engineContract(c);
    if (harness.reopen) durableContract(c);
  });
}
