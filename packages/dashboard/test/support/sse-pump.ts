// The run event stream of the stand-in server, written to the contract of @weft/serve's pump
// (packages/serve/src/sse/pump-events.ts on branch `serve`): each event a frame whose id is its
// number; consecutive token events of one invocation that are ready together merged into one frame
// (id: the last number, `seqFrom`: the first); a jump in numbers announced with `reset`; `end`
// after the top-level run.finish. The log is read in batches while behind, then tailed live.
import type { ServerResponse } from 'node:http';
import type { RunEvent } from '@weft/core';
import type { EventLog } from '@weft/core/store';

type TokenEvent = Extract<RunEvent, { type: 'token' }>;

/** Follows `runId` from `after` onto `res` until the run ends or `signal` aborts. */
export async function pumpRunEvents(
  log: EventLog,
  runId: string,
  after: number,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  let pos = after;
  let group: { first: TokenEvent; tokens: unknown[]; last: number } | null = null;
  let scheduled = false;
  const emitGroup = (): void => {
    if (!group) return;
    const g = group;
    group = null;
    const data =
      g.last === g.first.seq ? g.first : { ...g.first, seq: g.last, seqFrom: g.first.seq, tokens: g.tokens };
    res.write(`id: ${g.last}\nevent: token\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const send = (e: RunEvent): boolean => {
    if (e.seq <= pos) return false;
    if (e.seq > pos + 1) {
      emitGroup();
      res.write(
        `event: reset\ndata: ${JSON.stringify({ from: e.seq, missed: { from: pos + 1, to: e.seq - 1 } })}\n\n`,
      );
    }
    pos = e.seq;
    if (e.type === 'token') {
      const g = group;
      if (
        g &&
        g.first.step === e.step &&
        g.first.invocation === e.invocation &&
        g.first.path.join('/') === e.path.join('/')
      ) {
        g.tokens.push(...e.tokens);
        g.last = e.seq;
      } else {
        emitGroup();
        group = { first: e, tokens: [...e.tokens], last: e.seq };
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          emitGroup();
        });
      }
      return false;
    }
    emitGroup();
    res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    if (e.type !== 'run.finish' || e.path.length > 0) return false;
    res.end(`event: end\ndata: ${JSON.stringify({ status: e.status, lastEventId: e.seq })}\n\n`);
    return true;
  };
  for (;;) {
    const batch = await log.read(runId, pos, 1024);
    if (signal.aborted) return;
    for (const e of batch) if (send(e)) return;
    if (batch.length < 1024) break;
  }
  for await (const e of log.tail(runId, pos, signal)) if (send(e)) return;
}
