import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '@weft/core';

/** Options of an SSE connection. */
export interface SseWriterOptions {
  readonly clock: Clock;
  /** A `: hb` comment after this long without a write (0: none). */
  readonly heartbeatMs: number;
  /** Unsent bytes above which the writer reports `congested` (the reader waits for `drained`). */
  readonly bufferBytes: number;
  /** The client's reconnection delay sent with `retry:` (ms). */
  readonly retryMs?: number;
  /** Extra response headers (`Content-Location`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A server-sent events writer on a raw Node response: frames are gathered and written in one
 * `write` per turn of the event loop (setImmediate), so a burst of events costs one syscall, and
 * a quiet stream gets each event out at once. It never buffers without bound: when the socket has
 * more than `bufferBytes` unsent, `congested` is true and the caller stops reading until `drained()`.
 * @example
 * const w = new SseWriter(reply.raw, { clock: systemClock, heartbeatMs: 15000, bufferBytes: 1 << 20 });
 * w.open();
 * w.event(1, 'run.start', JSON.stringify(e));
 * await w.end();
 */
export class SseWriter {
  readonly #res: ServerResponse;
  readonly #o: SseWriterOptions;
  #pending = '';
  #scheduled = false;
  #closed = false;
  #peerClosed = false;
  #waiting = false;
  #timer: TimerHandle | null = null;
  #lastWrite = 0;
  readonly #onClose: (() => void)[] = [];

  constructor(res: ServerResponse, options: SseWriterOptions) {
    this.#res = res;
    this.#o = options;
    res.once('close', () => this.#closedByPeer());
  }

  /** True once the client went away or `end` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True when the client closed the connection (not this writer's `end`). */
  get peerClosed(): boolean {
    return this.#peerClosed;
  }

  /** True while `drained()` waits for the socket (the reader of the log is stopped). */
  get waitingForDrain(): boolean {
    return this.#waiting;
  }

  /** True while more bytes wait (queued here, or unsent in the socket) than allowed. */
  get congested(): boolean {
    return this.#pending.length + this.#res.writableLength > this.#o.bufferBytes;
  }

  /** Sends the status line, the headers and a first comment at once (the client sees the stream open). */
  open(): void {
    this.#res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...this.#o.headers,
    });
    this.#res.write(`retry: ${this.#o.retryMs ?? 1000}\n: ok\n\n`);
    this.#lastWrite = this.#o.clock.now();
    this.#tick(this.#o.heartbeatMs);
  }

  /** Queues one event; `data` is one line of JSON (no newline inside). */
  event(id: number | null, type: string, data: string): void {
    if (this.#closed) return;
    this.#pending +=
      id === null ? `event: ${type}\ndata: ${data}\n\n` : `id: ${id}\nevent: ${type}\ndata: ${data}\n\n`;
    this.#schedule();
  }

  /** Queues a comment line (heartbeats, notes). */
  comment(text: string): void {
    if (this.#closed) return;
    this.#pending += `: ${text}\n\n`;
    this.#schedule();
  }

  /** Writes what is queued now. */
  flush(): void {
    this.#scheduled = false;
    if (this.#closed || this.#pending.length === 0) return;
    const chunk = this.#pending;
    this.#pending = '';
    this.#res.write(chunk);
    this.#lastWrite = this.#o.clock.now();
  }

  /** Resolves when the socket has drained below the bound (or closed). */
  drained(): Promise<void> {
    this.flush();
    if (this.#res.writableLength <= this.#o.bufferBytes || this.#closed) return Promise.resolve();
    this.#waiting = true;
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiting = false;
        this.#res.off('drain', done);
        this.#res.off('close', done);
        resolve();
      };
      this.#res.on('drain', done);
      this.#res.on('close', done);
    });
  }

  /** Calls `fn` when the stream closes, from either side. */
  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.push(fn);
  }

  /** Flushes and ends the response. */
  end(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.flush();
    this.#close();
    return new Promise((resolve) => this.#res.end(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** The heartbeat: a comment when nothing was written for `heartbeatMs` (one timer, not one per write). */
  #tick(delay: number): void {
    const every = this.#o.heartbeatMs;
    if (every <= 0 || this.#closed) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = null;
      const idle = this.#o.clock.now() - this.#lastWrite;
      if (idle >= every) {
        this.comment(`hb ${Date.now()}`);
        this.flush();
        this.#tick(every);
      } else this.#tick(every - idle);
    }, delay);
  }

  #closedByPeer(): void {
    if (this.#closed) return;
    this.#peerClosed = true;
    this.#close();
  }

  #close(): void {
    this.#closed = true;
    this.#pending = '';
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
    for (const fn of this.#onClose.splice(0)) fn();
  }
}
