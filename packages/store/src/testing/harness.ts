import type { Store } from '@weft/core/store';
import type { StoreWarning } from '../shared/store-warning.js';

/** How the contract suite drives one store implementation. */
export interface StoreHarness {
  /** Opens a fresh, empty store whose warnings go to `onWarning`. */
  open(o?: { readonly onWarning?: (w: StoreWarning) => void }): Promise<Store>;
  /** Closes `store` and opens the same data again; absent for stores that keep nothing past `close` (memory). */
  reopen?(store: Store, o?: { readonly onWarning?: (w: StoreWarning) => void }): Promise<Store>;
  /** Replaces the stored bytes of a value behind the store's back (as an edit of the file would), keeping its hash. */
  editValue(store: Store, hash: string, replacement: unknown): void;
  /** A run's audit log as stored (one JSON entry per line). */
  auditText(store: Store, runId: string): string;
  /** Replaces a run's audit log behind the store's back (tampering, or a crash's torn line). */
  setAuditText(store: Store, runId: string, text: string): void;
  /** Called after each test: close what is open, remove temporary files. */
  cleanup?(): Promise<void>;
}
