import type { RunEvent } from '@weft/core';
import type { Owner, RunRecord } from '@weft/core/store';
import { processOwner } from '../owner/process-owner.js';

/** A record of a finished run, started `ago` ms before now. */
export function record(runId: string, o: Partial<RunRecord> = {}, ago = 0): RunRecord {
  const startedAt = Date.now() - ago;
  return {
    runId,
    pipeline: 'p',
    module: null,
    planId: 'plan-1',
    status: 'succeeded',
    startedAt,
    finishedAt: startedAt + 1,
    input: { n: 1 },
    ...o,
  };
}

/** `n` events of a run, numbered from `from`. */
export function events(runId: string, from: number, n: number): RunEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    runId,
    seq: from + i,
    time: 1000 + from + i,
    path: [],
    type: 'map.item',
    step: 'm',
    invocation: 1,
    index: from + i,
    ok: true,
  }));
}

/** This process as an owner. */
export const me = (): Owner => processOwner();

/** An owner whose process is gone (a pid no process has). */
export function deadOwner(): Owner {
  const pid = 2 ** 22 + 12_345; // above Linux's pid_max default: never alive
  return { id: `${me().host}:${pid}:1`, host: me().host, pid, processStart: 1 };
}

/** An owner whose pid is alive but belongs to another process now (this one, started at another time). */
export function reusedPidOwner(): Owner {
  return { id: `${me().host}:${process.pid}:1`, host: me().host, pid: process.pid, processStart: 1 };
}

/** Collects the values an async iterable yields until `n` were seen (then aborts it). */
export async function take<T>(it: AsyncIterable<T>, n: number, abort: AbortController): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const x of it) {
    out.push(x);
    if (out.length >= n) {
      abort.abort();
      break;
    }
  }
  return out;
}
