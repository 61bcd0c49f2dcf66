// Helpers of the store suites: temporary store directories, events to append.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '@weft/core';

/** Temporary directories, removed by `clean`. */
export function tempDirs(): { make(): string; clean(): void } {
  const dirs: string[] = [];
  return {
    make: () => {
      const d = mkdtempSync(join(tmpdir(), 'weft-bench-store-'));
      dirs.push(d);
      return join(d, '.weft');
    },
    clean: () => {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** `n` map.item events of a run, numbered from `from` (what a large map writes most). */
export function mapItemEvents(runId: string, from: number, n: number): RunEvent[] {
  const out: RunEvent[] = new Array(n);
  for (let i = 0; i < n; i++)
    out[i] = {
      runId,
      seq: from + i,
      time: 1_764_912_000_000 + i,
      path: [],
      type: 'map.item',
      step: 'hash',
      invocation: 3,
      index: from + i - 1,
      ok: true,
    };
  return out;
}
