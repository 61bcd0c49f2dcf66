import type { ServerResponse } from 'node:http';
import { nowMs } from '../fixtures/serve-pipelines.js';

const TOKENS_PER_FRAME = 4096;

/**
 * The floor of the SSE suites: a bare route that writes frames of the same shape Weft writes, as
 * fast as the socket takes them (64 KB writes, waiting for drain): `first` one token frame carrying
 * the time it was written; `events` n map.item frames; `tokens` n tokens in frames of 4096.
 */
export async function floorSse(res: ServerResponse, n: number, kind: string): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write('retry: 1000\n: ok\n\n');
  const base = { runId: 'floor', time: Date.now(), path: [] as string[] };
  let buf = '';
  let seq = 0;
  const push = async (type: string, data: unknown): Promise<void> => {
    buf += `id: ${++seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    if (buf.length < 65536) return;
    const ok = res.write(buf);
    buf = '';
    if (!ok) await new Promise((r) => res.once('drain', r));
  };
  if (kind === 'first')
    await push('token', { ...base, seq: 1, type: 'token', step: 'speak', invocation: 1, tokens: [nowMs()] });
  else if (kind === 'events')
    for (let i = 0; i < n; i++)
      await push('map.item', {
        ...base,
        seq: seq + 1,
        type: 'map.item',
        step: 'square',
        invocation: 2,
        index: i,
        ok: true,
      });
  else
    for (let left = n; left > 0; left -= TOKENS_PER_FRAME)
      await push('token', {
        ...base,
        seq: seq + 1,
        type: 'token',
        step: 'flood',
        invocation: 1,
        tokens: new Array<string>(Math.min(left, TOKENS_PER_FRAME)).fill('t'),
      });
  buf += `event: end\ndata: ${JSON.stringify({ status: 'succeeded', lastEventId: seq })}\n\n`;
  res.end(buf);
}
