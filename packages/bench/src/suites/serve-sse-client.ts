import { request, type ClientRequest } from 'node:http';

/** One SSE frame. */
export interface Frame {
  readonly id: number | null;
  readonly event: string;
  readonly data: string;
}

/**
 * A minimal SSE client for the benchmarks: calls `onFrame` for each frame as it arrives; resolves
 * when the server ends the stream or `abort()` is called.
 */
export function sse(
  url: string,
  o: {
    method?: 'GET' | 'POST';
    body?: unknown;
    lastEventId?: number;
    onFrame: (f: Frame, abort: () => void) => void;
  },
): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    let status = 0;
    const abort = (): void => {
      req?.destroy();
      resolve({ status });
    };
    req = request(
      url,
      {
        method: o.method ?? 'GET',
        headers: {
          accept: 'text/event-stream',
          ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(o.lastEventId !== undefined ? { 'last-event-id': String(o.lastEventId) } : {}),
        },
      },
      (res) => {
        status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let at = 0;
          let i: number;
          while ((i = buf.indexOf('\n\n', at)) >= 0) {
            const block = buf.slice(at, i);
            at = i + 2;
            if (block.startsWith(':') || block.startsWith('retry:')) continue;
            let id: number | null = null;
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) id = Number(line.slice(4));
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data = line.slice(6);
            }
            o.onFrame({ id, event, data }, abort);
            if (req?.destroyed) return;
          }
          buf = buf.slice(at);
        });
        res.on('end', () => resolve({ status }));
        res.on('close', () => resolve({ status }));
      },
    );
    req.on('error', (e) => (req?.destroyed ? resolve({ status }) : reject(e)));
    req.end(o.body !== undefined ? JSON.stringify(o.body) : undefined);
  });
}
