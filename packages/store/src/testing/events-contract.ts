import { describe, expect, it } from 'vitest';
import type { RunEvent } from '@weft/core';
import type { ValueRef } from '@weft/core/store';
import type { ContractContext } from './context.js';
import { events, take } from './fixtures.js';

const seqs = (es: readonly RunEvent[]): number[] => es.map((e) => e.seq);
const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** EventLog: numbering, reads, tails, trims, values by reference. */
export function eventsContract(c: ContractContext): void {
  describe('EventLog', () => {
    it('appends in order and reads after any n, with a limit', async () => {
      const log = c.store().events;
      expect(await log.lastId('r')).toBe(0);
      await log.append('r', events('r', 1, 10));
      await log.append('r', []);
      await log.append('r', events('r', 11, 5));
      expect(await log.lastId('r')).toBe(15);
      for (let n = 0; n <= 15; n++) expect(seqs(await log.read('r', n))).toEqual(range(n + 1, 15));
      expect(seqs(await log.read('r', 3, 4))).toEqual([4, 5, 6, 7]);
      expect(await log.read('other', 0)).toEqual([]);
      expect((await log.read('r', 0, 1))[0]).toEqual(events('r', 1, 1)[0]);
    });

    it('reads large batches back whole, after any n and with limits across their boundaries', async () => {
      const log = c.store().events;
      await log.append('big', events('big', 1, 2500));
      await log.append('big', events('big', 2501, 3));
      expect(seqs(await log.read('big', 0))).toEqual(range(1, 2503));
      for (const n of [0, 1, 1023, 1024, 1025, 2047, 2048, 2049, 2499, 2500, 2502, 2503])
        expect(seqs(await log.read('big', n))).toEqual(range(n + 1, 2503));
      expect(seqs(await log.read('big', 1020, 10))).toEqual(range(1021, 1030));
      expect(seqs(await log.read('big', 2495, 7))).toEqual(range(2496, 2502));
      expect(seqs(await log.read('big', 0, 2048))).toEqual(range(1, 2048));
      await log.trim('big', 1500);
      expect(seqs(await log.read('big', 0, 3))).toEqual([1501, 1502, 1503]);
      expect(seqs(await log.read('big', 2000))).toEqual(range(2001, 2503));
      expect((await log.read('big', 1600, 1))[0]).toEqual(events('big', 1601, 1)[0]);
    });

    it('refuses a batch that does not follow the last event with EVENT_GAP, and keeps what it had', async () => {
      const log = c.store().events;
      await log.append('r', events('r', 1, 3));
      await expect(log.append('r', events('r', 5, 1))).rejects.toMatchObject({ code: 'EVENT_GAP' });
      await expect(log.append('r', events('r', 3, 2))).rejects.toMatchObject({ code: 'EVENT_GAP' });
      await expect(log.append('fresh', events('fresh', 2, 1))).rejects.toMatchObject({ code: 'EVENT_GAP' });
      expect(await log.lastId('r')).toBe(3);
      expect(seqs(await log.read('r', 0))).toEqual([1, 2, 3]);
    });

    it('keeps small plain values inline and stores large or non-JSON ones once, by reference', async () => {
      const { events: log, values } = c.store();
      const big = 'y'.repeat(100_000);
      const base = {
        runId: 'v',
        time: 1,
        path: [] as string[],
        step: 's',
        invocation: 1,
        attempt: 1,
        durationMs: 1,
      };
      await log.append('v', [
        { ...base, seq: 1, type: 'step.end', output: { small: [1, 2] } },
        { ...base, seq: 2, type: 'step.end', output: big },
        { ...base, seq: 3, type: 'step.end', output: new Map([['k', 1]]) },
        { ...base, seq: 4, type: 'step.end', output: big },
      ]);
      const [e1, e2, e3, e4] = (await log.read('v', 0)) as Extract<RunEvent, { type: 'step.end' }>[];
      expect(e1!.output).toEqual({ small: [1, 2] });
      const ref = e2!.output as ValueRef;
      expect(ref.$weftValue).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(ref.bytes).toBeGreaterThan(100_000);
      expect(e4!.output).toEqual(ref);
      expect(values.get(ref)).toBe(big);
      expect(values.get(e3!.output as ValueRef)).toEqual(new Map([['k', 1]]));
      expect(values.has(ref)).toBe(true);
      expect(values.get('sha256:' + '0'.repeat(64))).toBeUndefined();
    });

    it('tails: the history after n, then live appends, with no gap and no duplicate', async () => {
      const log = c.store().events;
      await log.append('t', events('t', 1, 20));
      const abort = new AbortController();
      const got = take(log.tail('t', 7, abort.signal), 33, abort);
      await log.append('t', events('t', 21, 10));
      await log.append('t', events('t', 31, 10));
      expect(seqs(await got)).toEqual(range(8, 40));
    });

    it('tails a run from before its first event, and across its sessions', async () => {
      const s = c.store();
      const abort = new AbortController();
      const got = take(s.events.tail('u', 0, abort.signal), 9, abort);
      await s.events.append('u', events('u', 1, 4));
      await s.events.append('u', events('u', 5, 5));
      expect(seqs(await got)).toEqual(range(1, 9));
    });

    it('ends a tail when its signal aborts, even while it waits', async () => {
      const log = c.store().events;
      await log.append('w', events('w', 1, 2));
      const abort = new AbortController();
      const seen: number[] = [];
      const done = (async () => {
        for await (const e of log.tail('w', 0, abort.signal)) {
          seen.push(e.seq);
          if (e.seq === 2) queueMicrotask(() => abort.abort());
        }
      })();
      await done;
      expect(seen).toEqual([1, 2]);
    });

    it('trims: reads after a trimmed point start at the first kept event; the last id stays', async () => {
      const log = c.store().events;
      await log.append('x', events('x', 1, 10));
      await log.trim('x', 4);
      expect(seqs(await log.read('x', 0))).toEqual(range(5, 10));
      expect(seqs(await log.read('x', 6))).toEqual(range(7, 10));
      await log.trim('x');
      expect(await log.read('x', 0)).toEqual([]);
      expect(await log.lastId('x')).toBe(10);
      await log.append('x', events('x', 11, 1));
      expect(seqs(await log.read('x', 0))).toEqual([11]);
    });
  });
}
