// Pipelines for `weft serve` (examples/serve/serve.json registers them). Steps are found by module
// and name, so they run on worker threads as well as on the main thread.
import { pipeline, suspend } from '@weft/core';

/** Greets, streaming the greeting word by word as tokens. */
export const hello = pipeline('hello', { module: import.meta.url, description: 'a streamed greeting' })
  .step(
    'greet',
    async function* (name) {
      const words = ['hello', String(name ?? 'world'), '!'];
      for (const w of words) yield w;
      return words.join(' ');
    },
    { to: 'shout' },
  )
  .step('shout', (text) => text.toUpperCase())
  .build();

/** Squares numbers in a map, then waits for a human to approve the total (suspend / resume). */
export const approve = pipeline('approve', {
  module: import.meta.url,
  description: 'a map, then an approval',
})
  .map('square', (x) => x * x, { to: 'total' })
  .step('total', (xs) => xs.reduce((a, b) => a + b, 0), { to: 'review' })
  .step('review', (total, ctx) =>
    ctx.resume === undefined
      ? suspend('approve the total', { total })
      : ctx.resume === 'yes'
        ? { total, approved: true }
        : { total, approved: false },
  )
  .build();
