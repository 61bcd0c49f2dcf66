/**
 * The smallest guided chunk, as a share of the map: chunks never shrink below total / (parallelism ×
 * this), so a long map of tiny items does not end in a tail of one-item chunks (each chunk costs the
 * main thread a dispatch and a result, ~20 µs).
 */
export const GUIDED_FLOOR_SHARE = 32;

/** How a map of known size cuts its items when no chunk size was given: see {@link guidedChunk}. */
export interface GuidedChunking {
  /** Items in the map. */
  readonly total: number;
  /** Threads that run its chunks. */
  readonly parallelism: number;
}

/**
 * The size of the next chunk of a map whose chunk size was not given (guided self-scheduling, as
 * OpenMP's `schedule(guided)`): half of an even share of the items not yet dispatched, between the
 * floor (total / (parallelism × GUIDED_FLOOR_SHARE), at least 1) and `max` (the orchestrator's chunk
 * size). The first chunks are as large as before (total / (parallelism × 2)); later ones shrink as
 * the map drains, so when items cost unevenly the last, possibly heaviest, items are spread over the
 * threads instead of waiting behind one thread's big chunk. On 64 items and 2 threads: 16, 12, 9, 7,
 * 5, 4, 3, 2, 2, 1, 1, 1, 1 (the even cut was 16, 16, 16, 16).
 */
export function guidedChunk(remaining: number, max: number, g: GuidedChunking): number {
  const floor = Math.ceil(g.total / (g.parallelism * GUIDED_FLOOR_SHARE));
  const share = Math.ceil(remaining / (g.parallelism * 2));
  return Math.max(1, Math.min(max, Math.max(floor, share)));
}
