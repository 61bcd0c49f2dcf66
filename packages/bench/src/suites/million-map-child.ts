// One 1,000,000-item map in a process of its own, so that its peak RSS is its own:
//   node million-map-child.js <plain|direct|workers> <items>
// Prints one JSON line: { ms, peakRssMB, output }. Wall time counts the engine's start-up (pool
// included) and the run, not building the input array.
import { createEngine as createCoreEngine } from '@weft/core';
import { createEngine } from '@weft/actors';
import { plusOne } from '../fixtures/peers.js';

const [mode, raw] = process.argv.slice(2);
const n = Number(raw);
const items = Array.from({ length: n }, (_, i) => i);
const plus: (x: number) => number | Promise<number> = (x) => x + 1;
const started = performance.now();
let output: number[];
switch (mode) {
  case 'plain': {
    output = [];
    for (const x of items) output.push(await plus(x));
    break;
  }
  case 'direct':
  case 'workers': {
    const engine =
      mode === 'direct'
        ? createCoreEngine({ orchestrator: 'direct' })
        : createEngine({ orchestratorOptions: { threads: 2 } });
    const r = await engine.execute<number[]>(plusOne, items);
    await engine.close();
    if (r.status !== 'succeeded') throw new Error(`${mode}: run ${r.status}: ${r.error?.message ?? ''}`);
    output = r.output!;
    break;
  }
  default:
    throw new Error(`usage: million-map-child.js <plain|direct|workers> <items>, got ${String(mode)}`);
}
const ms = performance.now() - started;
if (output.length !== n || output[n - 1] !== n) throw new Error(`${mode}: wrong output`);
process.stdout.write(
  `${JSON.stringify({ ms, peakRssMB: process.resourceUsage().maxRSS / 1024, items: n })}\n`,
);
