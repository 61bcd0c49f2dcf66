import { request, type IncomingMessage } from 'node:http';

/** One frame of a server-sent event stream. */
export interface SseFrame {
  readonly id: number | null;
  readonly event: string;
  readonly data: string;
}

/** A real SSE client on a socket: frames as they arrive, comments, and the response. */
export class SseClient {
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  #buf = '';
  #res: IncomingMessage | undefined;
  #waiters: { pred: () => boolean; resolve: () => void }[] = [];
  readonly closed: Promise<void>;
  #close!: () => void;
  #req;

  constructor(url: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    this.closed = new Promise((r) => (this.#close = r));
    this.#req = request(
      url,
      { method: o.method ?? 'GET', headers: { accept: 'text/event-stream', ...o.headers } },
      (res) => {
        this.#res = res;
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.#feed(chunk));
        res.on('end', () => this.#done());
        res.on('close', () => this.#done());
        this.#check();
      },
    );
    this.#req.on('error', () => this.#done());
    if (o.body !== undefined) this.#req.end(o.body);
    else this.#req.end();
  }

  /** Stops reading from the socket (the server's writes pile up). */
  pause(): void {
    this.#res?.pause();
  }

  resume(): void {
    this.#res?.resume();
  }

  /** Closes the connection from the client side. */
  abort(): void {
    this.#req.destroy();
  }

  /** Resolves once `pred` holds (checked on every frame and at close). */
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }

  /** Resolves when the response has arrived (status and headers known). */
  opened(): Promise<void> {
    return this.until(() => this.status !== 0);
  }

  #feed(chunk: string): void {
    this.#buf += chunk;
    const at = parseFrames(this.#buf, this.frames, this.comments);
    this.#buf = this.#buf.slice(at);
    this.#check();
  }

  #done(): void {
    this.#close();
    this.#check(true);
  }

  #check(final = false): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (final || w.pred()) {
        w.resolve();
        return false;
      }
      return true;
    });
  }
}

/**
 * Parses the complete blocks of an event stream into `frames` (and comments into `comments`);
 * returns where the unfinished tail starts.
 */
export function parseFrames(text: string, frames: SseFrame[], comments: string[] = []): number {
  let at = 0;
  let i: number;
  while ((i = text.indexOf('\n\n', at)) >= 0) {
    const block = text.slice(at, i);
    at = i + 2;
    let id: number | null = null;
    let event = 'message';
    const data: string[] = [];
    let isFrame = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        comments.push(line.slice(1).trim());
        continue;
      }
      if (line.startsWith('id: ')) id = Number(line.slice(4));
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else continue;
      isFrame = true;
    }
    if (isFrame) frames.push({ id, event, data: data.join('\n') });
  }
  return at;
}

/** The frames of a whole event-stream body. */
export function framesOf(body: string): SseFrame[] {
  const frames: SseFrame[] = [];
  parseFrames(body, frames);
  return frames;
}
