import type { ServerResponse } from 'node:http';
import type { RunSummary } from '../shared/boot.js';
import type { DashboardAccess } from './dashboard-pages.js';
import type { RunChange, RunFeed } from './run-feed.js';

/** What {@link streamRunFeed} sends and to whom. */
export interface RunFeedStreamOptions {
  /** The last change id the reader has (its `Last-Event-ID`, or the boot's `feedId`); default: none. */
  readonly after?: number | null;
  /** Who reads: a tenant gets its own runs only. */
  readonly access: DashboardAccess;
  /** The runs as they are now, for a reader whose missed changes are no longer kept. */
  readonly list: () => Promise<readonly RunSummary[]>;
  /** A comment line this often keeps proxies from closing an idle stream (default 15,000 ms; 0: none). */
  readonly heartbeatMs?: number;
  /** A reader this far behind (bytes queued on its socket) is closed; it reconnects and lists again (default 1 MiB). */
  readonly maxQueuedBytes?: number;
}

/**
 * Answers the runs list's server-sent stream on `res` (already authorised): the changes after
 * `after` (or, when they are no longer kept, one `runs` event with the whole list), then every change
 * live, until the client goes away. Frames: `run` (a {@link RunSummary}), `gone` (`{ runId }`),
 * `runs` (the list); each with the feed's change id, so a reconnect resumes where it stopped.
 * @example
 * app.get('/v1/runs/events', (req, reply) => {
 *   reply.hijack();
 *   void streamRunFeed(reply.raw, feed, { after: Number(req.headers['last-event-id'] ?? NaN), access, list });
 * });
 */
export async function streamRunFeed(
  res: ServerResponse,
  feed: RunFeed,
  o: RunFeedStreamOptions,
): Promise<void> {
  const maxQueued = o.maxQueuedBytes ?? 1 << 20;
  let closed = false;
  let pending: RunChange[] | null = [];
  const write = (frame: string): void => {
    if (closed) return;
    res.write(frame);
    if (res.writableLength > maxQueued) res.destroy();
  };
  const send = (c: RunChange): void => {
    switch (c.kind) {
      case 'run':
        if (sees(o.access, c.run.tenant))
          write(`id: ${c.id}\nevent: run\ndata: ${JSON.stringify(c.run)}\n\n`);
        return;
      case 'gone':
        if (sees(o.access, c.tenant))
          write(`id: ${c.id}\nevent: gone\ndata: ${JSON.stringify({ runId: c.runId })}\n\n`);
        return;
      case 'reset':
        void listAll(c.id);
        return;
    }
  };
  /** The whole list; when it cannot be read, an `error` event and the end of the stream (the client retries). */
  const listAll = async (id: number): Promise<void> => {
    try {
      const runs = await o.list();
      write(`id: ${id}\nevent: runs\ndata: ${JSON.stringify(runs)}\n\n`);
    } catch {
      write(
        `event: error\ndata: ${JSON.stringify({ code: 'STORE_IO', message: 'the runs could not be listed' })}\n\n`,
      );
      res.end();
    }
  };
  // Subscribe before reading what was missed: nothing falls between the two.
  const unsubscribe = feed.subscribe((c) => (pending ? pending.push(c) : send(c)));
  const heartbeat =
    (o.heartbeatMs ?? 15_000) > 0 ? setInterval(() => write(': hb\n\n'), o.heartbeatMs ?? 15_000) : null;
  heartbeat?.unref();
  const done = new Promise<void>((resolve) => {
    res.on('close', () => {
      closed = true;
      unsubscribe();
      if (heartbeat) clearInterval(heartbeat);
      resolve();
    });
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 1000\n: ok\n\n');
  const after = o.after ?? null;
  const missed = after !== null && Number.isInteger(after) && after >= 0 ? feed.since(after) : null;
  if (missed) for (const c of missed) send(c);
  else await listAll(feed.lastId);
  // Changes that came while the list was read: sent again is harmless (a row is replaced by id).
  const queued = pending;
  pending = null;
  for (const c of queued) send(c);
  await done;
}

const sees = (access: DashboardAccess, tenant: string | null): boolean =>
  access.tenant === null || access.tenant === tenant;
