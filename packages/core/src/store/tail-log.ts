import type { RunEvent } from '../events/types.js';

/** What {@link tailLog} needs from an event log: reading history and hearing of appends in this process. */
export interface TailSource {
  read(runId: string, after: number, limit?: number): Promise<readonly RunEvent[]>;
  /** Calls `fn` with every batch appended to `runId` from now on, in order; returns the unsubscribe function. */
  subscribe(runId: string, fn: (batch: readonly RunEvent[]) => void): () => void;
}

/** Options of {@link tailLog}. */
export interface TailOptions {
  readonly signal?: AbortSignal;
  /**
   * Also read the log every `pollMs` while nothing arrives (appends made by another process, which
   * `subscribe` does not hear). Default: never.
   */
  readonly pollMs?: number;
  /** Live events held for a slow reader before it falls back to reading the log (default 10,000). */
  readonly maxBuffer?: number;
  /** History page size (default 1000). */
  readonly page?: number;
}

/**
 * Events of a run with `seq > after`: first the log's history, then live appends, with no gap and
 * no duplicate. It subscribes before it reads (an append that lands between the two is in both and
 * is de-duplicated by seq), and a reader that falls behind by more than `maxBuffer` events drops
 * its buffer and reads the log at its own pace: a slow reader never holds the writer back or grows
 * without bound. Ends only when `signal` aborts.
 * @example for await (const e of tailLog(log, runId, 0, { signal })) send(e);
 */
export async function* tailLog(
  source: TailSource,
  runId: string,
  after: number,
  options: TailOptions = {},
): AsyncGenerator<RunEvent> {
  const { signal, pollMs } = options;
  const maxBuffer = options.maxBuffer ?? 10_000;
  const page = options.page ?? 1000;
  let last = after;
  let buffer: RunEvent[] = [];
  let behind = true; // read the log until it is exhausted
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stopped = (): boolean => signal?.aborted === true;
  const unsubscribe = source.subscribe(runId, (batch) => {
    if (behind) return poke();
    for (const e of batch) buffer.push(e);
    if (buffer.length > maxBuffer) {
      buffer = [];
      behind = true;
    }
    poke();
  });
  signal?.addEventListener('abort', poke);
  try {
    while (!stopped()) {
      if (behind) {
        // Live events from here on are buffered; the log holds everything before them.
        behind = false;
        for (;;) {
          const rows = await source.read(runId, last, page);
          for (const e of rows) {
            if (e.seq <= last) continue;
            last = e.seq;
            yield e;
            if (stopped()) return;
          }
          if (rows.length < page) break;
        }
        continue;
      }
      if (buffer.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (pollMs !== undefined) {
            const t = setTimeout(() => {
              behind = true;
              poke();
            }, pollMs);
            const done = resolve;
            wake = () => {
              clearTimeout(t);
              done();
            };
          }
        });
        continue;
      }
      const batch = buffer;
      buffer = [];
      for (const e of batch) {
        if (e.seq <= last) continue;
        if (e.seq !== last + 1) {
          // Appended by someone we did not hear (another process): the log has what is missing.
          behind = true;
          break;
        }
        last = e.seq;
        yield e;
        if (stopped()) return;
      }
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', poke);
  }
}
