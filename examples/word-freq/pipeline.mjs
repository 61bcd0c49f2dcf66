// Word frequencies declared in JavaScript with the builder (a module exporting a pipeline); the README's main
// example is pipeline.json over steps.mjs, whose vocabulary, generator and counter this module reuses.
// generate → map(count, one chunk of text per item) → fan out to (top, totals) → join(report).
// Steps are found by module and name, so the same module runs on the main thread or in workers.
import { pipeline, reducers, update } from '@weft/core';
import { VOCAB, countWords, rng } from './steps.mjs';

/** Describes the chunks to generate; each map item builds its chunk of text and counts it. */
export function plan({ chunks = 64, wordsPerChunk = 200_000, seed = 42 } = {}) {
  return Array.from({ length: chunks }, (_, i) => ({ seed: seed * 1_000_003 + i, words: wordsPerChunk }));
}

/** Builds one chunk of text (CPU work) and counts its words. */
export function count({ seed, words }) {
  const next = rng(seed);
  const parts = [];
  for (let i = 0; i < words; i++) {
    // Zipf-ish: squaring a uniform draw favours low ranks.
    const r = next();
    parts.push(VOCAB[Math.floor(r * r * r * VOCAB.length)]);
    if (i % 12 === 11) parts.push('\n');
  }
  const text = parts.join(' ');
  return { bytes: text.length, counts: countWords(text).counts };
}

export function top(results) {
  const all = new Map();
  for (const r of results) for (const [w, n] of Object.entries(r.counts)) all.set(w, (all.get(w) ?? 0) + n);
  const sorted = [...all].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return update({ distinct: all.size }, sorted.slice(0, 10));
}

export function totals(results) {
  let bytes = 0;
  let words = 0;
  for (const r of results) {
    bytes += r.bytes;
    for (const n of Object.values(r.counts)) words += n;
  }
  return update({ bytes, words }, { bytes, words });
}

export function report({ top, totals }) {
  return { ...totals, top };
}

export const wordFreq = pipeline('word-freq', {
  module: import.meta.url,
  state: { bytes: reducers.sum(0), words: reducers.sum(0), distinct: reducers.replace(0) },
})
  .step('plan', plan, { to: 'count' })
  .map('count', count, { to: ['top', 'totals'], concurrency: 64 })
  .step('top', top, { to: 'report' })
  .step('totals', totals, { to: 'report' })
  .step('report', report)
  .build();
