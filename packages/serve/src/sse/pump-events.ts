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

/**
 * Follows a run's event log from `after` and writes each event as an SSE frame whose id is the
 * event number. The log is read at this connection's pace: when the socket is congested the pump
 * stops reading until it drains, so a slow client holds a bounded buffer and never slows the run.
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
  let expected = o.after + 1;
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
  for await (const e of log.tail(runId, o.after, o.signal)) {
    if (w.closed) return 'closed';
    if (e.seq < expected) continue;
    if (e.seq > expected) {
      emitGroup();
      w.event(null, 'reset', JSON.stringify({ from: e.seq, missed: { from: expected, to: e.seq - 1 } }));
    }
    expected = e.seq + 1;
    if (e.type === 'token') {
      if (!o.tokens) continue;
      if (
        group &&
        group.first.step === e.step &&
        group.first.invocation === e.invocation &&
        samePath(group.first.path, e.path)
      ) {
        for (const t of e.tokens) group.tokens.push(t);
        group.last = e.seq;
      } else {
        emitGroup();
        group = { first: e, tokens: [...e.tokens], last: e.seq };
      }
      scheduleGroup();
    } else {
      emitGroup();
      w.event(e.seq, e.type, toJson(e));
      if (e.type === 'run.finish' && e.path.length === 0) {
        w.event(null, 'end', JSON.stringify({ status: e.status, lastEventId: e.seq }));
        await w.end();
        return 'end';
      }
    }
    if (w.congested) {
      emitGroup();
      w.flush();
      await w.drained();
    }
  }
  emitGroup();
  return 'closed';
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
