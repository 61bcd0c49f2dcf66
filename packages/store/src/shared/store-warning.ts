/** Something a store noticed and dealt with, that its user should hear of (it is not an error). */
export interface StoreWarning {
  /** `STORE_CORRUPT` (a stored value was edited: recomputed, not served), `AUDIT_REPAIRED`, ... */
  readonly code: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

/** Where a store reports warnings (default: nowhere). */
export type WarningSink = (w: StoreWarning) => void;
