import { hostname } from 'node:os';
import { WeftError } from '@weft/core';
import type { Owner, Store } from '@weft/core/store';

/** The store a configuration names. */
export type StoreSetting = { readonly kind: 'memory' } | { readonly kind: 'sqlite'; readonly path: string };

/** Opens the configured store. (Until @weft/store lands, the caller passes `store`.) */
export async function openStore(setting: StoreSetting): Promise<Store> {
  throw new WeftError(
    'CONFIG_INVALID',
    `the ${setting.kind} store is not available in this build: pass a store to startServer({ store })`,
  );
}

/** True when a run's owner still lives: same host and a live pid. */
export function ownerAlive(owner: Owner): boolean {
  if (owner.leaseUntil !== undefined && owner.leaseUntil < Date.now()) return false;
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
