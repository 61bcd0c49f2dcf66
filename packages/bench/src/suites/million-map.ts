import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Measurement, Suite } from '../suite.js';

const CHILD = fileURLToPath(new URL('./million-map-child.js', import.meta.url));
const ITEMS = 1_000_000;

/** Runs one map in a fresh process: its wall time and the process's peak RSS (main thread and workers). */
function child(mode: 'plain' | 'direct' | 'workers', n: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, mode, String(n)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`million-map ${mode}: ${err.message}\n${stderr}`));
      try {
        const r = JSON.parse(stdout) as { ms: number; peakRssMB: number; items: number };
        if (r.items !== n) throw new Error(`million-map ${mode}: ${r.items} items`);
        resolve({ durationMs: r.ms, metrics: { 'peak RSS MB': r.peakRssMB } });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/**
 * A map of 1,000,000 trivial items (x + 1), each call in a new Node process (so the peak RSS
 * measured is that map's alone): a plain loop, Weft `direct` and Weft `workers` (2 threads, default
 * chunking), with the default in-memory run store. Wall time includes engine and pool start-up.
 */
export const millionMapSuite: Suite = {
  name: 'million-map',
  description:
    'a 1,000,000-item map of x + 1, each in its own process: wall time and peak RSS, Weft workers and direct vs a plain loop',
  setup({ smoke }) {
    const n = smoke ? 2000 : ITEMS;
    return {
      unit: 'item',
      baseline: 'plain loop',
      params: { items: n, threads: 2, process: 'one per call' },
      iterations: 1,
      cases: [
        {
          name: 'plain loop',
          description: 'await x + 1 per item, results in an array',
          units: n,
          run: () => child('plain', n),
        },
        {
          name: 'weft direct',
          description: 'createEngine({ orchestrator: "direct" }).execute(map)',
          units: n,
          run: () => child('direct', n),
        },
        {
          name: 'weft workers',
          description: 'createEngine() of @weft/actors (workers, 2 threads).execute(map)',
          units: n,
          run: () => child('workers', n),
        },
      ],
      targets: [
        {
          case: 'weft workers',
          metric: 'extra',
          extra: 'peak RSS MB',
          max: 300,
          label: 'issue 5: a 1M-item map under 300 MB RSS',
        },
        {
          case: 'weft direct',
          metric: 'extra',
          extra: 'peak RSS MB',
          max: 300,
          label: 'issue 5: a 1M-item map under 300 MB RSS',
        },
      ],
    };
  },
};
