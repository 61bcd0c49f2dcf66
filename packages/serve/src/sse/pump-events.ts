import type { RunEvent } from '@weft/core';
import type { EventLog } from '@weft/core/store';
import { toJson } from '../http/to-json.js';
import type { SseWriter } from './sse-writer.js';

/** What to send of a run's events. */
export interface PumpOptions {
  /** Send the events after this number. */
  readonly after: number;
  /** False leaves token events out. */
  readonly tokens: boolean;
  /** Aborted when the client goes away or the service shuts down. */
  readonly signal: AbortSignal;
}

/** How a pump ended: the run finished (`end` sent), or the connection closed first. */
export type PumpEnd = 'end' | 'closed';

type TokenEvent = Extract<RunEvent, { type: 'token' }>;

/** Events read from the log per batch while this connection is behind. */
const BATCH = 1024;

/**
 * Follows a run's event log from `after` and writes each event as an SSE frame whose id is the
 * event number. A connection that is behind reads the log in batches (`read`); once caught up it
 * follows the live tail. When the socket is congested the pump stops reading, drops its tail
 * subscription and goes back to batch reads after the socket drains: a slow client holds at most
 * the writer's buffer, wherever it is in the log, and never slows the run.
 *
 * Consecutive token events of one invocation that are ready together go out as one frame (id: the
 * last number; `seqFrom`: the first). A jump in numbers (events trimmed from the log before this
 * client read them) is announced with a `reset` event, never papered over. After the top-level
 * `run.finish` (a suspend included) an `end` event closes the stream.
 */
export async function pumpEvents(
  log: EventLog,
  runId: string,
  w: SseWriter,
  o: PumpOptions,
): Promise<PumpEnd> {
  let pos = o.after;
  let group: { first: TokenEvent; tokens: unknown[]; last: number } | null = null;
  let groupScheduled = false;
  const emitGroup = (): void => {
    if (!group) return;
    const g = group;
    group = null;
    const data =
      g.last === g.first.seq
        ? toJson(g.first)
        : toJson({ ...g.first, seq: g.last, seqFrom: g.first.seq, tokens: g.tokens });
    w.event(g.last, 'token', data);
  };
  const scheduleGroup = (): void => {
    if (groupScheduled) return;
    groupScheduled = true;
    setImmediate(() => {
      groupScheduled = false;
      emitGroup();
      w.flush();
    });
  };
  /** Writes one event; true once the run's end was written. */
  const send = (e: RunEvent): boolean => {
    if (e.seq <= pos) return false;
    if (e.seq > pos + 1) {
      emitGroup();
      w.event(null, 'reset', JSON.stringify({ from: e.seq, missed: { from: pos + 1, to: e.seq - 1 } }));
    }
    pos = e.seq;
    if (e.type === 'token') {
      if (!o.tokens) return false;
      const g = group;
      if (
        g &&
        g.first.step === e.step &&
        g.first.invocation === e.invocation &&
        samePath(g.first.path, e.path)
      ) {
        for (const t of e.tokens) g.tokens.push(t);
        g.last = e.seq;
      } else {
        emitGroup();
        group = { first: e, tokens: [...e.tokens], last: e.seq };
      }
      scheduleGroup();
      return false;
    }
    emitGroup();
    w.event(e.seq, e.type, toJson(e));
    if (e.type !== 'run.finish' || e.path.length > 0) return false;
    w.event(null, 'end', JSON.stringify({ status: e.status, lastEventId: e.seq }));
    return true;
  };
  const relieve = async (): Promise<void> => {
    emitGroup();
    await w.drained();
  };

  while (!o.signal.aborted && !w.closed) {
    // Behind: batches from the log, as fast as the socket takes them.
    for (;;) {
      const batch = await log.read(runId, pos, BATCH);
      if (w.closed || o.signal.aborted) return 'closed';
      for (const e of batch) if (send(e)) return finish(w);
      if (w.congested) await relieve();
      if (batch.length < BATCH) break;
    }
    // Caught up: the live tail, until the run ends or the socket is congested.
    const live = new AbortController();
    const stop = (): void => live.abort();
    o.signal.addEventListener('abort', stop, { once: true });
    let congested = false;
    try {
      for await (const e of log.tail(runId, pos, live.signal)) {
        if (w.closed) return 'closed';
        if (send(e)) return await finish(w);
        if (w.congested) {
          congested = true;
          break;
        }
      }
    } finally {
      o.signal.removeEventListener('abort', stop);
      live.abort();
    }
    if (congested) await relieve();
  }
  emitGroup();
  return 'closed';
}

async function finish(w: SseWriter): Promise<'end'> {
  await w.end();
  return 'end';
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
