import type { SseWriter } from './sse-writer.js';

interface OpenStream {
  readonly writer: SseWriter;
  readonly abort: AbortController;
}

/**
 * The open SSE connections, so that shutdown can tell each one (`event: shutdown` with a retry
 * hint) and close it: clients reconnect to another instance, or to this one after its restart,
 * with their Last-Event-ID.
 */
export class StreamRegistry {
  readonly #open = new Set<OpenStream>();

  /** Registers a connection; the returned function unregisters it. */
  add(writer: SseWriter, abort: AbortController): () => void {
    const s: OpenStream = { writer, abort };
    this.#open.add(s);
    return () => void this.#open.delete(s);
  }

  /** Open connections now. */
  get size(): number {
    return this.#open.size;
  }

  /** Sends `shutdown` to every open stream, stops its reader and ends it. */
  async shutdown(retryAfterMs: number): Promise<void> {
    const all = [...this.#open];
    this.#open.clear();
    await Promise.allSettled(
      all.map(async (s) => {
        s.writer.event(null, 'shutdown', JSON.stringify({ retryAfterMs }));
        s.abort.abort();
        await s.writer.end();
      }),
    );
  }
}
