import type { FastifyReply } from 'fastify';
import { isWeftError } from '@weft/core';
import type { ServiceContext } from '../context.js';
import type { Release } from '../quotas/tenant-quotas.js';
import { pumpEvents } from './pump-events.js';
import { SseWriter } from './sse-writer.js';

/** One SSE answer: which run, from where, and what to do when it closes. */
export interface RunStreamOptions {
  readonly runId: string;
  readonly after: number;
  readonly tokens: boolean;
  /** Gives back the stream quota (called once the stream is over). */
  readonly release: Release;
  readonly headers?: Readonly<Record<string, string>>;
  /** Called when the client goes away before the run ended (`/v1/stream?onDisconnect=cancel`). */
  readonly onClientGone?: (() => void) | undefined;
}

/**
 * Takes the reply over (Fastify no longer writes it) and follows the run's events as SSE until the
 * run finishes, the client goes away or the service shuts down (which sends `shutdown` first). A
 * failure reading the log is told to the client as an `error` event before the stream ends.
 */
export async function openRunStream(
  ctx: ServiceContext,
  reply: FastifyReply,
  o: RunStreamOptions,
): Promise<void> {
  reply.hijack();
  const w = new SseWriter(reply.raw, {
    clock: ctx.clock,
    heartbeatMs: ctx.config.limits.sseHeartbeatMs,
    bufferBytes: ctx.config.limits.sseBufferBytes,
    ...(o.headers ? { headers: o.headers } : {}),
  });
  const abort = new AbortController();
  const unregister = ctx.streams.add(w, abort);
  w.onClose(() => {
    abort.abort();
    if (w.peerClosed) o.onClientGone?.();
  });
  w.open();
  try {
    await pumpEvents(ctx.store.events, o.runId, w, {
      after: o.after,
      tokens: o.tokens,
      signal: abort.signal,
    });
  } catch (e) {
    if (!abort.signal.aborted) {
      ctx.log.error({ err: e, runId: o.runId }, 'event stream failed');
      const code = isWeftError(e) ? e.code : 'INTERNAL';
      w.event(
        null,
        'error',
        JSON.stringify({ code, message: isWeftError(e) ? e.message : 'reading the event log failed' }),
      );
    }
  } finally {
    unregister();
    o.release();
    await w.end();
  }
}
