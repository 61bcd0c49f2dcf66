// One 200 MB value between two steps, in a process of its own so that its peak RSS is its own:
//   node store-large-value-child.js <none|sqlite> <megabytes>
// Prints one JSON line: { ms, peakRssMB, storedMB, copies }.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, pipeline } from '@weft/core';
import { openStore, stepMemo } from '@weft/store';

const [mode, raw] = process.argv.slice(2);
const bytes = Number(raw) * 1024 * 1024;

const twoSteps = pipeline<number>('bench-large-value', { module: import.meta.url })
  .step('make', (n: number) => Buffer.alloc(n, 7), { to: 'measure' })
  .step('measure', (b: Uint8Array) => ({ length: b.byteLength, last: b[b.byteLength - 1] }))
  .build();

/** Every file under `dir` with its size. */
function files(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(statSync(join(d, e.name)).size);
    }
  };
  walk(dir);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'weft-bench-large-'));
try {
  const store = mode === 'sqlite' ? await openStore(join(dir, '.weft')) : undefined;
  const engine = createEngine({
    orchestrator: 'direct',
    ...(store ? { store, memo: stepMemo(store) } : {}),
  });
  const started = performance.now();
  const r = await engine.execute<{ length: number; last: number }>(twoSteps, bytes);
  const ms = performance.now() - started;
  await engine.close();
  await store?.close();
  if (r.status !== 'succeeded' || r.output?.length !== bytes || r.output.last !== 7)
    throw new Error(`${mode}: run ${r.status} ${r.error?.message ?? ''}`);
  // A copy is a file (or a database) at least as large as the value: there must be exactly one.
  const sizes = mode === 'sqlite' ? files(join(dir, '.weft')) : [];
  const copies = sizes.filter((s) => s >= bytes).length;
  const storedMB = sizes.reduce((a, b) => a + b, 0) / 1024 / 1024;
  if (mode === 'sqlite' && copies !== 1) throw new Error(`the value is stored ${copies} times`);
  process.stdout.write(
    `${JSON.stringify({ ms, peakRssMB: process.resourceUsage().maxRSS / 1024, storedMB, copies })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
