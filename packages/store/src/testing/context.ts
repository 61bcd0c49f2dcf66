import { afterEach, beforeEach } from 'vitest';
import type { Store } from '@weft/core/store';
import type { StoreWarning } from '../shared/store-warning.js';
import type { StoreHarness } from './harness.js';

/** The store of the current test and the warnings it reported. */
export interface ContractContext {
  readonly h: StoreHarness;
  store(): Store;
  readonly warnings: StoreWarning[];
  /** Reopens the store (durable stores only) and makes it the current one. */
  reopen(): Promise<Store>;
}

/** Opens a fresh store before each test and cleans up after it. */
export function contractContext(h: StoreHarness): ContractContext {
  let current: Store | undefined;
  const warnings: StoreWarning[] = [];
  const onWarning = (w: StoreWarning): void => void warnings.push(w);
  beforeEach(async () => {
    warnings.length = 0;
    current = await h.open({ onWarning });
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
    await h.cleanup?.();
  });
  return {
    h,
    warnings,
    store: () => {
      if (!current) throw new Error('no store open');
      return current;
    },
    reopen: async () => {
      if (!h.reopen) throw new Error('this store does not reopen');
      current = await h.reopen(current!, { onWarning });
      return current;
    },
  };
}
