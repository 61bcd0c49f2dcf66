// The README's main job: word frequencies over a generated ~60 MB corpus, on the embedded defaults.
// Usage: node examples/run-example.mjs [--chunks N] [--orchestrator direct|workers]
import { parseArgs } from 'node:util';
import { createEngine } from '@weft/core';
import { wordFreq } from './word-freq/pipeline.mjs';

const { values } = parseArgs({
  options: { chunks: { type: 'string', default: '64' }, orchestrator: { type: 'string' } },
});
const chunks = Number(values.chunks);
if (!Number.isInteger(chunks) || chunks < 1) {
  console.error(`OPTION_INVALID: --chunks must be a positive integer, got "${values.chunks}"`);
  process.exit(2);
}

const engine = createEngine(values.orchestrator ? { orchestrator: values.orchestrator } : {});
const run = engine.start(wordFreq, { chunks });
const tty = process.stdout.isTTY;
let done = 0;
for await (const ev of run.events()) {
  if (ev.type === 'map.item') {
    done++;
    if (tty) process.stdout.write(`\rcount: ${done}/${chunks} chunks`);
  } else if (ev.type === 'step.end' && !tty) {
    console.log(`step ${ev.step} done`);
  }
}
if (tty) process.stdout.write('\n');
const result = await run.result;
await engine.close();
if (result.status !== 'succeeded') {
  console.error(`run ${result.status}: ${result.error?.code ?? ''} ${result.error?.message ?? ''}`);
  process.exit(1);
}
const { bytes, words, top } = result.output;
console.log(`${(bytes / 1e6).toFixed(1)} MB, ${words.toLocaleString('en')} words, ${result.state.distinct} distinct, in ${result.durationMs.toFixed(0)} ms`);
console.log('top words:');
for (const [w, n] of top) console.log(`  ${w.padEnd(10)} ${n}`);
