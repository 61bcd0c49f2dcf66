import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Measurement, Suite } from '../suite.js';

const CHILD = fileURLToPath(new URL('./store-large-value-child.js', import.meta.url));
const MB = 200;

function child(mode: 'none' | 'sqlite', mb: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, mode, String(mb)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`store-large-value ${mode}: ${err.message}\n${stderr}`));
      try {
        const r = JSON.parse(stdout) as { ms: number; peakRssMB: number; storedMB: number; copies: number };
        resolve({
          durationMs: r.ms,
          metrics: {
            'peak RSS MB': r.peakRssMB,
            'peak RSS / value': r.peakRssMB / mb,
            'stored MB': r.storedMB,
            copies: r.copies,
          },
        });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/**
 * A 200 MB Buffer returned by one step and read by the next (direct orchestrator), each call in a
 * new process: without a store, and with the SQLite store and the memo (the value is memoised,
 * logged in the step.end event and audited — by reference: one copy on disk).
 */
export const storeLargeValueSuite: Suite = {
  name: 'store-large-value',
  description:
    'a 200 MB value between two steps, each call in its own process: peak RSS and copies stored, SQLite store + memo vs no store',
  setup({ smoke }) {
    const mb = smoke ? 8 : MB;
    return {
      unit: 'run',
      baseline: 'no store',
      params: { valueMB: mb, orchestrator: 'direct', process: 'one per call' },
      iterations: smoke ? 1 : 5,
      cases: [
        {
          name: 'no store',
          description: 'createEngine({ orchestrator: "direct" })',
          units: 1,
          run: () => child('none', mb),
        },
        {
          name: 'sqlite + memo',
          description: 'createEngine({ store: await openStore(dir), memo: stepMemo(store) })',
          units: 1,
          run: () => child('sqlite', mb),
        },
      ],
      targets: [
        {
          case: 'sqlite + memo',
          metric: 'extra',
          extra: 'peak RSS / value',
          max: 2,
          label: 'issue 11: a 200 MB value ≤ 2× its size in peak RSS',
        },
        { case: 'sqlite + memo', metric: 'extra', extra: 'copies', max: 1, label: 'issue 11: stored once' },
      ],
    };
  },
};
